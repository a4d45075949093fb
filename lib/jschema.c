/* jschema: a small JSON Schema validator (the subset in jschema.h). */
#include "jschema.h"

#include <math.h>
#include <regex.h>
#include <string.h>

#include "jsonout.h"

static const char *const type_names[] = {
	"object", "array", "string", "number", "integer", "boolean", "null",
	NULL,
};

static const char *const keywords[] = {
	"type", "properties", "required", "additionalProperties", "enum",
	"pattern", "minimum", "maximum", "exclusiveMinimum",
	"exclusiveMaximum", "minLength", "maxLength", "items", "minItems",
	"maxItems", "uniqueItems", "title", "description", "default",
	"examples", "$schema", "$comment", NULL,
};

static int
in_list(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(s, *list))
			return 1;
	return 0;
}

size_t
bp_jschema_strlen(const char *s, size_t n)
{
	size_t chars = 0;

	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			chars++;
	return chars;
}

/* Path of the value being looked at, for messages: "symbols[1]". */
static void
path_key(struct bp_buf *p, const char *key)
{
	if (p->len)
		bp_buf_addc(p, '.');
	bp_buf_adds(p, key);
}

static int
fail(struct bp_buf *err, const struct bp_buf *path, const char *fmt, ...)
	BP_PRINTF(3, 4);

static int
fail(struct bp_buf *err, const struct bp_buf *path, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	bp_buf_reset(err);
	if (path->len)
		bp_buf_addf(err, "'%s': %s", path->s, msg);
	else
		bp_buf_adds(err, msg);
	return -1;
}

/* A short rendering of a value for messages. */
static void
show(char *out, size_t n, const json_t *v)
{
	struct bp_buf b = BP_BUF_INIT;

	bp_json_dump(&b, v, 0);
	if (b.len > 60)
		snprintf(out, n, "%.57s...", b.s);
	else
		snprintf(out, n, "%s", b.s);
	bp_buf_release(&b);
}

static int
is_integral(const json_t *v)
{
	double x;

	if (json_is_integer(v))
		return 1;
	if (!json_is_real(v))
		return 0;
	x = json_real_value(v);
	return isfinite(x) && x == floor(x);
}

static int
has_type(const json_t *v, const char *t)
{
	if (!strcmp(t, "object"))
		return json_is_object(v);
	if (!strcmp(t, "array"))
		return json_is_array(v);
	if (!strcmp(t, "string"))
		return json_is_string(v);
	if (!strcmp(t, "number"))
		return json_is_number(v);
	if (!strcmp(t, "integer"))
		return is_integral(v);
	if (!strcmp(t, "boolean"))
		return json_is_boolean(v);
	if (!strcmp(t, "null"))
		return json_is_null(v);
	return 0;
}

static int
check_type(const json_t *schema, const json_t *v, struct bp_buf *err,
	   const struct bp_buf *path)
{
	const json_t *t = json_object_get(schema, "type");
	char got[80];
	size_t i;

	if (!t)
		return 0;
	if (json_is_string(t)) {
		if (has_type(v, json_string_value(t)))
			return 0;
		show(got, sizeof(got), v);
		return fail(err, path, "%s is not of type %s", got,
			    json_string_value(t));
	}
	for (i = 0; i < json_array_size(t); i++)
		if (has_type(v, json_string_value(json_array_get(t, i))))
			return 0;
	show(got, sizeof(got), v);
	return fail(err, path, "%s has none of the allowed types", got);
}

static int
check_number(const json_t *schema, const json_t *v, struct bp_buf *err,
	     const struct bp_buf *path)
{
	double x = json_number_value(v);
	const json_t *k;

	if ((k = json_object_get(schema, "minimum")) &&
	    x < json_number_value(k))
		return fail(err, path, "%.17g is less than the minimum %.17g",
			    x, json_number_value(k));
	if ((k = json_object_get(schema, "maximum")) &&
	    x > json_number_value(k))
		return fail(err, path,
			    "%.17g is greater than the maximum %.17g", x,
			    json_number_value(k));
	if ((k = json_object_get(schema, "exclusiveMinimum")) &&
	    x <= json_number_value(k))
		return fail(err, path, "%.17g must be greater than %.17g", x,
			    json_number_value(k));
	if ((k = json_object_get(schema, "exclusiveMaximum")) &&
	    x >= json_number_value(k))
		return fail(err, path, "%.17g must be less than %.17g", x,
			    json_number_value(k));
	return 0;
}

