/*
 * test-jschema: each supported keyword accepts and rejects what JSON
 * Schema 2020-12 says, defaults are filled in, and schemas using anything
 * else are refused.
 */
#include <stdlib.h>
#include <string.h>

#include "jschema.h"
#include "tap.h"
#include "util.h"

static struct bp_buf err;

/* valid(schema, instance): 1 when instance is valid for schema */
static int
valid(const char *schema, const char *instance)
{
	json_t *s = json_loads(schema, JSON_DECODE_ANY, NULL);
	json_t *v =
	    json_loads(instance, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
	int rc;

	if (!s || !v) {
		printf("# bad test JSON: %s / %s\n", schema, instance);
		json_decref(s);
		json_decref(v);
		return -1;
	}
	rc = bp_jschema_validate(s, v, &err) == 0;
	json_decref(s);
	json_decref(v);
	return rc;
}

static int
schema_ok(const char *schema)
{
	json_t *s = json_loads(schema, JSON_DECODE_ANY, NULL);
	int rc = bp_jschema_check(s, "t", &err) == 0;

	json_decref(s);
	return rc;
}

static void
keyword_cases(void)
{
	ok(valid("{\"type\":\"integer\"}", "3") == 1, "integer");
	ok(valid("{\"type\":\"integer\"}", "3.0") == 1, "3.0 is an integer");
	ok(valid("{\"type\":\"integer\"}", "3.5") == 0, "3.5 is not");
	ok(valid("{\"type\":\"number\"}", "3") == 1, "an integer is a number");
	ok(valid("{\"type\":\"string\"}", "3") == 0,
	   "a number is not a string");
	ok(valid("{\"type\":[\"string\",\"null\"]}", "null") == 1, "type list");
	ok(valid("{\"type\":\"boolean\"}", "0") == 0, "0 is not a boolean");
	ok(valid("{\"type\":\"array\"}", "{}") == 0, "object is not an array");
	ok(valid("{\"enum\":[\"a\",1]}", "1") == 1, "enum member");
	ok(valid("{\"enum\":[\"a\",1]}", "\"b\"") == 0, "enum non-member");
	ok(valid("{\"minimum\":1,\"maximum\":10}", "10") == 1,
	   "maximum inclusive");
	ok(valid("{\"minimum\":1,\"maximum\":10}", "0.5") == 0,
	   "below minimum");
	ok(valid("{\"exclusiveMaximum\":1}", "1") == 0, "exclusiveMaximum");
	ok(valid("{\"exclusiveMinimum\":0}", "0.001") == 1, "exclusiveMinimum");
	ok(valid("{\"minimum\":1}", "\"0\"") == 1,
	   "numeric keywords ignore other types");
	ok(valid("{\"maxLength\":3}", "\"\xc3\xa9\xc3\xa9\xc3\xa9\"") == 1,
	   "maxLength counts characters, not bytes");
	ok(valid("{\"maxLength\":3}", "\"abcd\"") == 0, "too long");
	ok(valid("{\"minLength\":1}", "\"\"") == 0, "too short");
	ok(valid("{\"type\":\"string\"}", "\"a\\u0000b\"") == 0,
	   "a NUL character is never valid");
	ok(valid("{\"pattern\":\"^[A-Z0-9._-]{1,20}$\"}", "\"BTCUSDT\"") == 1,
	   "pattern match");
	ok(valid("{\"pattern\":\"^[A-Z0-9._-]{1,20}$\"}", "\"BTC;rm\"") == 0,
	   "pattern mismatch");
	ok(valid("{\"pattern\":\"^[A-Z0-9._-]{1,20}$\"}", "\"BTC\\nX\"") == 0,
	   "a newline never matches a bracket without it");
	ok(!strcmp(err.s, "\"BTC\\nX\" does not match ^[A-Z0-9._-]{1,20}$"),
	   "message: %s", err.s);
	ok(valid("{\"pattern\":\"^[a-z]+$\"}", "\"ab\\nc\"") == 0,
	   "$ anchors at the very end");
	ok(valid("{\"items\":{\"type\":\"integer\"},\"minItems\":1,"
		 "\"maxItems\":2}",
		 "[1,2]") == 1,
	   "items, minItems, maxItems");
	ok(valid("{\"items\":{\"type\":\"integer\"}}", "[1,\"x\"]") == 0,
	   "bad item");
	ok(!strcmp(err.s, "'[1]': \"x\" is not of type integer"),
	   "item path: %s", err.s);
	ok(valid("{\"maxItems\":1}", "[1,2]") == 0, "too many items");
	ok(valid("{\"uniqueItems\":true}", "[1,2,1]") == 0, "uniqueItems");
	ok(valid("{\"required\":[\"a\"]}", "{}") == 0, "required");
	ok(!strcmp(err.s, "'a' is required"), "required message");
	ok(valid("{\"properties\":{\"a\":{\"type\":\"string\"}},"
		 "\"additionalProperties\":false}",
		 "{\"b\":1}") == 0,
	   "additionalProperties false");
	ok(valid("{\"additionalProperties\":{\"type\":\"string\"}}",
		 "{\"b\":1}") == 0,
	   "additionalProperties schema");
	ok(valid("{\"properties\":{\"o\":{\"properties\":{\"x\":"
		 "{\"maximum\":1}}}}}",
		 "{\"o\":{\"x\":2}}") == 0,
	   "nested");
	ok(!strcmp(err.s, "'o.x': 2 is greater than the maximum 1"),
	   "nested path: %s", err.s);
	ok(valid("true", "{}") == 1 && valid("false", "1") == 0,
	   "boolean schemas");
}

static void
defaults_cases(void)
{
	json_t *s = json_loads("{\"properties\":{\"n\":{\"default\":3},"
			       "\"o\":{\"properties\":{\"k\":{\"default\":"
			       "\"v\"}}},\"m\":{\"type\":\"string\"}}}",
			       0, NULL);
	json_t *v = json_loads("{\"o\":{}}", 0, NULL);
	char *t;

	bp_jschema_defaults(s, v);
	t = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
	ok(!strcmp(t, "{\"n\":3,\"o\":{\"k\":\"v\"}}"), "defaults: %s", t);
	free(t);
	json_decref(s);
	json_decref(v);
}

static void
check_cases(void)
{
	ok(schema_ok("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":"
		     "\"string\",\"pattern\":\"^a$\",\"description\":\"d\"}},"
		     "\"required\":[\"a\"],\"additionalProperties\":false}"),
	   "a good schema");
	ok(!schema_ok("{\"oneOf\":[]}"), "unsupported keyword refused");
	ok(strstr(err.s, "unsupported keyword 'oneOf'") != NULL, "named: %s",
	   err.s);
	ok(!schema_ok("{\"pattern\":\"[a-z]\"}"), "unanchored pattern refused");
	ok(!schema_ok("{\"pattern\":\"^(a$\"}"), "bad regex refused");
	ok(!schema_ok("{\"type\":\"str\"}"), "unknown type refused");
	ok(!schema_ok("{\"maxLength\":-1}"), "negative bound refused");
	ok(!schema_ok("{\"type\":\"integer\",\"minimum\":1,\"default\":0}"),
	   "invalid default refused");
	ok(!schema_ok("{\"properties\":{\"a\":{\"format\":\"email\"}}}"),
	   "nested unsupported keyword refused");
	ok(strstr(err.s, "/properties/a") != NULL, "with its place: %s",
	   err.s);
}

int
main(void)
{
	keyword_cases();
	defaults_cases();
	check_cases();
	bp_buf_release(&err);
	return done_testing();
}
