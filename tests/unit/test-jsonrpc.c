/*
 * test-jsonrpc: the line reader (chunks, CRLF, long lines, EOF), message
 * classification with the JSON-RPC 2.0 error codes, and the writer.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jsonrpc.h"
#include "tap.h"
#include "util.h"

static int fds[2];

static void
feed(const char *s)
{
	ok(write(fds[1], s, strlen(s)) == (ssize_t)strlen(s), "feed %zu bytes",
	   strlen(s));
}

static void
reader_cases(void)
{
	struct bp_jsonrpc_reader r = BP_JSONRPC_READER_INIT;
	const char *line;
	size_t len;
	struct bp_buf big = BP_BUF_INIT;

	ok(pipe(fds) == 0, "pipe");
	feed("{\"a\":");
	ok(bp_jsonrpc_fill(&r, fds[0]) == 5, "partial line read");
	ok(bp_jsonrpc_next(&r, &line, &len) == 0, "no line yet");
	feed("1}\r\n\n{\"b\":2}\n{\"c\"");
	bp_jsonrpc_fill(&r, fds[0]);
	ok(bp_jsonrpc_next(&r, &line, &len) == 1 && len == 7 &&
		   !memcmp(line, "{\"a\":1}", 7),
	   "line across two reads, CR dropped");
	ok(bp_jsonrpc_next(&r, &line, &len) == 1 && len == 0, "empty line");
	ok(bp_jsonrpc_next(&r, &line, &len) == 1 && !strcmp(line, "{\"b\":2}"),
	   "second line");
	ok(bp_jsonrpc_next(&r, &line, &len) == 0, "rest waits for more");
	close(fds[1]);
	ok(bp_jsonrpc_fill(&r, fds[0]) == 0 && r.eof, "end of file");
	ok(bp_jsonrpc_next(&r, &line, &len) == 1 && !strcmp(line, "{\"c\""),
	   "last line without newline at EOF");
	ok(bp_jsonrpc_next(&r, &line, &len) == 0, "then nothing");
	close(fds[0]);
	bp_jsonrpc_reader_release(&r);

	/* a line longer than max is skipped and reported once */
	ok(pipe(fds) == 0, "pipe");
	r.max = 100;
	for (int i = 0; i < 300; i++)
		bp_buf_addc(&big, 'x');
	bp_buf_adds(&big, "\nok\n");
	feed(big.s);
	close(fds[1]);
	while (bp_jsonrpc_fill(&r, fds[0]) > 0)
		;
	ok(bp_jsonrpc_next(&r, &line, &len) == 2 && len == 300,
	   "over-long line reported with its length");
	ok(bp_jsonrpc_next(&r, &line, &len) == 1 && !strcmp(line, "ok"),
	   "the next line is intact");
	close(fds[0]);
	bp_jsonrpc_reader_release(&r);
	bp_buf_release(&big);

	/* a 4 MiB line arriving in pieces */
	ok(pipe(fds) == 0, "pipe");
	{
		size_t n = 0;
		long got;

		r.max = 0;
		if (fork() == 0) {
			char chunk[4096];

			close(fds[0]);
			memset(chunk, 'y', sizeof(chunk));
			for (int i = 0; i < 1024; i++)
				if (write(fds[1], chunk, sizeof(chunk)) < 0)
					_exit(1);
			_exit(write(fds[1], "\n", 1) == 1 ? 0 : 1);
		}
		close(fds[1]);
		while ((got = bp_jsonrpc_fill(&r, fds[0])) > 0 || got == -2)
			;
		ok(bp_jsonrpc_next(&r, &line, &len) == 1 && len == 4 << 20,
		   "4 MiB line");
		for (size_t i = 0; i < len; i++)
			n += line[i] == 'y';
		ok(n == len, "bytes intact");
		close(fds[0]);
		bp_jsonrpc_reader_release(&r);
	}
}

static int
code_of(const char *text, enum bp_jsonrpc_kind want_kind, int want_code)
{
	struct bp_jsonrpc_msg m;
	enum bp_jsonrpc_kind k = bp_jsonrpc_parse(text, strlen(text), &m);
	int code = m.error ? (int)json_integer_value(json_object_get(m.error,
								     "code"))
			   : 0;
	int pass = k == want_kind && code == want_code;

	bp_jsonrpc_msg_release(&m);
	return pass;
}

