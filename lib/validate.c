/*
 * validate: bar checks, time order, repeats and gaps.  See validate.h.
 */
#include "validate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "ts.h"
#include "util.h"

const char *const bp_on_bad_names[] = { "fail", "skip", "report", NULL };
const char *const bp_dupes_names[] = { "error", "first", "last", NULL };

#define WEEK_MS (7 * 86400000LL)
#define MONDAY_MS (4 * 86400000LL)	/* 1970-01-05, a Monday */

void
bp_validate_release(struct bp_validate *v)
{
	json_decref(v->files);
	json_decref(v->bad_list);
	json_decref(v->dup_list);
	json_decref(v->gap_list);
	json_decref(v->empty_list);
	memset(v, 0, sizeof(*v));
}

static const char *
colname(int c)
{
	return bp_csv_col_names[c];
}

void
bp_validate_reason(const struct bp_csv_row *r, char *buf, size_t n)
{
	char a[BP_FMT_BUFSZ], b[BP_FMT_BUFSZ];
	const double *v = r->v;

	switch (r->bad) {
	case BP_BAD_FIELDS:
		snprintf(buf, n, "too few fields (%u)", r->nfields);
		break;
	case BP_BAD_TS:
		snprintf(buf, n, "'ts' is not a time");
		break;
	case BP_BAD_NUMBER:
		snprintf(buf, n, "'%s' is not a number", colname(r->badcol));
		break;
	case BP_BAD_NEGATIVE:
		bp_fmt_double(a, v[r->badcol]);
		snprintf(buf, n, "'%s' is negative (%s)", colname(r->badcol),
			 a);
		break;
	case BP_BAD_LOW_HIGH:
		bp_fmt_double(a, v[BP_COL_LOW]);
		bp_fmt_double(b, v[BP_COL_HIGH]);
		snprintf(buf, n, "'low' %s is above 'high' %s", a, b);
		break;
	case BP_BAD_HIGH:
		bp_fmt_double(a, v[BP_COL_HIGH]);
		bp_fmt_double(b, fmax(v[BP_COL_OPEN], v[BP_COL_CLOSE]));
		snprintf(buf, n, "'high' %s is below max(open, close) %s", a,
			 b);
		break;
	case BP_BAD_LOW:
		bp_fmt_double(a, v[BP_COL_LOW]);
		bp_fmt_double(b, fmin(v[BP_COL_OPEN], v[BP_COL_CLOSE]));
		snprintf(buf, n, "'low' %s is above min(open, close) %s", a,
			 b);
		break;
	default:
		snprintf(buf, n, "no problem");
	}
}

/* The value checks on a row that was read: sets r->bad. */
static void
check_values(struct bp_csv_row *r)
{
	const double *v = r->v;

	if (r->bad)
		return;
	for (int c = 0; c < BP_COL_NBAR; c++)
		if (v[c] < 0) {
			r->bad = BP_BAD_NEGATIVE;
			r->badcol = (uint8_t)c;
			return;
		}
	if (v[BP_COL_LOW] > v[BP_COL_HIGH])
		r->bad = BP_BAD_LOW_HIGH;
	else if (v[BP_COL_HIGH] < fmax(v[BP_COL_OPEN], v[BP_COL_CLOSE]))
		r->bad = BP_BAD_HIGH;
	else if (v[BP_COL_LOW] > fmin(v[BP_COL_OPEN], v[BP_COL_CLOSE]))
		r->bad = BP_BAD_LOW;
}

static json_t *
ts_json(int64_t ms)
{
	char buf[BP_TS_BUFSZ];

	bp_ts_format(buf, ms);
	return json_string(buf);
}

static json_t *
dur_json(int64_t ms)
{
	char buf[32];

	if (ms <= 0)
		return json_null();
	bp_ts_format_duration(buf, ms);
	return json_string(buf);
}

