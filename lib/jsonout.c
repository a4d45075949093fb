/* jsonout: jansson values out with shortest round-trip numbers. */
#include "jsonout.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "atomic.h"
#include "fmt.h"
#include "stream.h"

static void
indent(struct bp_buf *b, unsigned flags, int depth)
{
	if (!(flags & BP_JSON_INDENT))
		return;
	bp_buf_addc(b, '\n');
	for (int i = 0; i < depth; i++)
		bp_buf_add(b, "  ", 2);
}

static int
cmp_keys(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void
dump(struct bp_buf *b, const json_t *v, unsigned flags, int depth)
{
	char num[BP_FMT_BUFSZ];

	switch (json_typeof(v)) {
	case JSON_NULL:
		bp_buf_add(b, "null", 4);
		break;
	case JSON_TRUE:
		bp_buf_add(b, "true", 4);
		break;
	case JSON_FALSE:
		bp_buf_add(b, "false", 5);
		break;
	case JSON_INTEGER:
		bp_buf_add(b, num, bp_fmt_int(num, json_integer_value(v)));
		break;
	case JSON_REAL: {
		double x = json_real_value(v);

		if (isfinite(x))
			bp_buf_add(b, num, bp_fmt_double(num, x));
		else
			bp_buf_add(b, "null", 4);
		break;
	}
	case JSON_STRING:
		bp_json_escape(b, json_string_value(v), json_string_length(v));
		break;
	case JSON_ARRAY: {
		size_t n = json_array_size(v);

		bp_buf_addc(b, '[');
		for (size_t i = 0; i < n; i++) {
			if (i)
				bp_buf_addc(b, ',');
			indent(b, flags, depth + 1);
			dump(b, json_array_get(v, i), flags, depth + 1);
		}
		if (n)
			indent(b, flags, depth);
		bp_buf_addc(b, ']');
		break;
	}
	case JSON_OBJECT: {
		size_t n = json_object_size(v), i = 0;
		const char **keys = bp_xcalloc(n ? n : 1, sizeof(*keys));
		const char *key;
		json_t *val;

		json_object_foreach((json_t *)v, key, val)
			keys[i++] = key;
		if (flags & BP_JSON_SORT_KEYS)
			qsort(keys, n, sizeof(*keys), cmp_keys);
		bp_buf_addc(b, '{');
		for (i = 0; i < n; i++) {
			if (i)
				bp_buf_addc(b, ',');
			indent(b, flags, depth + 1);
			bp_json_escape(b, keys[i], strlen(keys[i]));
			bp_buf_add(b, (flags & BP_JSON_INDENT) ? ": " : ":",
				   (flags & BP_JSON_INDENT) ? 2 : 1);
			dump(b, json_object_get(v, keys[i]), flags, depth + 1);
		}
		if (n)
			indent(b, flags, depth);
		bp_buf_addc(b, '}');
		free(keys);
		break;
	}
	}
}

void
bp_json_dump(struct bp_buf *b, const json_t *v, unsigned flags)
{
	dump(b, v, flags, 0);
}

int
bp_json_write_file(const char *path, const json_t *v, unsigned flags)
{
	struct bp_buf b = BP_BUF_INIT;
	int rc;

	bp_json_dump(&b, v, flags);
	bp_buf_addc(&b, '\n');
	rc = bp_atomic_write(path, b.s, b.len);
	bp_buf_release(&b);
	return rc;
}

json_t *
bp_json_real(double x)
{
	return isfinite(x) ? json_real(x) : json_null();
}

json_t *
bp_json_load_file(const char *path)
{
	struct bp_buf b = BP_BUF_INIT;
	json_error_t err;
	json_t *v;

	if (bp_read_file(path, &b) < 0) {
		bp_buf_release(&b);
		return NULL;
	}
	v = json_loadb(b.s ? b.s : "", b.len, JSON_REJECT_DUPLICATES, &err);
	bp_buf_release(&b);
	if (!v)
		bp_error("%s:%d:%d: %s", path && strcmp(path, "-") ? path
								    : "<stdin>",
			 err.line, err.column, err.text);
	return v;
}