static void
classify_cases(void)
{
	struct bp_jsonrpc_msg m;

	ok(bp_jsonrpc_parse(
	       "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"ping\"}", 40, &m) ==
		   BP_JSONRPC_REQUEST &&
	       json_is_integer(m.id) && json_integer_value(m.id) == 0 &&
	       !strcmp(m.method, "ping") && !m.params,
	   "request with id 0");
	bp_jsonrpc_msg_release(&m);
	ok(code_of("{\"jsonrpc\":\"2.0\",\"id\":\"x\",\"method\":\"a\","
		   "\"params\":{}}",
		   BP_JSONRPC_REQUEST, 0),
	   "request with a string id and params");
	ok(code_of("{\"jsonrpc\":\"2.0\",\"method\":\"n\"}",
		   BP_JSONRPC_NOTIFICATION, 0),
	   "notification");
	ok(code_of("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}",
		   BP_JSONRPC_RESPONSE, 0),
	   "response");
	ok(code_of("{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{}}",
		   BP_JSONRPC_RESPONSE, 0),
	   "error response with null id");
	ok(code_of("[{\"jsonrpc\":\"2.0\",\"method\":\"n\"}]", BP_JSONRPC_BATCH,
		   0),
	   "batch");
	ok(code_of("  \t ", BP_JSONRPC_BLANK, 0), "blank line");
	ok(code_of("{", BP_JSONRPC_BAD, BP_JSONRPC_PARSE_ERROR), "parse error");
	ok(code_of("{\"a\":1,\"a\":2}", BP_JSONRPC_BAD, BP_JSONRPC_PARSE_ERROR),
	   "duplicate keys are a parse error");
	ok(code_of("\"\xff\"", BP_JSONRPC_BAD, BP_JSONRPC_PARSE_ERROR),
	   "invalid UTF-8 is a parse error");
	ok(code_of("[]", BP_JSONRPC_BAD, BP_JSONRPC_INVALID_REQUEST),
	   "empty batch");
	ok(code_of("7", BP_JSONRPC_BAD, BP_JSONRPC_INVALID_REQUEST),
	   "a number");
	ok(code_of("{\"id\":1,\"method\":\"a\"}", BP_JSONRPC_BAD,
		   BP_JSONRPC_INVALID_REQUEST),
	   "no jsonrpc member");
	ok(code_of("{\"jsonrpc\":\"2.0\",\"id\":1.5,\"method\":\"a\"}",
		   BP_JSONRPC_BAD, BP_JSONRPC_INVALID_REQUEST),
	   "fractional id");
	ok(code_of("{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"a\"}",
		   BP_JSONRPC_BAD, BP_JSONRPC_INVALID_REQUEST),
	   "null id in a request");
	ok(code_of(
	       "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"a\",\"params\":3}",
	       BP_JSONRPC_BAD, BP_JSONRPC_INVALID_REQUEST),
	   "params not structured");
	ok(code_of("{\"jsonrpc\":\"2.0\",\"id\":1}", BP_JSONRPC_BAD,
		   BP_JSONRPC_INVALID_REQUEST),
	   "neither method nor result");
	/* the id of an invalid request comes back when it is readable */
	bp_jsonrpc_parse("{\"jsonrpc\":\"1\",\"id\":\"k\",\"method\":\"a\"}",
			 37, &m);
	ok(m.kind == BP_JSONRPC_BAD && json_is_string(m.id) &&
		   !strcmp(json_string_value(m.id), "k"),
	   "id of an invalid request kept");
	bp_jsonrpc_msg_release(&m);
}

static void
writer_cases(void)
{
	struct bp_buf b = BP_BUF_INIT;
	json_t *id = json_string("a\nb"), *msg;
	char *empty;

	msg = bp_jsonrpc_result(id, json_pack("{s:s, s:f}", "t", "x\ny\r\"",
					      "n", 0.1));
	bp_jsonrpc_format(&b, msg);
	ok(!strcmp(b.s, "{\"jsonrpc\":\"2.0\",\"id\":\"a\\nb\",\"result\":"
			"{\"t\":\"x\\ny\\r\\\"\",\"n\":0.1}}\n"),
	   "one line, newlines escaped, shortest numbers: %s", b.s);
	json_decref(msg);
	msg =
	    bp_jsonrpc_error(NULL, bp_jsonrpc_error_object(-32601, "m", NULL));
	bp_jsonrpc_format(&b, msg);
	ok(!strcmp(b.s, "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":"
			"{\"code\":-32601,\"message\":\"m\"}}\n"),
	   "error with null id");
	json_decref(msg);
	json_decref(id);
	bp_buf_release(&b);
	/* util: detaching a buffer nothing was written to gives "" */
	empty = bp_buf_detach(&b, NULL);
	ok(empty[0] == '\0', "detached empty buffer is an empty string");
	free(empty);
	bp_buf_grow(&b, 10);
	empty = bp_buf_detach(&b, NULL);
	ok(empty[0] == '\0', "grown but unwritten buffer is an empty string");
	free(empty);
}

int
main(void)
{
	reader_cases();
	classify_cases();
	writer_cases();
	return done_testing();
}