static int
list_add(json_t *list, json_t *item)
{
	if (json_array_size(list) < BP_VALIDATE_LIST_MAX)
		return json_array_append_new(list, item);
	json_decref(item);
	return 0;
}

static int
row_cmp(const void *pa, const void *pb)
{
	const struct bp_csv_row *a = pa, *b = pb;

	if (a->ts != b->ts)
		return a->ts < b->ts ? -1 : 1;
	if (a->file != b->file)
		return a->file < b->file ? -1 : 1;
	return a->line < b->line ? -1 : a->line > b->line;
}

static int
sorted(const struct bp_csv_row *r, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (row_cmp(&r[i - 1], &r[i]) > 0)
			return 0;
	return 1;
}

/* Sort by (ts, file, line): already sorted, reversed, or qsort. */
static void
sort_rows(struct bp_csv_row *r, size_t n)
{
	if (sorted(r, n))
		return;
	for (size_t i = 0, j = n - 1; n && i < j; i++, j--) {
		struct bp_csv_row tmp = r[i];

		r[i] = r[j];
		r[j] = tmp;
	}
	if (!sorted(r, n))
		qsort(r, n, sizeof(*r), row_cmp);
}

static int
same_values(const struct bp_csv_row *a, const struct bp_csv_row *b)
{
	for (int c = 0; c < BP_COL_NBAR; c++)
		if (!(a->v[c] == b->v[c] || (isnan(a->v[c]) && isnan(b->v[c]))))
			return 0;
	return 1;
}

static int
i64_cmp(const void *pa, const void *pb)
{
	int64_t a = *(const int64_t *)pa, b = *(const int64_t *)pb;

	return a < b ? -1 : a > b;
}

/* Most common positive spacing between consecutive bars (ties: smaller). */
static int64_t
common_spacing(const struct bp_csv_row *r, size_t n)
{
	int64_t *d, best = 0;
	size_t nd = 0, bestn = 0;

	if (n < 2)
		return 0;
	/* usually one spacing is most of them (Boyer-Moore majority vote) */
	{
		int64_t cand = 0;
		size_t votes = 0, cnt = 0, pos = 0;

		for (size_t i = 1; i < n; i++) {
			int64_t x = r[i].ts - r[i - 1].ts;

			if (x <= 0)
				continue;
			pos++;
			if (votes == 0)
				cand = x;
			if (x == cand)
				votes++;
			else
				votes--;
		}
		for (size_t i = 1; i < n; i++)
			cnt += r[i].ts - r[i - 1].ts == cand;
		if (2 * cnt > pos)
			return cand;
	}
	d = bp_xreallocarray(NULL, n - 1, sizeof(*d));
	for (size_t i = 1; i < n; i++)
		if (r[i].ts > r[i - 1].ts)
			d[nd++] = r[i].ts - r[i - 1].ts;
	qsort(d, nd, sizeof(*d), i64_cmp);
	for (size_t i = 0; i < nd;) {
		size_t j = i;

		while (j < nd && d[j] == d[i])
			j++;
		if (j - i > bestn) {
			bestn = j - i;
			best = d[i];
		}
		i = j;
	}
	free(d);
	return best;
}

static const char *
file_name(const struct bp_csv_table *t, const struct bp_csv_row *r)
{
	return t->files[r->file].name;
}

