/* jsonrpc: newline-delimited JSON-RPC 2.0 framing and classification. */
#include "jsonrpc.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "jsonout.h"

#define READ_CHUNK 65536

void
bp_jsonrpc_reader_release(struct bp_jsonrpc_reader *r)
{
	bp_buf_release(&r->buf);
	r->start = r->scan = 0;
	r->skipping = r->eof = 0;
}

long
bp_jsonrpc_fill(struct bp_jsonrpc_reader *r, int fd)
{
	ssize_t n;

	/* drop what was handed out already before growing */
	if (r->start > 0) {
		memmove(r->buf.s, r->buf.s + r->start, r->buf.len - r->start);
		r->buf.len -= r->start;
		r->scan -= r->start;
		r->start = 0;
		r->buf.s[r->buf.len] = '\0';
	}
	bp_buf_grow(&r->buf, READ_CHUNK);
	n = read(fd, r->buf.s + r->buf.len, READ_CHUNK);
	if (n < 0) {
		if (errno == EINTR || errno == EAGAIN)
			return -2;
		bp_error_errno("cannot read '<stdin>'");
		return -1;
	}
	if (n == 0) {
		r->eof = 1;
		return 0;
	}
	r->buf.len += (size_t)n;
	r->buf.s[r->buf.len] = '\0';
	return n;
}

int
bp_jsonrpc_next(struct bp_jsonrpc_reader *r, const char **line, size_t *len)
{
	char *s, *nl;
	size_t n;

	for (;;) {
		s = r->buf.s + r->start;
		nl = r->buf.len > r->scan
			     ? memchr(r->buf.s + r->scan, '\n',
				      r->buf.len - r->scan)
			     : NULL;
		if (!nl) {
			r->scan = r->buf.len;
			n = r->buf.len - r->start;
			if (r->skipping) {
				/* keep nothing of a line being dropped */
				r->start = r->scan = r->buf.len;
				if (r->eof)
					r->skipping = 0;
				return 0;
			}
			if (r->max && n > r->max) {
				r->skipping = 1;
				r->start = r->scan = r->buf.len;
				*line = NULL;
				*len = n;
				return 2;
			}
			if (r->eof && n > 0) {
				r->start = r->scan = r->buf.len;
				*line = s;
				*len = n;
				return 1;
			}
			return 0;
		}
		n = (size_t)(nl - s);
		r->start = r->scan = (size_t)(nl - r->buf.s) + 1;
		if (r->skipping) {
			r->skipping = 0;
			continue;
		}
		if (r->max && n > r->max) {
			*line = NULL;
			*len = n;
			return 2;
		}
		if (n > 0 && s[n - 1] == '\r')
			n--;
		*nl = '\0';
		*line = s;
		*len = n;
		return 1;
	}
}

void
bp_jsonrpc_msg_release(struct bp_jsonrpc_msg *m)
{
	json_decref(m->doc);
	json_decref(m->error);
	memset(m, 0, sizeof(*m));
}

json_t *
bp_jsonrpc_error_object(int code, const char *message, json_t *data)
{
	json_t *e = json_object();

	json_object_set_new(e, "code", json_integer(code));
	json_object_set_new(e, "message", json_string(message));
	if (data)
		json_object_set_new(e, "data", data);
	return e;
}

static enum bp_jsonrpc_kind
bad(struct bp_jsonrpc_msg *m, int code, const char *message, json_t *id)
{
	m->kind = BP_JSONRPC_BAD;
	m->id = id;
	m->error = bp_jsonrpc_error_object(code, message, NULL);
	return m->kind;
}

static int
valid_id(const json_t *id)
{
	return json_is_string(id) || json_is_integer(id);
}

