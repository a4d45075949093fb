/*
 * jschema: JSON Schema validation for the subset bp-mcp's manifest uses.
 *
 * Tool arguments are checked against the tool's inputSchema before
 * anything runs, and pipeline results against its outputSchema before
 * they are returned.  Supported keywords (JSON Schema 2020-12 meaning):
 *
 *	type (a name or a list of names: object array string number
 *	integer boolean null), properties, required, additionalProperties
 *	(false or a schema), enum, pattern, minimum, maximum,
 *	exclusiveMinimum, exclusiveMaximum, minLength, maxLength (in
 *	characters, not bytes), items, minItems, maxItems, uniqueItems;
 *	annotations: title, description, default, examples, $schema,
 *	$comment.
 *
 * A pattern is a POSIX extended regular expression that must start with
 * '^' and end with '$': anchored, it means the same to a client's
 * ECMAScript engine and to regcomp(3), as long as it keeps to bracket
 * expressions, literals and {m,n} repetition.  Anything else in a schema
 * is refused by bp_jschema_check(), so a manifest cannot silently rely on
 * a keyword this validator ignores.  Strings holding a NUL character are
 * never valid (they could not reach a pipeline's environment intact).
 */
#ifndef BP_JSCHEMA_H
#define BP_JSCHEMA_H

#include <jansson.h>

#include "util.h"

/*
 * Check that schema is well formed and uses only the supported keywords,
 * and that every default is valid for its schema.  where names the schema
 * in messages.  Returns 0, or -1 with a message in err.
 */
int bp_jschema_check(const json_t *schema, const char *where,
		     struct bp_buf *err);

/*
 * Validate v against schema.  Returns 0 when valid, or -1 with one line in
 * err naming the first offending value: "'symbols[1]': 'btc' does not
 * match ^[A-Z0-9._-]{1,20}$".
 */
int bp_jschema_validate(const json_t *schema, const json_t *v,
			struct bp_buf *err);

/*
 * Fill in the defaults of missing properties of the object v (and of its
 * nested objects) from schema.  Call before validating.
 */
void bp_jschema_defaults(const json_t *schema, json_t *v);

/* Number of characters (UTF-8 code points) in s[0..n). */
size_t bp_jschema_strlen(const char *s, size_t n);

#endif