/* Bad rows in file order: fail, skip or keep them. */
static int
check_rows(struct bp_validate *v, struct bp_csv_table *t,
	   const struct bp_validate_opts *o)
{
	size_t k = 0;
	char reason[160];

	for (size_t i = 0; i < t->n; i++) {
		struct bp_csv_row *r = &t->rows[i];
		int keep;

		check_values(r);
		if (!r->bad) {
			t->rows[k++] = *r;
			continue;
		}
		bp_validate_reason(r, reason, sizeof(reason));
		if (r->bad == BP_BAD_FIELDS)
			snprintf(reason, sizeof(reason),
				 "expected at least %ld fields, got %u",
				 t->files[r->file].need_fields, r->nfields);
		v->bad++;
		v->bad_kind[r->bad]++;
		if (o->on_bad == BP_ON_BAD_FAIL && !o->collect)
			return bp_error("%s:%u: %s", file_name(t, r), r->line,
					reason);
		list_add(v->bad_list,
			 json_pack("{s:s, s:i, s:s}", "file", file_name(t, r),
				   "line", (json_int_t)r->line, "reason",
				   reason));
		if (o->on_bad == BP_ON_BAD_FAIL)
			v->ok = 0;
		keep = o->on_bad == BP_ON_BAD_REPORT && r->tsok;
		if (keep) {
			v->kept++;
			if (!o->collect)
				bp_warn("%s:%u: %s (kept)", file_name(t, r),
					r->line, reason);
			t->rows[k++] = *r;
		} else {
			v->skipped++;
			if (!o->collect)
				bp_info(2, "%s:%u: %s (skipped)",
					file_name(t, r), r->line, reason);
		}
	}
	t->n = k;
	return 0;
}

/* Per file: how many rows, in which order; empty files. */
static int
check_files(struct bp_validate *v, struct bp_csv_table *t,
	    const struct bp_validate_opts *o)
{
	size_t i = 0;

	for (size_t f = 0; f < t->nfiles; f++) {
		long asc = 0, desc = 0;
		const char *order;
		size_t start = i;

		for (; i < t->n && t->rows[i].file == f; i++)
			if (i > start) {
				asc += t->rows[i].ts > t->rows[i - 1].ts;
				desc += t->rows[i].ts < t->rows[i - 1].ts;
			}
		if (asc && desc) {
			order = "unsorted";
			v->unsorted += asc < desc ? asc : desc;
		} else {
			order = desc ? "descending" : "ascending";
		}
		json_array_append_new(
			v->files,
			json_pack("{s:s, s:s, s:i, s:i, s:s}", "file",
				  t->files[f].name, "format",
				  bp_csv_format_names[t->files[f].format],
				  "rows", (json_int_t)t->files[f].rows,
				  "bars", (json_int_t)(i - start), "order",
				  order));
		bp_info(2, "%s: %zu bars, %s", t->files[f].name, i - start,
			strcmp(order, "descending") == 0
				? "newest first (put in time order)"
				: order);
		if (t->files[f].rows == 0) {
			v->empty_files++;
			json_array_append_new(v->empty_list,
					      json_string(t->files[f].name));
			if (!o->collect)
				return bp_error("'%s': no data rows (empty "
						"file)", t->files[f].name);
			v->ok = 0;
		}
	}
	return 0;
}

/* Repeated timestamps in the sorted rows. */
static int
dedupe(struct bp_validate *v, struct bp_csv_table *t,
       const struct bp_validate_opts *o)
{
	size_t k = 0;
	struct bp_csv_row *r = t->rows;

	for (size_t i = 0; i < t->n;) {
		size_t j = i + 1, keep = i;

		for (; j < t->n && r[j].ts == r[i].ts; j++) {
			if (same_values(&r[i], &r[j])) {
				v->identical++;
				continue;
			}
			v->conflicting++;
			list_add(v->dup_list,
				 json_pack("{s:o, s:s, s:i, s:s, s:i}", "ts",
					   ts_json(r[i].ts), "file",
					   file_name(t, &r[i]), "line",
					   (json_int_t)r[i].line, "other_file",
					   file_name(t, &r[j]), "other_line",
					   (json_int_t)r[j].line));
			if (o->dupes == BP_DUPES_ERROR) {
				char ts[BP_TS_BUFSZ];

				if (o->collect) {
					v->ok = 0;
					continue;
				}
				bp_ts_format(ts, r[i].ts);
				return bp_error("%s:%u and %s:%u: conflicting "
						"rows for %s (keep one with "
						"--dupes first or --dupes "
						"last)", file_name(t, &r[i]),
						r[i].line, file_name(t, &r[j]),
						r[j].line, ts);
			}
			if (o->dupes == BP_DUPES_LAST)
				keep = j;
		}
		r[k++] = r[keep];
		i = j;
	}
	t->n = k;
	return 0;
}