enum bp_jsonrpc_kind
bp_jsonrpc_classify(json_t *v, struct bp_jsonrpc_msg *m)
{
	json_t *ver, *method, *id, *params;

	if (json_is_array(v)) {
		if (json_array_size(v) == 0)
			return bad(m, BP_JSONRPC_INVALID_REQUEST,
				   "invalid request: empty batch", NULL);
		m->kind = BP_JSONRPC_BATCH;
		return m->kind;
	}
	if (!json_is_object(v))
		return bad(m, BP_JSONRPC_INVALID_REQUEST,
			   "invalid request: a message is a JSON object",
			   NULL);
	id = json_object_get(v, "id");
	ver = json_object_get(v, "jsonrpc");
	if (!json_is_string(ver) || strcmp(json_string_value(ver), "2.0"))
		return bad(m, BP_JSONRPC_INVALID_REQUEST,
			   "invalid request: 'jsonrpc' must be \"2.0\"",
			   valid_id(id) ? id : NULL);
	method = json_object_get(v, "method");
	if (!method) {
		if ((json_object_get(v, "result") ||
		     json_object_get(v, "error")) &&
		    (valid_id(id) || json_is_null(id))) {
			m->kind = BP_JSONRPC_RESPONSE;
			m->id = id;
			return m->kind;
		}
		return bad(m, BP_JSONRPC_INVALID_REQUEST,
			   "invalid request: 'method' is missing",
			   valid_id(id) ? id : NULL);
	}
	if (!json_is_string(method))
		return bad(m, BP_JSONRPC_INVALID_REQUEST,
			   "invalid request: 'method' must be a string",
			   valid_id(id) ? id : NULL);
	if (id && !valid_id(id))
		return bad(m, BP_JSONRPC_INVALID_REQUEST,
			   "invalid request: 'id' must be a string or an "
			   "integer",
			   NULL);
	params = json_object_get(v, "params");
	if (params && !json_is_object(params) && !json_is_array(params))
		return bad(m, BP_JSONRPC_INVALID_REQUEST,
			   "invalid request: 'params' must be an object",
			   id);
	m->method = json_string_value(method);
	m->params = params;
	m->id = id;
	m->kind = id ? BP_JSONRPC_REQUEST : BP_JSONRPC_NOTIFICATION;
	return m->kind;
}

enum bp_jsonrpc_kind
bp_jsonrpc_parse(const char *line, size_t len, struct bp_jsonrpc_msg *m)
{
	json_error_t err;
	size_t i;
	char msg[256];

	memset(m, 0, sizeof(*m));
	for (i = 0; i < len; i++)
		if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r')
			break;
	if (i == len) {
		m->kind = BP_JSONRPC_BLANK;
		return m->kind;
	}
	m->doc = json_loadb(line, len,
			    JSON_DECODE_ANY | JSON_REJECT_DUPLICATES |
				    JSON_ALLOW_NUL,
			    &err);
	if (!m->doc) {
		snprintf(msg, sizeof(msg), "parse error: %s at column %d",
			 err.text, err.column);
		return bad(m, BP_JSONRPC_PARSE_ERROR, msg, NULL);
	}
	return bp_jsonrpc_classify(m->doc, m);
}

static json_t *
envelope(json_t *id)
{
	json_t *o = json_object();

	json_object_set_new(o, "jsonrpc", json_string("2.0"));
	json_object_set(o, "id", id ? id : json_null());
	return o;
}

json_t *
bp_jsonrpc_result(json_t *id, json_t *result)
{
	json_t *o = envelope(id);

	json_object_set_new(o, "result", result ? result : json_object());
	return o;
}

json_t *
bp_jsonrpc_error(json_t *id, json_t *error)
{
	json_t *o = envelope(id);

	json_object_set_new(o, "error", error);
	return o;
}

json_t *
bp_jsonrpc_notification(const char *method, json_t *params)
{
	json_t *o = json_object();

	json_object_set_new(o, "jsonrpc", json_string("2.0"));
	json_object_set_new(o, "method", json_string(method));
	if (params)
		json_object_set_new(o, "params", params);
	return o;
}

void
bp_jsonrpc_format(struct bp_buf *out, const json_t *msg)
{
	bp_buf_reset(out);
	bp_json_dump(out, msg, 0);
	bp_buf_addc(out, '\n');
}

int
bp_jsonrpc_write_all(int fd, const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, s, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

int
bp_jsonrpc_write(int fd, const json_t *msg)
{
	struct bp_buf b = BP_BUF_INIT;
	int rc = 0;

	bp_jsonrpc_format(&b, msg);
	if (bp_jsonrpc_write_all(fd, b.s, b.len) < 0)
		rc = bp_error_errno("cannot write '<stdout>'");
	bp_buf_release(&b);
	return rc;
}