static int
check_string(const json_t *schema, const json_t *v, struct bp_buf *err,
	     const struct bp_buf *path)
{
	const char *s = json_string_value(v);
	size_t n = json_string_length(v), chars;
	const json_t *k;
	regex_t re;
	int rc;

	if (memchr(s, '\0', n))
		return fail(err, path, "contains a NUL character");
	chars = bp_jschema_strlen(s, n);
	if ((k = json_object_get(schema, "minLength")) &&
	    (json_int_t)chars < json_integer_value(k))
		return fail(err, path, "is shorter than %lld characters",
			    (long long)json_integer_value(k));
	if ((k = json_object_get(schema, "maxLength")) &&
	    (json_int_t)chars > json_integer_value(k))
		return fail(err, path, "is longer than %lld characters",
			    (long long)json_integer_value(k));
	if ((k = json_object_get(schema, "pattern"))) {
		if (regcomp(&re, json_string_value(k),
			    REG_EXTENDED | REG_NOSUB) != 0)
			return fail(err, path, "bad pattern %s",
				    json_string_value(k));
		rc = regexec(&re, s, 0, NULL, 0);
		regfree(&re);
		if (rc != 0) {
			char got[80];

			show(got, sizeof(got), v);
			return fail(err, path, "%s does not match %s", got,
				    json_string_value(k));
		}
	}
	return 0;
}

static int validate(const json_t *schema, const json_t *v, struct bp_buf *err,
		    struct bp_buf *path);

static int
check_array(const json_t *schema, const json_t *v, struct bp_buf *err,
	    struct bp_buf *path)
{
	size_t n = json_array_size(v), mark = path->len;
	const json_t *k, *items = json_object_get(schema, "items");

	if ((k = json_object_get(schema, "minItems")) &&
	    (json_int_t)n < json_integer_value(k))
		return fail(err, path, "has fewer than %lld items",
			    (long long)json_integer_value(k));
	if ((k = json_object_get(schema, "maxItems")) &&
	    (json_int_t)n > json_integer_value(k))
		return fail(err, path, "has more than %lld items",
			    (long long)json_integer_value(k));
	if ((k = json_object_get(schema, "uniqueItems")) && json_is_true(k))
		for (size_t i = 0; i < n; i++)
			for (size_t j = i + 1; j < n; j++)
				if (json_equal(json_array_get(v, i),
					       json_array_get(v, j)))
					return fail(err, path,
						    "items %zu and %zu are "
						    "equal",
						    i, j);
	if (!items)
		return 0;
	for (size_t i = 0; i < n; i++) {
		bp_buf_addf(path, "[%zu]", i);
		if (validate(items, json_array_get(v, i), err, path) < 0)
			return -1;
		path->len = mark;
		path->s[mark] = '\0';
	}
	return 0;
}

static int
check_object(const json_t *schema, const json_t *v, struct bp_buf *err,
	     struct bp_buf *path)
{
	const json_t *props = json_object_get(schema, "properties");
	const json_t *req = json_object_get(schema, "required");
	const json_t *extra = json_object_get(schema, "additionalProperties");
	size_t mark = path->len;
	const char *key;
	json_t *val;

	for (size_t i = 0; i < json_array_size(req); i++) {
		const char *name = json_string_value(json_array_get(req, i));

		if (!json_object_get(v, name))
			return fail(err, path, "'%s' is required", name);
	}
	json_object_foreach((json_t *)v, key, val) {
		const json_t *sub = json_object_get(props, key);

		if (!sub) {
			if (json_is_false(extra))
				return fail(err, path,
					    "unknown property '%s'", key);
			sub = json_is_object(extra) ? extra : NULL;
		}
		if (!sub)
			continue;
		path_key(path, key);
		if (validate(sub, val, err, path) < 0)
			return -1;
		path->len = mark;
		path->s[mark] = '\0';
	}
	return 0;
}

