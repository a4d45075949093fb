/*
 * jsonout: serialise jansson values with barpipe's number formatting.
 *
 * jansson prints reals with %.17g ("0.10000000000000001"); barpipe's
 * documents (summaries, model files, reports) use the shortest round-trip
 * form like the streams do, and null for NaN and infinities.  Object keys
 * keep their insertion order.
 */
#ifndef BP_JSONOUT_H
#define BP_JSONOUT_H

#include <jansson.h>

#include "util.h"

enum bp_json_flags {
	BP_JSON_INDENT = 1 << 0,	/* two-space indent, one key per line */
	BP_JSON_SORT_KEYS = 1 << 1,
};

/* Append the JSON text of v to b (no trailing newline). */
void bp_json_dump(struct bp_buf *b, const json_t *v, unsigned flags);

/*
 * Write v plus a newline to path atomically ("-" = stdout).  Returns 0, or
 * -1 after reporting.
 */
int bp_json_write_file(const char *path, const json_t *v, unsigned flags);

/* A real that is null when x is NaN or infinite.  New reference. */
json_t *bp_json_real(double x);

/*
 * Load a JSON document from path (zstd or plain; "-" = stdin).  Returns a
 * new reference, or NULL after reporting "PATH:LINE:COL: reason".
 */
json_t *bp_json_load_file(const char *path);

#endif
