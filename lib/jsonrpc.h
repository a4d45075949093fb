/*
 * jsonrpc: JSON-RPC 2.0 messages, one per line, over file descriptors.
 *
 * This is the framing of MCP's stdio transport: every message is one line
 * of UTF-8 JSON ending in "\n" and containing no other newline.  The
 * reader takes bytes as they arrive (from a poll() loop) and hands out
 * complete lines of any length; the classifier turns a line into a
 * request, a notification, a response, or the error the sender must get
 * back (parse error or invalid request); the writer emits one whole line
 * per write so that messages from several finished jobs never interleave.
 *
 *	struct bp_jsonrpc_reader r = BP_JSONRPC_READER_INIT;
 *	while (bp_jsonrpc_fill(&r, fd) > 0)
 *		while (bp_jsonrpc_next(&r, &line, &len) > 0)
 *			switch (bp_jsonrpc_classify(line, len, &msg)) ...
 */
#ifndef BP_JSONRPC_H
#define BP_JSONRPC_H

#include <stddef.h>

#include <jansson.h>

#include "util.h"

/* The error codes of JSON-RPC 2.0 (section 5.1) and MCP. */
#define BP_JSONRPC_PARSE_ERROR		(-32700)
#define BP_JSONRPC_INVALID_REQUEST	(-32600)
#define BP_JSONRPC_METHOD_NOT_FOUND	(-32601)
#define BP_JSONRPC_INVALID_PARAMS	(-32602)
#define BP_JSONRPC_INTERNAL_ERROR	(-32603)
#define BP_JSONRPC_RESOURCE_NOT_FOUND	(-32002)	/* MCP resources/read */

/*
 * Line reader.  buf holds bytes received but not yet returned; start is
 * where the next line begins.  max is the longest line accepted (0 = no
 * limit); a longer line is skipped up to its newline and reported once as
 * too long by bp_jsonrpc_next().
 */
struct bp_jsonrpc_reader {
	struct bp_buf buf;
	size_t start;		/* first unreturned byte */
	size_t scan;		/* bytes before this hold no newline */
	size_t max;
	int skipping;		/* inside an over-long line */
	int eof;
};
#define BP_JSONRPC_READER_INIT { BP_BUF_INIT, 0, 0, 0, 0, 0 }
void bp_jsonrpc_reader_release(struct bp_jsonrpc_reader *r);

/*
 * One read(2) from fd into the reader.  Returns the number of bytes read,
 * 0 at end of file (r->eof is then set), or -1 after reporting an error.
 * EINTR and EAGAIN return -2 (nothing happened; poll again).
 */
long bp_jsonrpc_fill(struct bp_jsonrpc_reader *r, int fd);

/*
 * Next complete line, without its "\n" (and without a "\r" before it).
 * *line points into the reader and stays valid until the next fill.
 * Returns 1 with a line, 0 when no complete line is buffered, 2 when an
 * over-long line was dropped (*len is then its length so far).  After end
 * of file, a last line without a newline is returned as a line.
 */
int bp_jsonrpc_next(struct bp_jsonrpc_reader *r, const char **line,
		    size_t *len);

enum bp_jsonrpc_kind {
	BP_JSONRPC_REQUEST = 1,		/* method + id */
	BP_JSONRPC_NOTIFICATION,	/* method, no id */
	BP_JSONRPC_RESPONSE,		/* result or error + id */
	BP_JSONRPC_BATCH,		/* a JSON array */
	BP_JSONRPC_BAD,			/* answer with msg->error */
	BP_JSONRPC_BLANK,		/* whitespace only: ignore */
};

/*
 * A classified message.  All json_t members are borrowed from doc, which
 * the caller owns (json_decref) and may be NULL.  For BP_JSONRPC_BAD,
 * error is a new error object to send back ({"code":..,"message":..}) and
 * id the id to send it with (JSON null when none could be read).
 */
struct bp_jsonrpc_msg {
	enum bp_jsonrpc_kind kind;
	json_t *doc;
	json_t *id;
	const char *method;
	json_t *params;		/* object, array or NULL */
	json_t *error;		/* BP_JSONRPC_BAD: owned by the msg */
};
#define BP_JSONRPC_MSG_INIT { 0, NULL, NULL, NULL, NULL, NULL }
void bp_jsonrpc_msg_release(struct bp_jsonrpc_msg *m);

/*
 * Parse and classify one line.  Never fails: malformed JSON gives
 * BP_JSONRPC_BAD with a -32700 error and a null id; valid JSON that is
 * not a JSON-RPC 2.0 message gives BP_JSONRPC_BAD with -32600.  Ids must
 * be strings or integers (MCP forbids null).
 */
enum bp_jsonrpc_kind bp_jsonrpc_parse(const char *line, size_t len,
				      struct bp_jsonrpc_msg *m);

/*
 * Classify an already parsed value v (one member of a batch, or a whole
 * message); m borrows v (m->doc stays NULL).
 */
enum bp_jsonrpc_kind bp_jsonrpc_classify(json_t *v, struct bp_jsonrpc_msg *m);

/* {"code":code,"message":message[,"data":data]}; takes data.  New ref. */
json_t *bp_jsonrpc_error_object(int code, const char *message, json_t *data);

/*
 * Whole messages.  id is borrowed (NULL means JSON null); result and
 * error are taken over.  Each returns a new reference.
 */
json_t *bp_jsonrpc_result(json_t *id, json_t *result);
json_t *bp_jsonrpc_error(json_t *id, json_t *error);
json_t *bp_jsonrpc_notification(const char *method, json_t *params);

/*
 * Serialise msg as one line (compact, barpipe number format, "\n") into
 * out, replacing its contents.
 */
void bp_jsonrpc_format(struct bp_buf *out, const json_t *msg);

/*
 * Write msg to fd as one line, all of it (retrying short writes and
 * EINTR).  Returns 0, or -1 after reporting (EPIPE: the peer is gone).
 */
int bp_jsonrpc_write(int fd, const json_t *msg);

/* Write n bytes to fd completely; returns 0 or -1 with errno set. */
int bp_jsonrpc_write_all(int fd, const char *s, size_t n);

#endif