static int
validate(const json_t *schema, const json_t *v, struct bp_buf *err,
	 struct bp_buf *path)
{
	const json_t *k;

	if (json_is_true(schema))
		return 0;
	if (json_is_false(schema))
		return fail(err, path, "no value is allowed here");
	if (check_type(schema, v, err, path) < 0)
		return -1;
	if ((k = json_object_get(schema, "enum"))) {
		size_t i;

		for (i = 0; i < json_array_size(k); i++)
			if (json_equal(json_array_get(k, i), (json_t *)v))
				break;
		if (i == json_array_size(k)) {
			char got[80];
			struct bp_buf all = BP_BUF_INIT;

			show(got, sizeof(got), v);
			bp_json_dump(&all, k, 0);
			fail(err, path, "%s is not one of %.400s", got, all.s);
			bp_buf_release(&all);
			return -1;
		}
	}
	if (json_is_number(v))
		return check_number(schema, v, err, path);
	if (json_is_string(v))
		return check_string(schema, v, err, path);
	if (json_is_array(v))
		return check_array(schema, v, err, path);
	if (json_is_object(v))
		return check_object(schema, v, err, path);
	return 0;
}

int
bp_jschema_validate(const json_t *schema, const json_t *v, struct bp_buf *err)
{
	struct bp_buf path = BP_BUF_INIT;
	int rc;

	bp_buf_adds(&path, "");
	rc = validate(schema, v, err, &path);
	bp_buf_release(&path);
	return rc;
}

void
bp_jschema_defaults(const json_t *schema, json_t *v)
{
	const json_t *props = json_object_get(schema, "properties");
	const char *key;
	json_t *sub, *have, *def;

	if (!json_is_object(v))
		return;
	json_object_foreach((json_t *)props, key, sub) {
		have = json_object_get(v, key);
		def = json_object_get(sub, "default");
		if (!have && def)
			json_object_set_new(v, key, json_deep_copy(def));
		else if (have && json_is_object(have))
			bp_jschema_defaults(sub, have);
	}
}

/* ---- checking a schema ---- */

static int
check_fail(struct bp_buf *err, const char *where, const struct bp_buf *path,
	   const char *what)
{
	bp_buf_reset(err);
	bp_buf_addf(err, "%s: schema at '%s': %s", where,
		    path->len ? path->s : "/", what);
	return -1;
}

static int
is_count(const json_t *k)
{
	return json_is_integer(k) && json_integer_value(k) >= 0;
}

static int check(const json_t *s, const char *where, struct bp_buf *path,
		 struct bp_buf *err);

static int
check_sub(const json_t *s, const char *where, struct bp_buf *path,
	  struct bp_buf *err, const char *step)
{
	size_t mark = path->len;
	int rc;

	bp_buf_adds(path, step);
	rc = check(s, where, path, err);
	path->len = mark;
	path->s[mark] = '\0';
	return rc;
}

static int
check_keywords(const json_t *s, const char *where, struct bp_buf *path,
	       struct bp_buf *err)
{
	const char *key;
	json_t *val;
	char msg[256];

	json_object_foreach((json_t *)s, key, val) {
		if (!in_list(key, keywords)) {
			snprintf(msg, sizeof(msg), "unsupported keyword '%s'",
				 key);
			return check_fail(err, where, path, msg);
		}
	}
	return 0;
}

static int
check_pattern(const json_t *k, const char *where, struct bp_buf *path,
	      struct bp_buf *err)
{
	const char *p = json_string_value(k);
	size_t n;
	regex_t re;

	if (!p)
		return check_fail(err, where, path, "pattern is not a string");
	n = strlen(p);
	if (n < 2 || p[0] != '^' || p[n - 1] != '$')
		return check_fail(err, where, path,
				  "pattern must be anchored (^...$)");
	if (regcomp(&re, p, REG_EXTENDED | REG_NOSUB) != 0)
		return check_fail(err, where, path,
				  "pattern is not a POSIX extended regex");
	regfree(&re);
	return 0;
}

