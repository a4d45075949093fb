/*
 * spec: parse and validate strategy specs and the command-line forms of
 * the same items.
 *
 * Every item, whether it comes from the JSON document or from an option,
 * goes through one add_* function per kind, so the checks and messages
 * are the same.  Messages are "WHERE: reason", WHERE being the JSON path
 * ("indicators[2].params[0]") or the option ("-i 'rsi:0'").
 */
#include "spec.h"

#include <assert.h>
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "jsonout.h"
#include "util.h"

/* Write a reason into err (every function here has err, errlen). */
#define ERR(...) errf(err, errlen, __VA_ARGS__)

static int
errf(char *err, size_t errlen, const char *fmt, ...) BP_PRINTF(3, 4);

static int
errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static const char *const bar_columns[] = {
	"open", "high", "low", "close", "volume",
};

static char *
xfmt(const char *fmt, ...) BP_PRINTF(1, 2);

static char *
xfmt(const char *fmt, ...)
{
	struct bp_buf b = BP_BUF_INIT;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	bp_buf_grow(&b, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(b.s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b.len = (size_t)n;
	return bp_buf_detach(&b, NULL);
}

int
bp_spec_is_label(const char *name)
{
	return strncmp(name, "label_", 6) == 0;
}

void
bp_spec_init(struct bp_spec *s)
{
	memset(s, 0, sizeof(*s));
}

void
bp_spec_release(struct bp_spec *s)
{
	for (size_t i = 0; i < s->nind; i++) {
		free(s->ind[i].src);
		free(s->ind[i].where);
	}
	for (size_t i = 0; i < s->nder; i++) {
		free(s->der[i].src);
		free(s->der[i].where);
	}
	for (size_t i = 0; i < s->nfz; i++) {
		free(s->fz[i].column);
		bp_fuzzy_sets_free(s->fz[i].sets, s->fz[i].nsets);
		free(s->fz[i].where);
	}
	for (size_t i = 0; i < s->nlab; i++) {
		free(s->lab[i].name);
		free(s->labwhere[i]);
	}
	for (size_t i = 0; i < s->ncol; i++)
		free(s->col[i].name);
	free(s->ind);
	free(s->der);
	free(s->fz);
	free(s->lab);
	free(s->labwhere);
	free(s->col);
	free(s->path);
	free(s->name);
	free(s->description);
	json_decref(s->root);
	memset(s, 0, sizeof(*s));
}

/* A column name a feature may read: not empty, not a label. */
static int
check_source(const char *col, char *err, size_t errlen)
{
	if (!*col)
		return ERR("empty column name");
	if (bp_spec_is_label(col))
		return ERR("features may not be computed from the label "
			   "column '%s' (it looks ahead)", col);
	return 0;
}

/* ---- indicators ------------------------------------------------------- */

static int
push_indicator(struct bp_spec *s, const struct bp_ta_info *info,
	       const double *p, const char *src, const char *where, char *err,
	       size_t errlen)
{
	struct bp_spec_ind *it;

	if (bp_ta_check(info, p, err, errlen) < 0)
		return -1;
	if (src) {
		if (!info->single)
			return ERR("%s reads %s; it takes no @column",
				   info->name,
				   info->needs & BP_TA_NEED_VOLUME ?
				   "high, low, close and volume" :
				   "high, low and close");
		if (check_source(src, err, errlen) < 0)
			return -1;
	}
	BP_GROW(s->ind, s->aind, s->nind + 1);
	it = &s->ind[s->nind++];
	memset(it, 0, sizeof(*it));
	it->info = info;
	memcpy(it->p, p, sizeof(it->p));
	it->src = src && strcmp(src, "close") != 0 ? bp_xstrdup(src) : NULL;
	it->where = bp_xstrdup(where);
	return 0;
}

static const struct bp_ta_info *
find_indicator(const char *name, char *err, size_t errlen)
{
	const struct bp_ta_info *info = bp_ta_find(name);

	if (!info)
		ERR("unknown indicator '%s' (bp-features --list shows them)",
		    name);
	return info;
}

int
bp_spec_add_indicator_text(struct bp_spec *s, const char *text,
			   const char *where, char *err, size_t errlen)
{
	char *t = bp_xstrdup(text), *src = NULL, *params, *at;
	const struct bp_ta_info *info;
	double p[BP_TA_MAXPARAM] = { 0 };
	int np = 0, rc = -1;

	at = strrchr(t, '@');
	if (at) {
		*at = '\0';
		src = at + 1;
	}
	params = strchr(t, ':');
	if (params)
		*params++ = '\0';
	if (!(info = find_indicator(t, err, errlen)))
		goto out;
	bp_ta_defaults(info, p);
	if (params) {
		char *q = params;

		for (;;) {
			size_t len = strcspn(q, ",");

			if (np == info->nparam) {
				if (info->nparam == 0)
					ERR("%s takes no parameters",
					    info->name);
				else
					ERR("%s takes at most %d parameter%s",
					    info->name, info->nparam,
					    info->nparam > 1 ? "s" : "");
				goto out;
			}
			if (bp_parse_double(q, len, &p[np]) < 0) {
				ERR("%s: '%.*s' is not a number",
				    info->param[np].name, (int)len, q);
				goto out;
			}
			if (bp_ta_check_param(info, np, p[np], err, errlen) <
			    0)
				goto out;
			np++;
			q += len;
			if (!*q)
				break;
			q++;
		}
	}
	rc = push_indicator(s, info, p, src, where, err, errlen);
out:
	free(t);
	return rc;
}

/* ---- derived ---------------------------------------------------------- */

static int
push_derived(struct bp_spec *s, enum bp_derived_kind kind, int k,
	     const char *src, const char *where, char *err, size_t errlen)
{
	struct bp_spec_der *it;
	int kmin = bp_derived_kmin(kind);

	if (bp_derived_has_k(kind) && (k < kmin || k > BP_DERIVED_KMAX))
		return ERR("%s must be an integer in [%d, %d]",
			   kind <= BP_DERIVED_LAG ? "k" : "window", kmin,
			   BP_DERIVED_KMAX);
	if (bp_derived_has_src(kind) && check_source(src, err, errlen) < 0)
		return -1;
	BP_GROW(s->der, s->ader, s->nder + 1);
	it = &s->der[s->nder++];
	it->kind = kind;
	it->k = bp_derived_has_k(kind) ? k : 0;
	it->src = bp_derived_has_src(kind) ? bp_xstrdup(src) : NULL;
	it->where = bp_xstrdup(where);
	return 0;
}

int
bp_spec_add_derived(struct bp_spec *s, enum bp_derived_kind kind, int k,
		    const char *src, const char *where, char *err,
		    size_t errlen)
{
	return push_derived(s, kind, k, src ? src : "close", where, err,
			    errlen);
}

/* Parse "K[,K...]" and add one feature per K. */
static int
add_k_list(struct bp_spec *s, enum bp_derived_kind kind, const char *list,
	   const char *src, const char *where, char *err, size_t errlen)
{
	const char *q = list;

	for (;;) {
		size_t len = strcspn(q, ",:");
		double v;

		if (bp_parse_double(q, len, &v) < 0 || v != floor(v) ||
		    v < 0 || v > BP_DERIVED_KMAX)
			return ERR("'%.*s' is not a whole number of bars",
				   (int)len, q);
		if (push_derived(s, kind, (int)v, src, where, err, errlen) < 0)
			return -1;
		q += len;
		if (*q != ',')
			break;
		q++;
	}
	if (*q)
		return ERR("unexpected '%s'", q);
	return 0;
}

int
bp_spec_add_returns_text(struct bp_spec *s, enum bp_derived_kind kind,
			 const char *text, const char *where, char *err,
			 size_t errlen)
{
	return add_k_list(s, kind, text, "close", where, err, errlen);
}

int
bp_spec_add_lag_text(struct bp_spec *s, const char *text, const char *where,
		     char *err, size_t errlen)
{
	const char *colon = strrchr(text, ':');
	char *col;
	int rc;

	if (!colon || colon == text)
		return ERR("expected COLUMN:K[,K...]");
	col = bp_xstrndup(text, (size_t)(colon - text));
	rc = add_k_list(s, BP_DERIVED_LAG, colon + 1, col, where, err, errlen);
	free(col);
	return rc;
}

int
bp_spec_add_roll_text(struct bp_spec *s, const char *text, const char *where,
		      char *err, size_t errlen)
{
	const char *c1 = strchr(text, ':'), *c2;
	char *stat, *col;
	int kind, rc;

	if (!c1)
		return ERR("expected STAT:WINDOW[:COLUMN]");
	stat = bp_xstrndup(text, (size_t)(c1 - text));
	kind = bp_derived_stat(stat);
	if (kind < 0) {
		ERR("unknown statistic '%s' (mean, std, zscore, min, max, "
		    "rank)", stat);
		free(stat);
		return -1;
	}
	free(stat);
	c2 = strchr(c1 + 1, ':');
	col = bp_xstrdup(c2 ? c2 + 1 : "close");
	if (c2) {
		char *w = bp_xstrndup(c1 + 1, (size_t)(c2 - c1 - 1));

		rc = add_k_list(s, (enum bp_derived_kind)kind, w, col, where,
				err, errlen);
		free(w);
	} else {
		rc = add_k_list(s, (enum bp_derived_kind)kind, c1 + 1, col,
				where, err, errlen);
	}
	free(col);
	return rc;
}

/* ---- fuzzy ------------------------------------------------------------ */

static int
push_fuzzy(struct bp_spec *s, const char *column, struct bp_fuzzy_set *sets,
	   size_t n, const char *where, char *err, size_t errlen)
{
	struct bp_spec_fuzzy *it;

	if (check_source(column, err, errlen) < 0) {
		bp_fuzzy_sets_free(sets, n);
		return -1;
	}
	BP_GROW(s->fz, s->afz, s->nfz + 1);
	it = &s->fz[s->nfz++];
	it->column = bp_xstrdup(column);
	it->sets = sets;
	it->nsets = n;
	it->where = bp_xstrdup(where);
	return 0;
}

int
bp_spec_add_fuzzy_text(struct bp_spec *s, const char *text,
		       const char *where, char *err, size_t errlen)
{
	const char *colon = strchr(text, ':');
	struct bp_fuzzy_set *sets;
	size_t n;
	char *col;
	int rc;

	if (!colon || colon == text)
		return ERR("expected COLUMN:SET=SHAPE(...),...");
	if (bp_fuzzy_parse(colon + 1, &sets, &n, err, errlen) < 0)
		return -1;
	col = bp_xstrndup(text, (size_t)(colon - text));
	rc = push_fuzzy(s, col, sets, n, where, err, errlen);
	free(col);
	return rc;
}

/* ---- labels ------------------------------------------------------------ */

static int
valid_label_name(const char *name)
{
	if (!bp_spec_is_label(name) || !name[6])
		return 0;
	for (const char *p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_')
			return 0;
	return 1;
}

/* Check def (its name set or NULL for the default) and append it. */
static int
push_label(struct bp_spec *s, struct bp_label_def *def, const char *where,
	   char *err, size_t errlen)
{
	if (def->horizon < 1 || def->horizon > 100000)
		return ERR("horizon must be an integer in [1, 100000]");
	if (!isfinite(def->deadzone) || def->deadzone < 0)
		return ERR("deadzone must be a number >= 0");
	if (def->kind == BP_LABEL_TB) {
		if (!isfinite(def->tp) || def->tp <= 0 ||
		    !isfinite(def->sl) || def->sl <= 0)
			return ERR("tp and sl must be numbers > 0");
		if (def->window < 2 || def->window > 100000)
			return ERR("window must be an integer in [2, 100000]");
	}
	if (!def->name)
		def->name = bp_label_default_name(def);
	if (!valid_label_name(def->name)) {
		ERR("label name '%s' must start with 'label_' and be made of "
		    "letters, digits and '_'", def->name);
		free(def->name);
		def->name = NULL;
		return -1;
	}
	BP_GROW(s->lab, s->alab, s->nlab + 1);
	s->labwhere = bp_xreallocarray(s->labwhere, s->alab, sizeof(char *));
	s->lab[s->nlab] = *def;
	s->labwhere[s->nlab] = bp_xstrdup(where);
	s->nlab++;
	return 0;
}

int
bp_spec_add_label_text(struct bp_spec *s, const char *text,
		       const char *where, char *err, size_t errlen)
{
	char *t = bp_xstrdup(text), *kind, *eq, *params, *f[8];
	struct bp_label_def def;
	int k, nf = 0, rc = -1;

	kind = t;
	eq = strchr(t, '=');
	if (eq) {
		*eq = '\0';
		kind = eq + 1;
	}
	params = strchr(kind, ':');
	if (params)
		*params++ = '\0';
	k = bp_label_kind_find(kind);
	if (k < 0) {
		ERR("unknown label kind '%s' (ret, logret, up, tb)", kind);
		goto out;
	}
	bp_label_defaults(&def, (enum bp_label_kind)k);
	for (char *q = params; q;) {
		if (nf == 8) {
			ERR("too many parameters");
			goto out;
		}
		f[nf++] = q;
		q = strchr(q, ',');
		if (q)
			*q++ = '\0';
	}
	if (nf > (k == BP_LABEL_TB ? 6 : k == BP_LABEL_UP ? 2 : 1)) {
		ERR("%s takes at most %d parameters", kind,
		    k == BP_LABEL_TB ? 6 : k == BP_LABEL_UP ? 2 : 1);
		goto out;
	}
	for (int i = 0; i < nf; i++) {
		double v = NAN;
		int numeric = !(k == BP_LABEL_TB && (i == 3 || i == 5));

		if (numeric && bp_parse_double(f[i], strlen(f[i]), &v) < 0) {
			ERR("'%s' is not a number", f[i]);
			goto out;
		}
		if ((i == 0 || (k == BP_LABEL_TB && i == 4)) &&
		    (v != floor(v) || v < 1 || v > 100000)) {
			ERR("'%s' is not a whole number of bars", f[i]);
			goto out;
		}
		if (i == 0)
			def.horizon = (int)v;
		else if (k == BP_LABEL_UP)
			def.deadzone = v;
		else if (i == 1)
			def.tp = v;
		else if (i == 2)
			def.sl = v;
		else if (i == 3 && strcmp(f[i], "atr") == 0)
			def.vol = BP_LABEL_VOL_ATR;
		else if (i == 3 && strcmp(f[i], "std") == 0)
			def.vol = BP_LABEL_VOL_STD;
		else if (i == 4)
			def.window = (int)v;
		else if (i == 5 && strcmp(f[i], "hl") == 0)
			def.touch_close = 0;
		else if (i == 5 && strcmp(f[i], "close") == 0)
			def.touch_close = 1;
		else {
			ERR("'%s' is not %s", f[i], i == 3 ? "atr or std" :
			    "hl or close");
			goto out;
		}
	}
	def.name = eq ? bp_xstrdup(t) : NULL;
	rc = push_label(s, &def, where, err, errlen);
out:
	free(t);
	return rc;
}

/* ---- the JSON document ----------------------------------------------- */

struct jctx {
	struct bp_spec *s;
	char *err;
	size_t errlen;
};

/* "where: reason" for a JSON path. */
static int
jerr(struct jctx *c, const char *path, const char *fmt, ...) BP_PRINTF(3, 4);

static int
jerr(struct jctx *c, const char *path, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(c->err, c->errlen, "%s: ", path);

	if (n < 0 || (size_t)n >= c->errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

/* Prefix a reason already in c->err with path. */
static int
jwrap(struct jctx *c, const char *path)
{
	char *reason = bp_xstrdup(c->err);

	snprintf(c->err, c->errlen, "%s: %s", path, reason);
	free(reason);
	return -1;
}

/* Refuse keys of obj that are not in the NULL-terminated list. */
static int
check_keys(struct jctx *c, const char *path, json_t *obj,
	   const char *const *keys)
{
	const char *key;
	json_t *v;
	struct bp_buf b = BP_BUF_INIT;

	json_object_foreach(obj, key, v) {
		int known = 0;

		for (size_t i = 0; keys[i]; i++)
			if (strcmp(keys[i], key) == 0)
				known = 1;
		if (!known) {
			for (size_t i = 0; keys[i]; i++)
				bp_buf_addf(&b, "%s%s", i ? ", " : "", keys[i]);
			jerr(c, path, "unknown key '%s' (expected %s)", key,
			     b.s);
			bp_buf_release(&b);
			return -1;
		}
	}
	return 0;
}

static int
get_string(struct jctx *c, const char *path, json_t *obj, const char *key,
	   const char **out)
{
	json_t *v = json_object_get(obj, key);

	if (!v)
		return 0;
	if (!json_is_string(v))
		return jerr(c, path, "'%s' must be a string", key);
	*out = json_string_value(v);
	return 0;
}

static int
get_number(struct jctx *c, const char *path, json_t *v, double *out)
{
	if (!json_is_number(v))
		return jerr(c, path, "expected a number");
	*out = json_number_value(v);
	return 0;
}

static int
get_int(struct jctx *c, const char *path, json_t *v, int lo, int hi,
	int *out)
{
	double d = 0;

	if (get_number(c, path, v, &d) < 0)
		return -1;
	if (d != floor(d) || d < lo || d > hi)
		return jerr(c, path, "expected an integer in [%d, %d]", lo, hi);
	*out = (int)d;
	return 0;
}

static int
load_indicator(struct jctx *c, const char *path, json_t *v)
{
	static const char *const keys[] = { "name", "params", "column", NULL };
	const struct bp_ta_info *info;
	const char *name = NULL, *col = NULL;
	double p[BP_TA_MAXPARAM] = { 0 };
	json_t *params;
	char *sub;

	if (json_is_string(v)) {
		if (bp_spec_add_indicator_text(c->s, json_string_value(v), path,
					       c->err, c->errlen) < 0)
			return jwrap(c, path);
		return 0;
	}
	if (!json_is_object(v))
		return jerr(c, path, "expected \"name:params\" or an object");
	if (check_keys(c, path, v, keys) < 0 ||
	    get_string(c, path, v, "name", &name) < 0 ||
	    get_string(c, path, v, "column", &col) < 0)
		return -1;
	if (!name)
		return jerr(c, path, "missing 'name'");
	if (!(info = find_indicator(name, c->err, c->errlen)))
		return jwrap(c, path);
	bp_ta_defaults(info, p);
	params = json_object_get(v, "params");
	if (json_is_array(params)) {
		size_t i;
		json_t *x;

		if (json_array_size(params) > (size_t)info->nparam)
			return jerr(c, path, "%s takes %d parameter%s", name,
				    info->nparam, info->nparam == 1 ? "" : "s");
		json_array_foreach(params, i, x) {
			sub = xfmt("%s.params[%zu]", path, i);
			if (get_number(c, sub, x, &p[i]) < 0 ||
			    bp_ta_check_param(info, (int)i, p[i], c->err,
					      c->errlen) < 0) {
				if (json_is_number(x))
					jwrap(c, sub);
				free(sub);
				return -1;
			}
			free(sub);
		}
	} else if (json_is_object(params)) {
		const char *key;
		json_t *x;

		json_object_foreach(params, key, x) {
			int i;

			for (i = 0; i < info->nparam; i++)
				if (strcmp(info->param[i].name, key) == 0)
					break;
			sub = xfmt("%s.params.%s", path, key);
			if (i == info->nparam) {
				jerr(c, sub, "%s has no parameter '%s'", name,
				     key);
				free(sub);
				return -1;
			}
			if (get_number(c, sub, x, &p[i]) < 0 ||
			    bp_ta_check_param(info, i, p[i], c->err,
					      c->errlen) < 0) {
				if (json_is_number(x))
					jwrap(c, sub);
				free(sub);
				return -1;
			}
			free(sub);
		}
	} else if (params) {
		return jerr(c, path, "'params' must be an array or an object");
	}
	if (push_indicator(c->s, info, p, col, path, c->err, c->errlen) < 0)
		return jwrap(c, path);
	return 0;
}

/* "k" or "window": an integer or an array of them; calls add for each. */
static int
load_k_list(struct jctx *c, const char *path, json_t *obj, const char *key,
	    int def, enum bp_derived_kind kind, const char *src)
{
	json_t *v = json_object_get(obj, key), *x;
	char *sub;
	size_t i;
	int k;

	if (!v) {
		if (push_derived(c->s, kind, def, src, path, c->err,
				 c->errlen) < 0)
			return jwrap(c, path);
		return 0;
	}
	if (!json_is_array(v)) {
		sub = xfmt("%s.%s", path, key);
		if (get_int(c, sub, v, 0, BP_DERIVED_KMAX, &k) < 0 ||
		    push_derived(c->s, kind, k, src, path, c->err,
				 c->errlen) < 0) {
			if (json_is_integer(v) || json_is_real(v))
				jwrap(c, sub);
			free(sub);
			return -1;
		}
		free(sub);
		return 0;
	}
	if (json_array_size(v) == 0)
		return jerr(c, path, "'%s' is an empty list", key);
	json_array_foreach(v, i, x) {
		sub = xfmt("%s.%s[%zu]", path, key, i);
		if (get_int(c, sub, x, 0, BP_DERIVED_KMAX, &k) < 0) {
			free(sub);
			return -1;
		}
		if (push_derived(c->s, kind, k, src, sub, c->err, c->errlen) <
		    0) {
			jwrap(c, sub);
			free(sub);
			return -1;
		}
		free(sub);
	}
	return 0;
}

static int
load_derived(struct jctx *c, const char *path, json_t *v)
{
	static const char *const k_keys[] = { "kind", "k", "column", NULL };
	static const char *const r_keys[] = { "kind", "stat", "window",
					      "column", NULL };
	static const char *const w_keys[] = { "kind", "window", NULL };
	static const char *const n_keys[] = { "kind", NULL };
	const char *kind = NULL, *col = "close", *stat = NULL;
	int st;

	if (!json_is_object(v))
		return jerr(c, path, "expected an object with a 'kind'");
	if (get_string(c, path, v, "kind", &kind) < 0)
		return -1;
	if (!kind)
		return jerr(c, path, "missing 'kind' (ret, logret, lag, "
			    "rolling, volume_zscore, bar, calendar)");
	if (strcmp(kind, "ret") == 0 || strcmp(kind, "logret") == 0 ||
	    strcmp(kind, "lag") == 0) {
		enum bp_derived_kind dk = kind[0] == 'r' ? BP_DERIVED_RET :
					  kind[1] == 'o' ? BP_DERIVED_LOGRET :
					  BP_DERIVED_LAG;

		if (check_keys(c, path, v, k_keys) < 0 ||
		    get_string(c, path, v, "column", &col) < 0)
			return -1;
		return load_k_list(c, path, v, "k", 1, dk, col);
	}
	if (strcmp(kind, "rolling") == 0) {
		if (check_keys(c, path, v, r_keys) < 0 ||
		    get_string(c, path, v, "column", &col) < 0 ||
		    get_string(c, path, v, "stat", &stat) < 0)
			return -1;
		if (!stat)
			return jerr(c, path, "missing 'stat' (mean, std, "
				    "zscore, min, max, rank)");
		st = bp_derived_stat(stat);
		if (st < 0)
			return jerr(c, path, "unknown stat '%s' (mean, std, "
				    "zscore, min, max, rank)", stat);
		return load_k_list(c, path, v, "window", 20,
				   (enum bp_derived_kind)st, col);
	}
	if (strcmp(kind, "volume_zscore") == 0) {
		if (check_keys(c, path, v, w_keys) < 0)
			return -1;
		return load_k_list(c, path, v, "window", 20,
				   BP_DERIVED_ZSCORE, "volume");
	}
	if (strcmp(kind, "bar") == 0 || strcmp(kind, "calendar") == 0) {
		int bar = kind[0] == 'b';

		if (check_keys(c, path, v, n_keys) < 0)
			return -1;
		for (int k = bar ? BP_DERIVED_RANGE : BP_DERIVED_HOUR;
		     k <= (bar ? BP_DERIVED_LOWER_WICK : BP_DERIVED_MONTH); k++)
			if (bp_spec_add_derived(c->s, (enum bp_derived_kind)k,
						0, NULL, path, c->err,
						c->errlen) < 0)
				return jwrap(c, path);
		return 0;
	}
	return jerr(c, path, "unknown kind '%s' (ret, logret, lag, rolling, "
		    "volume_zscore, bar, calendar)", kind);
}

static int
load_fuzzy(struct jctx *c, const char *path, json_t *v)
{
	static const char *const keys[] = { "column", "sets", NULL };
	static const char *const set_keys[] = { "name", "shape", "params",
						NULL };
	const char *col = NULL;
	json_t *sets, *x;
	struct bp_fuzzy_set *fs = NULL;
	size_t n = 0, i;
	char *sub;

	if (!json_is_object(v))
		return jerr(c, path, "expected an object with 'column' and "
			    "'sets'");
	if (check_keys(c, path, v, keys) < 0 ||
	    get_string(c, path, v, "column", &col) < 0)
		return -1;
	if (!col)
		return jerr(c, path, "missing 'column'");
	sets = json_object_get(v, "sets");
	if (json_is_string(sets)) {
		if (bp_fuzzy_parse(json_string_value(sets), &fs, &n, c->err,
				   c->errlen) < 0) {
			sub = xfmt("%s.sets", path);
			jwrap(c, sub);
			free(sub);
			return -1;
		}
	} else if (json_is_array(sets) && json_array_size(sets) > 0) {
		fs = bp_xcalloc(json_array_size(sets), sizeof(*fs));
		json_array_foreach(sets, i, x) {
			const char *name = NULL, *shape = NULL;
			json_t *params = json_object_get(x, "params"), *y;
			size_t j;
			int sh;

			sub = xfmt("%s.sets[%zu]", path, i);
			if (!json_is_object(x)) {
				jerr(c, sub, "expected {\"name\", \"shape\", "
				     "\"params\"}");
				goto fail;
			}
			if (check_keys(c, sub, x, set_keys) < 0 ||
			    get_string(c, sub, x, "name", &name) < 0 ||
			    get_string(c, sub, x, "shape", &shape) < 0)
				goto fail;
			if (!name || !shape) {
				jerr(c, sub, "missing 'name' or 'shape'");
				goto fail;
			}
			sh = bp_fuzzy_shape_find(shape);
			if (sh < 0) {
				jerr(c, sub, "unknown shape '%s' (tri, trap, "
				     "gauss)", shape);
				goto fail;
			}
			fs[n].name = bp_xstrdup(name);
			fs[n].shape = (enum bp_fuzzy_shape)sh;
			n++;
			if (!json_is_array(params) ||
			    json_array_size(params) !=
			    (size_t)bp_fuzzy_nparam(fs[n - 1].shape)) {
				jerr(c, sub, "%s takes %d numbers in 'params'",
				     shape, bp_fuzzy_nparam(fs[n - 1].shape));
				goto fail;
			}
			json_array_foreach(params, j, y) {
				if (get_number(c, sub, y, &fs[n - 1].p[j]) < 0)
					goto fail;
			}
			if (bp_fuzzy_check(&fs[n - 1], c->err, c->errlen) < 0) {
				jwrap(c, sub);
				goto fail;
			}
			for (j = 0; j + 1 < n; j++) {
				if (strcmp(fs[j].name, name) == 0) {
					jerr(c, sub, "set '%s' is defined "
					     "twice", name);
					goto fail;
				}
			}
			free(sub);
		}
	} else {
		return jerr(c, path, "'sets' must be \"name=shape(...),...\" "
			    "or a non-empty array");
	}
	if (push_fuzzy(c->s, col, fs, n, path, c->err, c->errlen) < 0)
		return jwrap(c, path);
	return 0;
fail:
	free(sub);
	bp_fuzzy_sets_free(fs, n);
	return -1;
}

static int
load_label(struct jctx *c, const char *path, json_t *v)
{
	static const char *const keys[] = { "kind", "name", "horizon",
					    "deadzone", "tp", "sl", "vol",
					    "window", "touch", NULL };
	const char *kind = NULL, *name = NULL, *vol = NULL, *touch = NULL;
	struct bp_label_def def;
	json_t *x;
	char *sub;
	int k;

	if (!json_is_object(v))
		return jerr(c, path, "expected an object with a 'kind'");
	if (check_keys(c, path, v, keys) < 0 ||
	    get_string(c, path, v, "kind", &kind) < 0 ||
	    get_string(c, path, v, "name", &name) < 0 ||
	    get_string(c, path, v, "vol", &vol) < 0 ||
	    get_string(c, path, v, "touch", &touch) < 0)
		return -1;
	if (!kind)
		return jerr(c, path, "missing 'kind' (ret, logret, up, tb)");
	k = bp_label_kind_find(kind);
	if (k < 0)
		return jerr(c, path, "unknown kind '%s' (ret, logret, up, tb)",
			    kind);
	bp_label_defaults(&def, (enum bp_label_kind)k);
	if ((x = json_object_get(v, "horizon"))) {
		sub = xfmt("%s.horizon", path);
		k = get_int(c, sub, x, 1, 100000, &def.horizon);
		free(sub);
		if (k < 0)
			return -1;
	}
	if ((x = json_object_get(v, "window"))) {
		sub = xfmt("%s.window", path);
		k = get_int(c, sub, x, 2, 100000, &def.window);
		free(sub);
		if (k < 0)
			return -1;
	}
	if ((x = json_object_get(v, "deadzone")) &&
	    get_number(c, path, x, &def.deadzone) < 0)
		return -1;
	if ((x = json_object_get(v, "tp")) &&
	    get_number(c, path, x, &def.tp) < 0)
		return -1;
	if ((x = json_object_get(v, "sl")) &&
	    get_number(c, path, x, &def.sl) < 0)
		return -1;
	if (vol && strcmp(vol, "atr") != 0 && strcmp(vol, "std") != 0)
		return jerr(c, path, "vol must be \"atr\" or \"std\"");
	def.vol = vol && vol[0] == 's' ? BP_LABEL_VOL_STD : BP_LABEL_VOL_ATR;
	if (touch && strcmp(touch, "hl") != 0 && strcmp(touch, "close") != 0)
		return jerr(c, path, "touch must be \"hl\" or \"close\"");
	def.touch_close = touch && touch[0] == 'c';
	def.name = name ? bp_xstrdup(name) : NULL;
	if (push_label(c->s, &def, path, c->err, c->errlen) < 0)
		return jwrap(c, path);
	return 0;
}

static int
load_array(struct jctx *c, json_t *root, const char *key,
	   int (*fn)(struct jctx *, const char *, json_t *))
{
	json_t *arr = json_object_get(root, key), *v;
	size_t i;
	char *path;
	int rc;

	if (!arr)
		return 0;
	if (!json_is_array(arr))
		return jerr(c, key, "must be an array");
	json_array_foreach(arr, i, v) {
		path = xfmt("%s[%zu]", key, i);
		rc = fn(c, path, v);
		free(path);
		if (rc < 0)
			return -1;
	}
	return 0;
}

int
bp_spec_load(struct bp_spec *s, const char *path)
{
	static const char *const keys[] = { "name", "description",
					    "indicators", "derived",
					    "fuzzy_sets", "labels", "model",
					    NULL };
	char err[512];
	struct jctx c = { s, err, sizeof(err) };
	const char *name = NULL, *desc = NULL;
	json_t *root = bp_json_load_file(path), *model;

	if (!root)
		return -1;
	free(s->path);
	s->path = bp_xstrdup(path && strcmp(path, "-") != 0 ? path :
			     "<stdin>");
	if (!json_is_object(root)) {
		json_decref(root);
		return bp_error("%s: a spec is a JSON object", s->path);
	}
	json_decref(s->root);
	s->root = root;
	if (check_keys(&c, "spec", root, keys) < 0 ||
	    get_string(&c, "name", root, "name", &name) < 0 ||
	    get_string(&c, "description", root, "description", &desc) < 0 ||
	    load_array(&c, root, "indicators", load_indicator) < 0 ||
	    load_array(&c, root, "derived", load_derived) < 0 ||
	    load_array(&c, root, "fuzzy_sets", load_fuzzy) < 0 ||
	    load_array(&c, root, "labels", load_label) < 0)
		return bp_error("%s: %s", s->path, err);
	model = json_object_get(root, "model");
	if (model && !json_is_object(model))
		return bp_error("%s: model: must be an object", s->path);
	if (model && json_object_get(model, "kind") &&
	    !json_is_string(json_object_get(model, "kind")))
		return bp_error("%s: model.kind: must be a string", s->path);
	free(s->name);
	free(s->description);
	s->name = name ? bp_xstrdup(name) : NULL;
	s->description = desc ? bp_xstrdup(desc) : NULL;
	return 0;
}

/* ---- columns ---------------------------------------------------------- */

static void
add_col(struct bp_spec *s, size_t *alloc, char *name, enum bp_spec_stage st,
	size_t item, int out)
{
	BP_GROW(s->col, *alloc, s->ncol + 1);
	s->col[s->ncol].name = name;
	s->col[s->ncol].stage = st;
	s->col[s->ncol].item = item;
	s->col[s->ncol].out = out;
	s->ncol++;
}

static const char *
col_where(const struct bp_spec *s, const struct bp_spec_col *c)
{
	switch (c->stage) {
	case BP_SPEC_INDICATOR:
		return s->ind[c->item].where;
	case BP_SPEC_DERIVED:
		return s->der[c->item].where;
	case BP_SPEC_FUZZY:
		return s->fz[c->item].where;
	default:
		return s->labwhere[c->item];
	}
}

static int
find_col(const struct bp_spec *s, const char *name, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s->col[i].name, name) == 0)
			return (int)i;
	return -1;
}

static int
is_bar_column(const char *name)
{
	for (size_t i = 0; i < BP_ARRAY_SIZE(bar_columns); i++)
		if (strcmp(bar_columns[i], name) == 0)
			return 1;
	return 0;
}

static int
check_model(const struct bp_spec *s, char *err, size_t errlen)
{
	json_t *model = bp_spec_model(s), *label, *feats, *f;
	size_t i;

	if (!model)
		return 0;
	label = json_object_get(model, "label");
	if (label) {
		int k;

		if (!json_is_string(label))
			return ERR("model.label: must be a string");
		k = find_col(s, json_string_value(label), s->ncol);
		if (k < 0 || s->col[k].stage != BP_SPEC_LABEL ||
		    (s->col[k].out != 0 && s->col[k].out != 2))
			return ERR("model.label: '%s' is not a label this spec "
				   "produces", json_string_value(label));
	}
	feats = json_object_get(model, "features");
	if (!feats)
		return 0;
	if (!json_is_array(feats))
		return ERR("model.features: must be an array of column names");
	json_array_foreach(feats, i, f) {
		const char *name;

		if (!json_is_string(f))
			return ERR("model.features[%zu]: must be a string", i);
		name = json_string_value(f);
		if (bp_spec_is_label(name))
			return ERR("model.features[%zu]: '%s' is a label; "
				   "labels are never features", i, name);
		if (find_col(s, name, s->nfeat) < 0 && !is_bar_column(name))
			return ERR("model.features[%zu]: '%s' is not a column "
				   "this spec produces", i, name);
	}
	return 0;
}

int
bp_spec_finish(struct bp_spec *s, char *err, size_t errlen)
{
	size_t alloc = 0;
	char buf[256];

	for (size_t i = 0; i < s->ncol; i++)
		free(s->col[i].name);
	s->ncol = 0;
	for (size_t i = 0; i < s->nind; i++) {
		for (int o = 0; o < s->ind[i].info->nout; o++) {
			bp_ta_colname(buf, sizeof(buf), s->ind[i].info, o,
				      s->ind[i].p, s->ind[i].src);
			add_col(s, &alloc, bp_xstrdup(buf), BP_SPEC_INDICATOR,
				i, o);
		}
	}
	for (size_t i = 0; i < s->nder; i++) {
		bp_derived_colname(buf, sizeof(buf), s->der[i].kind,
				   s->der[i].k, s->der[i].src);
		add_col(s, &alloc, bp_xstrdup(buf), BP_SPEC_DERIVED, i, 0);
	}
	for (size_t i = 0; i < s->nfz; i++)
		for (size_t j = 0; j < s->fz[i].nsets; j++)
			add_col(s, &alloc, xfmt("%s_%s", s->fz[i].column,
						s->fz[i].sets[j].name),
				BP_SPEC_FUZZY, i, (int)j);
	s->nfeat = s->ncol;
	for (size_t i = 0; i < s->nlab; i++) {
		const char *n = s->lab[i].name;

		add_col(s, &alloc, bp_xstrdup(n), BP_SPEC_LABEL, i, 0);
		add_col(s, &alloc, xfmt("%s_end", n), BP_SPEC_LABEL, i, 1);
		if (s->lab[i].kind == BP_LABEL_TB) {
			add_col(s, &alloc, xfmt("%s_bars", n), BP_SPEC_LABEL,
				i, 2);
			add_col(s, &alloc, xfmt("%s_bars_end", n),
				BP_SPEC_LABEL, i, 3);
		}
	}
	for (size_t i = 0; i < s->ncol; i++) {
		int j = find_col(s, s->col[i].name, i);

		if (j >= 0)
			return ERR("%s: column '%s' is also produced by %s",
				   col_where(s, &s->col[i]), s->col[i].name,
				   col_where(s, &s->col[j]));
		if (i < s->nfeat && bp_spec_is_label(s->col[i].name))
			return ERR("%s: feature column '%s' may not start with "
				   "'label_'", col_where(s, &s->col[i]),
				   s->col[i].name);
	}
	return check_model(s, err, errlen);
}

json_t *
bp_spec_model(const struct bp_spec *s)
{
	return s->root ? json_object_get(s->root, "model") : NULL;
}

struct bp_spec *
bp_spec_read(const char *path)
{
	struct bp_spec *s = bp_xcalloc(1, sizeof(*s));
	char err[512];

	bp_spec_init(s);
	if (bp_spec_load(s, path) < 0)
		goto fail;
	if (bp_spec_finish(s, err, sizeof(err)) < 0) {
		bp_error("%s: %s", s->path, err);
		goto fail;
	}
	return s;
fail:
	bp_spec_free(&s);
	return NULL;
}

void
bp_spec_free(struct bp_spec **sp)
{
	if (!*sp)
		return;
	bp_spec_release(*sp);
	free(*sp);
	*sp = NULL;
}

/* ---- descriptions ----------------------------------------------------- */

json_t *
bp_spec_describe(const struct bp_ta_info *t)
{
	double p[BP_TA_MAXPARAM] = { 0 };
	json_t *row = json_object();
	struct bp_buf b = BP_BUF_INIT;
	char buf[128];

	bp_ta_defaults(t, p);
	for (int k = 0; k < t->nparam; k++) {
		bp_fmt_double(buf, t->param[k].def);
		bp_buf_addf(&b, "%s%s=%s", k ? "," : "", t->param[k].name,
			    buf);
	}
	json_object_set_new(row, "name", json_string(t->name));
	json_object_set_new(row, "title", json_string(t->title));
	json_object_set_new(row, "params", json_string(b.s ? b.s : ""));
	json_object_set_new(row, "lookback",
			    json_integer(bp_ta_lookback(t, p)));
	json_object_set_new(row, "talib", t->talib ? json_string(t->talib) :
			    json_null());
	json_object_set_new(row, "inputs", json_string(
		t->single ? "close or @column" :
		!(t->needs & BP_TA_NEED_VOLUME) ? "high,low,close" :
		t->needs & BP_TA_NEED_HIGH ? "high,low,close,volume" :
		"close,volume"));
	bp_buf_reset(&b);
	for (int o = 0; o < t->nout; o++) {
		bp_ta_colname(buf, sizeof(buf), t, o, p, NULL);
		bp_buf_addf(&b, "%s%s", o ? "," : "", buf);
	}
	json_object_set_new(row, "columns", json_string(b.s));
	json_object_set_new(row, "definition", json_string(t->definition));
	bp_buf_release(&b);
	return row;
}

/* ---- schema ----------------------------------------------------------- */

static const char schema_text[] =
"{"
" \"$schema\": \"https://json-schema.org/draft/2020-12/schema\","
" \"$id\": \"https://barpipe.example/schemas/strategy-spec.json\","
" \"title\": \"barpipe strategy spec\","
" \"description\": \"Indicators, derived features, fuzzy sets and labels "
"computed by bp-features, and the model read by bp-train and bp-cv. "
"Column names: see bp-features(1).\","
" \"type\": \"object\","
" \"additionalProperties\": false,"
" \"properties\": {"
"  \"name\": {\"type\": \"string\"},"
"  \"description\": {\"type\": \"string\"},"
"  \"indicators\": {\"type\": \"array\", \"items\": {\"oneOf\": ["
"   {\"type\": \"string\", \"description\": \"NAME[:P1,P2,...][@COLUMN] "
"as with bp-features -i\"},"
"   {\"type\": \"object\", \"additionalProperties\": false,"
"    \"required\": [\"name\"], \"properties\": {"
"     \"name\": {\"type\": \"string\", \"enum\": []},"
"     \"params\": {\"oneOf\": [{\"type\": \"array\", \"items\": "
"{\"type\": \"number\"}}, {\"type\": \"object\", "
"\"additionalProperties\": {\"type\": \"number\"}}],"
"      \"description\": \"in order, or by name; missing ones take their "
"defaults (bp-features --list)\"},"
"     \"column\": {\"type\": \"string\", \"description\": \"input of a "
"one-series indicator, default close\"}}}]}},"
"  \"derived\": {\"type\": \"array\", \"items\": {\"type\": \"object\","
"   \"required\": [\"kind\"], \"properties\": {"
"    \"kind\": {\"enum\": [\"ret\", \"logret\", \"lag\", \"rolling\", "
"\"volume_zscore\", \"bar\", \"calendar\"]},"
"    \"k\": {\"oneOf\": [{\"type\": \"integer\", \"minimum\": 1}, "
"{\"type\": \"array\", \"items\": {\"type\": \"integer\", \"minimum\": 1}}],"
"     \"description\": \"ret, logret, lag: bars back (default 1)\"},"
"    \"window\": {\"oneOf\": [{\"type\": \"integer\", \"minimum\": 1}, "
"{\"type\": \"array\", \"items\": {\"type\": \"integer\", \"minimum\": 1}}],"
"     \"description\": \"rolling, volume_zscore: bars (default 20)\"},"
"    \"stat\": {\"enum\": [\"mean\", \"std\", \"zscore\", \"min\", "
"\"max\", \"rank\"]},"
"    \"column\": {\"type\": \"string\", \"description\": \"source column, "
"default close; any input or earlier feature column\"}}}},"
"  \"fuzzy_sets\": {\"type\": \"array\", \"items\": {\"type\": \"object\","
"   \"additionalProperties\": false, \"required\": [\"column\", \"sets\"],"
"   \"properties\": {"
"    \"column\": {\"type\": \"string\"},"
"    \"sets\": {\"oneOf\": ["
"     {\"type\": \"string\", \"description\": "
"\"name=tri(a,b,c),name=trap(a,b,c,d),name=gauss(mean,sigma),...\"},"
"     {\"type\": \"array\", \"minItems\": 1, \"items\": {\"type\": "
"\"object\", \"additionalProperties\": false, \"required\": [\"name\", "
"\"shape\", \"params\"], \"properties\": {"
"      \"name\": {\"type\": \"string\", \"pattern\": \"^[A-Za-z0-9_]+$\"},"
"      \"shape\": {\"enum\": [\"tri\", \"trap\", \"gauss\"]},"
"      \"params\": {\"type\": \"array\", \"items\": {\"type\": "
"\"number\"}, \"minItems\": 2, \"maxItems\": 4}}}}]}}}},"
"  \"labels\": {\"type\": \"array\", \"items\": {\"type\": \"object\","
"   \"additionalProperties\": false, \"required\": [\"kind\"],"
"   \"properties\": {"
"    \"kind\": {\"enum\": [\"ret\", \"logret\", \"up\", \"tb\"]},"
"    \"name\": {\"type\": \"string\", \"pattern\": "
"\"^label_[A-Za-z0-9_]+$\"},"
"    \"horizon\": {\"type\": \"integer\", \"minimum\": 1, \"description\": "
"\"bars ahead (default 1; tb 10)\"},"
"    \"deadzone\": {\"type\": \"number\", \"minimum\": 0, \"description\": "
"\"up: |return| at or below it gives null (default 0)\"},"
"    \"tp\": {\"type\": \"number\", \"exclusiveMinimum\": 0, "
"\"description\": \"tb: take profit in widths (default 1)\"},"
"    \"sl\": {\"type\": \"number\", \"exclusiveMinimum\": 0, "
"\"description\": \"tb: stop loss in widths (default 1)\"},"
"    \"vol\": {\"enum\": [\"atr\", \"std\"], \"description\": \"tb: width "
"= ATR(window) or std of 1-bar returns over window times close\"},"
"    \"window\": {\"type\": \"integer\", \"minimum\": 2, \"description\": "
"\"tb: width window (default 14)\"},"
"    \"touch\": {\"enum\": [\"hl\", \"close\"], \"description\": \"tb: "
"barriers touched by high/low (default) or by close\"}}}},"
"  \"model\": {\"type\": \"object\", \"description\": \"passed to bp-train "
"and bp-cv\", \"properties\": {"
"   \"kind\": {\"type\": \"string\"},"
"   \"label\": {\"type\": \"string\", \"pattern\": \"^label_\"},"
"   \"params\": {\"type\": \"object\"},"
"   \"features\": {\"type\": \"array\", \"items\": {\"type\": \"string\", "
"\"not\": {\"pattern\": \"^label_\"}}}}}"
" },"
" \"examples\": [{"
"  \"name\": \"rsi_bb_example\","
"  \"description\": \"RSI and Bollinger mean reversion with fuzzy RSI "
"zones; predicts the next bar's direction\","
"  \"indicators\": [\"rsi:14\", {\"name\": \"bbands\", \"params\": "
"{\"period\": 20, \"nbdev\": 2}}, \"atr:14\"],"
"  \"derived\": [{\"kind\": \"ret\", \"k\": [1, 5]}, {\"kind\": "
"\"rolling\", \"stat\": \"std\", \"window\": 20}, {\"kind\": \"lag\", "
"\"column\": \"rsi_14\", \"k\": [1, 2]}, {\"kind\": \"calendar\"}],"
"  \"fuzzy_sets\": [{\"column\": \"rsi_14\", \"sets\": "
"\"oversold=tri(0,20,30),neutral=tri(25,50,75),"
"overbought=tri(70,80,100)\"}],"
"  \"labels\": [{\"kind\": \"up\", \"horizon\": 1, \"deadzone\": 0.0005},"
"   {\"kind\": \"tb\", \"horizon\": 24, \"tp\": 2, \"sl\": 1, \"vol\": "
"\"atr\", \"window\": 14}],"
"  \"model\": {\"kind\": \"gbdt\", \"label\": \"label_up\", \"params\": "
"{\"trees\": 200, \"depth\": 4, \"learning_rate\": 0.05},"
"   \"features\": [\"rsi_14\", \"bbands_pctb_20_2\", \"bbands_width_20_2\","
" \"ret_1\", \"ret_5\", \"close_std_20\", \"rsi_14_lag_1\", "
"\"rsi_14_oversold\", \"rsi_14_overbought\", \"hour\"]}"
" }]"
"}";

json_t *
bp_spec_schema(void)
{
	json_error_t e;
	json_t *root = json_loads(schema_text, 0, &e), *v;

	assert(root != NULL);
	v = json_object_get(root, "properties");
	v = json_object_get(json_object_get(v, "indicators"), "items");
	v = json_array_get(json_object_get(v, "oneOf"), 1);
	v = json_object_get(json_object_get(v, "properties"), "name");
	v = json_object_get(v, "enum");
	for (size_t i = 0; i < bp_ta_count(); i++)
		json_array_append_new(v, json_string(bp_ta_at(i)->name));
	return root;
}