static void
check_spacing(struct bp_validate *v, const struct bp_csv_table *t)
{
	const struct bp_csv_row *r = t->rows;
	int64_t tf = v->timeframe, origin;
	int aligned;

	if (tf <= 0)
		return;
	/* alignment means something for parts of a day and whole weeks */
	aligned = 86400000 % tf == 0 || tf % WEEK_MS == 0;
	origin = tf % WEEK_MS == 0 ? MONDAY_MS : 0;
	for (size_t i = 0; i < t->n; i++) {
		if (aligned)
			v->misaligned += (r[i].ts - origin) % tf != 0;
		if (i == 0)
			continue;
		if (r[i].ts - r[i - 1].ts > tf) {
			int64_t d = r[i].ts - r[i - 1].ts;
			long miss = (long)(d / tf - (d % tf == 0));

			v->gaps++;
			v->missing += miss;
			if (d > v->largest_gap) {
				v->largest_gap = d;
				v->largest_gap_after = r[i - 1].ts;
			}
			list_add(v->gap_list,
				 json_pack("{s:o, s:o, s:i}", "after",
					   ts_json(r[i - 1].ts), "next",
					   ts_json(r[i].ts), "missing",
					   (json_int_t)miss));
		}
	}
}

int
bp_validate_run(struct bp_validate *v, struct bp_csv_table *t,
		const struct bp_validate_opts *o)
{
	memset(v, 0, sizeof(*v));
	v->ok = 1;
	v->files = json_array();
	v->bad_list = json_array();
	v->dup_list = json_array();
	v->gap_list = json_array();
	v->empty_list = json_array();
	v->rows = (long)t->n;
	if (check_rows(v, t, o) < 0 || check_files(v, t, o) < 0)
		return -1;
	sort_rows(t->rows, t->n);
	if (dedupe(v, t, o) < 0)
		return -1;
	v->bars = (long)t->n;
	if (t->n) {
		v->first = t->rows[0].ts;
		v->last = t->rows[t->n - 1].ts;
	}
	v->common_spacing = common_spacing(t->rows, t->n);
	v->timeframe = o->timeframe ? o->timeframe : v->common_spacing;
	v->timeframe_inferred = !o->timeframe && v->timeframe > 0;
	check_spacing(v, t);
	for (size_t i = 0; i < t->n; i++)
		v->zero_volume += t->rows[i].v[BP_COL_VOLUME] == 0;
	return 0;
}