static int
check(const json_t *s, const char *where, struct bp_buf *path,
      struct bp_buf *err)
{
	const json_t *k, *props;
	const char *key;
	json_t *val;

	if (json_is_boolean(s))
		return 0;
	if (!json_is_object(s))
		return check_fail(err, where, path, "not an object");
	if (check_keywords(s, where, path, err) < 0)
		return -1;
	if ((k = json_object_get(s, "type"))) {
		if (json_is_string(k)) {
			if (!in_list(json_string_value(k), type_names))
				return check_fail(err, where, path,
						  "unknown type");
		} else if (json_is_array(k) && json_array_size(k) > 0) {
			for (size_t i = 0; i < json_array_size(k); i++) {
				const char *t = json_string_value(
					json_array_get(k, i));

				if (!t || !in_list(t, type_names))
					return check_fail(err, where, path,
							  "unknown type");
			}
		} else {
			return check_fail(err, where, path, "bad type");
		}
	}
	if ((k = json_object_get(s, "pattern")) &&
	    check_pattern(k, where, path, err) < 0)
		return -1;
	if ((k = json_object_get(s, "enum")) &&
	    (!json_is_array(k) || json_array_size(k) == 0))
		return check_fail(err, where, path,
				  "enum must be a non-empty array");
	if ((k = json_object_get(s, "required"))) {
		if (!json_is_array(k))
			return check_fail(err, where, path,
					  "required must be an array");
		for (size_t i = 0; i < json_array_size(k); i++)
			if (!json_is_string(json_array_get(k, i)))
				return check_fail(
				    err, where, path,
				    "required holds a non-string");
	}
	{
		static const char *const counts[] = {
			"minLength", "maxLength", "minItems", "maxItems", NULL,
		};
		static const char *const nums[] = {
			"minimum", "maximum", "exclusiveMinimum",
			"exclusiveMaximum", NULL,
		};

		for (int i = 0; counts[i]; i++)
			if ((k = json_object_get(s, counts[i])) &&
			    !is_count(k))
				return check_fail(err, where, path,
						  "a length bound must be a "
						  "non-negative integer");
		for (int i = 0; nums[i]; i++)
			if ((k = json_object_get(s, nums[i])) &&
			    !json_is_number(k))
				return check_fail(err, where, path,
						  "a bound must be a number");
	}
	if ((k = json_object_get(s, "uniqueItems")) && !json_is_boolean(k))
		return check_fail(err, where, path,
				  "uniqueItems must be a boolean");
	if ((k = json_object_get(s, "items")) &&
	    check_sub(k, where, path, err, "/items") < 0)
		return -1;
	if ((k = json_object_get(s, "additionalProperties")) &&
	    check_sub(k, where, path, err, "/additionalProperties") < 0)
		return -1;
	if ((props = json_object_get(s, "properties"))) {
		if (!json_is_object(props))
			return check_fail(err, where, path,
					  "properties must be an object");
		json_object_foreach((json_t *)props, key, val) {
			struct bp_buf step = BP_BUF_INIT;
			int rc;

			bp_buf_addf(&step, "/properties/%s", key);
			rc = check_sub(val, where, path, err, step.s);
			bp_buf_release(&step);
			if (rc < 0)
				return -1;
		}
	}
	if ((k = json_object_get(s, "default"))) {
		struct bp_buf verr = BP_BUF_INIT;

		if (bp_jschema_validate(s, k, &verr) < 0) {
			struct bp_buf msg = BP_BUF_INIT;

			bp_buf_addf(&msg, "default is not valid: %s", verr.s);
			check_fail(err, where, path, msg.s);
			bp_buf_release(&msg);
			bp_buf_release(&verr);
			return -1;
		}
		bp_buf_release(&verr);
	}
	return 0;
}

int
bp_jschema_check(const json_t *schema, const char *where, struct bp_buf *err)
{
	struct bp_buf path = BP_BUF_INIT;
	int rc;

	bp_buf_adds(&path, "");
	rc = check(schema, where, &path, err);
	bp_buf_release(&path);
	return rc;
}
