/*
 * test-dataset: feature selection (default, explicit, globs), label
 * handling, the time-ordered validation tail, subsets and the feature map.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dataset.h"
#include "tap.h"
#include "util.h"

static char path[64];

static const char stream[] =
	"{\"ts\":\"2024-01-01T00:00:00Z\",\"symbol\":\"A\","
	"\"open\":1,\"close\":2,\"rsi_14\":null,\"fz_lo\":0.5,"
	"\"note\":\"x\",\"label_up\":1,\"label_r\":0.1}\n"
	"{\"ts\":\"2024-01-01T00:00:00Z\",\"symbol\":\"B\","
	"\"open\":1,\"close\":2,\"rsi_14\":40,\"fz_lo\":0.25,"
	"\"note\":\"y\",\"label_up\":0,\"label_r\":0.2}\n"
	"{\"ts\":\"2024-01-01T01:00:00Z\",\"symbol\":\"A\","
	"\"open\":1,\"close\":2,\"rsi_14\":50,\"fz_lo\":true,"
	"\"note\":\"z\",\"label_up\":null,\"label_r\":0.3}\n"
	"{\"ts\":\"2024-01-01T02:00:00Z\",\"symbol\":\"A\","
	"\"open\":1,\"close\":2,\"rsi_14\":60,\"fz_lo\":0,"
	"\"note\":\"z\",\"label_up\":1,\"label_r\":0.4,\"late\":7}\n";

static int
load(struct bp_dataset *d, const char *label, const char *const *f, size_t nf)
{
	struct bp_dataset_opts o = { label, f, nf, 0 };

	return bp_dataset_load(d, path, &o);
}

int
main(void)
{
	struct bp_dataset d, h, t, s;
	const char *feats[] = { "fz_lo", "rsi_14" };
	const char *glob[] = { "*" };
	const char *lab[] = { "label_r" };
	const char *bad[] = { "note" };
	const char *none[] = { "zz_*" };
	size_t idx[] = { 2, 0, 2 };
	FILE *fp;
	int fd;

	bp_setprogname("test-dataset");
	strcpy(path, "/tmp/test-dataset-XXXXXX");
	fd = mkstemp(path);
	fp = fdopen(fd, "w");
	fputs(stream, fp);
	fclose(fp);

	ok(load(&d, "label_up", NULL, 0) == 0, "default load");
	ok(d.k == 3 && strcmp(d.names[0], "rsi_14") == 0 &&
	   strcmp(d.names[1], "fz_lo") == 0 && strcmp(d.names[2], "late") == 0,
	   "default features: numeric, not ohlc/labels/strings, stream order");
	ok(d.n == 3 && d.skipped_null_label == 1 && d.rows_read == 4,
	   "null label skipped and counted");
	ok(isnan(d.x[0]) && d.x[1] == 0.5 && isnan(d.x[2]),
	   "null and absent are NaN");
	ok(d.nsyms == 2 && strcmp(d.syms[d.sym[1]], "B") == 0, "symbols");
	ok(d.src[2] == 3 && d.y[2] == 1, "source row index and label");
	ok(d.ts[2] == 1704074400000LL, "ts in ms");
	bp_dataset_release(&d);

	ok(load(&d, "label_up", feats, 2) == 0 && d.k == 2 &&
	   strcmp(d.names[0], "fz_lo") == 0, "explicit list keeps its order");
	bp_dataset_release(&d);
	ok(load(&d, "label_up", glob, 1) == 0 && d.k == 5,
	   "glob '*': open, close, rsi, fz, late (no labels, no strings)");
	bp_dataset_release(&d);
	ok(load(&d, "label_up", lab, 1) < 0, "label_* as a feature refused");
	ok(load(&d, "label_up", bad, 1) < 0, "a string feature refused");
	ok(load(&d, "label_up", none, 1) < 0, "a glob matching nothing");
	ok(load(&d, "label_zz", NULL, 0) < 0, "a missing label column");

	ok(load(&d, "label_r", NULL, 0) == 0 && d.n == 4, "regression label");
	ok(d.x[2 * 3 + 1] == 1.0, "true counts as 1");
	ok(bp_dataset_split_tail(&d, 0.5, &h, &t) == 0 && h.n == 2 && t.n == 2,
	   "tail of half");
	bp_dataset_release(&h);
	bp_dataset_release(&t);
	/* 0.25 of 4 rows would cut inside nothing: last ts has one row */
	ok(bp_dataset_split_tail(&d, 0.25, &h, &t) == 0 && t.n == 1 &&
	   t.y[0] == 0.4, "tail of a quarter");
	bp_dataset_release(&h);
	bp_dataset_release(&t);
	/* 0.75: the cut would split 00:00 (two symbols): moved back to 0 */
	ok(bp_dataset_split_tail(&d, 0.75, &h, &t) < 0,
	   "one timestamp never straddles the cut (no head left: refused)");
	ok(bp_dataset_split_tail(&d, 0.4, &h, &t) == 0 && h.n == 2 && t.n == 2,
	   "tail of 0.4: two rows each side");
	bp_dataset_release(&h);
	bp_dataset_release(&t);
	bp_dataset_subset(&s, &d, idx, 3);
	ok(s.n == 3 && s.y[0] == 0.3 && s.y[1] == 0.1 && s.y[2] == 0.3 &&
	   s.src[1] == 0, "subset by index, repeats allowed");
	{
		char a[BP_SHA256_HEXSZ], b[BP_SHA256_HEXSZ];

		bp_dataset_sha256(&d, a);
		bp_dataset_sha256(&s, b);
		ok(strlen(a) == 64 && strcmp(a, b) != 0, "data hashes differ");
	}
	bp_dataset_release(&s);
	bp_dataset_release(&d);

	{
		struct bp_row row = BP_ROW_INIT;
		struct bp_featmap fm;
		const char *names[] = { "b", "a" };
		const char *line = "{\"a\":1,\"b\":null,\"c\":\"s\"}";
		double x[2];
		size_t which;
		enum bp_feat_problem why;

		bp_featmap_init(&fm, names, 2);
		bp_row_parse(&row, line, strlen(line), NULL, 0);
		ok(bp_featmap_fill(&fm, &row, x, &which, &why) == 1 &&
		   isnan(x[0]) && x[1] == 1, "featmap: one null");
		names[1] = "c";
		ok(bp_featmap_fill(&fm, &row, x, &which, &why) < 0 &&
		   which == 1 && why == BP_FEAT_NOT_NUMBER, "featmap: string");
		names[1] = "q";
		ok(bp_featmap_fill(&fm, &row, x, &which, &why) < 0 &&
		   which == 1 && why == BP_FEAT_ABSENT, "featmap: absent");
		bp_featmap_release(&fm);
		bp_row_release(&row);
	}
	unlink(path);
	return done_testing();
}