void
bp_validate_report(const struct bp_validate *v)
{
	char a[BP_TS_BUFSZ], b[32], c[32];

	if (v->skipped)
		bp_warn("skipped %ld bad row%s", v->skipped,
			v->skipped == 1 ? "" : "s");
	if (v->identical)
		bp_warn("dropped %ld repeated row%s (identical to an earlier "
			"row with the same time)", v->identical,
			v->identical == 1 ? "" : "s");
	if (v->conflicting)
		bp_warn("%ld conflicting repeated time%s resolved by --dupes",
			v->conflicting, v->conflicting == 1 ? "" : "s");
	if (v->unsorted)
		bp_warn("input not in time order (%ld row%s out of order); "
			"sorted", v->unsorted, v->unsorted == 1 ? "" : "s");
	if (v->timeframe_inferred) {
		bp_ts_format_duration(b, v->timeframe);
		bp_info(2, "timeframe %s (inferred: the most common spacing)",
			b);
	}
	if (!v->timeframe_inferred && v->common_spacing &&
	    v->common_spacing != v->timeframe) {
		bp_ts_format_duration(b, v->common_spacing);
		bp_ts_format_duration(c, v->timeframe);
		bp_warn("the most common spacing is %s but the timeframe is "
			"%s", b, c);
	}
	if (v->gaps) {
		bp_ts_format(a, v->largest_gap_after);
		bp_ts_format_duration(b, v->timeframe);
		bp_ts_format_duration(c, v->largest_gap);
		bp_warn("%ld gap%s against %s (%ld missing bar%s; largest %s "
			"after %s)", v->gaps, v->gaps == 1 ? "" : "s", b,
			v->missing, v->missing == 1 ? "" : "s", c, a);
	}
	if (v->misaligned) {
		bp_ts_format_duration(b, v->timeframe);
		bp_warn("%ld bar%s not aligned to %s boundaries in UTC (is "
			"--tz right?)", v->misaligned,
			v->misaligned == 1 ? "" : "s", b);
	}
	bp_info(2, "%ld rows, %ld bars, %ld bad, %ld identical and %ld "
		   "conflicting repeats, %ld gaps, %ld zero-volume bars",
		v->rows, v->bars, v->bad, v->identical, v->conflicting,
		v->gaps, v->zero_volume);
}

json_t *
bp_validate_summary(const struct bp_validate *v, const char *symbol)
{
	json_t *doc = json_object();

	json_object_set_new(doc, "ok", json_boolean(v->ok));
	json_object_set_new(doc, "symbol",
			    symbol ? json_string(symbol) : json_null());
	json_object_set_new(doc, "files", json_incref(v->files));
	json_object_set_new(doc, "rows", json_integer(v->rows));
	json_object_set_new(doc, "bars", json_integer(v->bars));
	json_object_set_new(doc, "first",
			    v->bars ? ts_json(v->first) : json_null());
	json_object_set_new(doc, "last",
			    v->bars ? ts_json(v->last) : json_null());
	json_object_set_new(doc, "timeframe", dur_json(v->timeframe));
	json_object_set_new(doc, "timeframe_inferred",
			    json_boolean(v->timeframe_inferred));
	json_object_set_new(doc, "unsorted", json_integer(v->unsorted));
	json_object_set_new(
		doc, "duplicates",
		json_pack("{s:i, s:i, s:O}", "identical",
			  (json_int_t)v->identical, "conflicting",
			  (json_int_t)v->conflicting, "list", v->dup_list));
	json_object_set_new(
		doc, "gaps",
		json_pack("{s:i, s:i, s:o, s:o, s:O}", "count",
			  (json_int_t)v->gaps, "missing",
			  (json_int_t)v->missing, "largest",
			  dur_json(v->largest_gap), "largest_after",
			  v->gaps ? ts_json(v->largest_gap_after)
				  : json_null(),
			  "list", v->gap_list));
	json_object_set_new(doc, "misaligned", json_integer(v->misaligned));
	json_object_set_new(
		doc, "bad",
		json_pack("{s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:O}",
			  "count", (json_int_t)v->bad, "skipped",
			  (json_int_t)v->skipped, "kept", (json_int_t)v->kept,
			  "non_numeric",
			  (json_int_t)v->bad_kind[BP_BAD_NUMBER], "bad_time",
			  (json_int_t)v->bad_kind[BP_BAD_TS], "short",
			  (json_int_t)v->bad_kind[BP_BAD_FIELDS], "negative",
			  (json_int_t)v->bad_kind[BP_BAD_NEGATIVE], "ohlc",
			  (json_int_t)(v->bad_kind[BP_BAD_LOW_HIGH] +
				       v->bad_kind[BP_BAD_HIGH] +
				       v->bad_kind[BP_BAD_LOW]),
			  "list", v->bad_list));
	json_object_set_new(doc, "zero_volume", json_integer(v->zero_volume));
	json_object_set_new(doc, "empty_files", json_incref(v->empty_list));
	return doc;
}
