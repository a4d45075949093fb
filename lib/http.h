/*
 * http: GET a URL into a buffer, politely and with clear errors.
 *
 * The only module that talks to libcurl (and the only one that includes
 * curl.h): curl's error buffer and status codes become one bp_error()
 * line naming the URL, e.g.
 *
 *	cannot get 'https://api.binance.com/api/v3/klines?...': HTTP 400:
 *	Invalid symbol. (code -1121)
 *
 * A request sends "User-Agent: barpipe/VERSION", follows up to three
 * redirects (http and https only), accepts compressed bodies and gives up
 * after the connect and total timeouts.  Answers that say "try again"
 * are retried up to `retries` times: HTTP 429 (rate limited), 418 (banned
 * for a while), any 5xx, and transient transport failures (a timeout, a
 * connection reset, an empty reply).  The wait before retry k (1-based)
 * is the server's Retry-After when it sends one, else retry_wait_ms *
 * 2^(k-1), capped at 60 s; a server that asks for more than
 * BP_HTTP_MAX_WAIT_MS is not waited for (the request fails at once).
 * Other 4xx answers fail at once with the server's message when the body
 * is a JSON object with "msg", "message" or "error".  Requests (retries
 * included) start at least min_interval_ms apart.
 *
 * Proxies come from the usual environment variables (http_proxy,
 * HTTPS_PROXY, ALL_PROXY, NO_PROXY), which libcurl reads itself.
 */
#ifndef BP_HTTP_H
#define BP_HTTP_H

#include <stdint.h>

#include "util.h"

/* The longest Retry-After that is waited for. */
#define BP_HTTP_MAX_WAIT_MS 120000L
/* The longest backoff between retries without a Retry-After. */
#define BP_HTTP_MAX_BACKOFF_MS 60000L
/* Bodies larger than this are refused (a runaway or wrong endpoint). */
#define BP_HTTP_MAX_BODY (256L << 20)

struct bp_http_opts {
	long connect_timeout_ms;	/* connecting, per attempt */
	long timeout_ms;	/* the whole attempt */
	int retries;		/* retries after the first attempt */
	long retry_wait_ms;	/* first backoff */
	long min_interval_ms;	/* between request starts; 0: none */
};
#define BP_HTTP_OPTS_INIT { 10000, 30000, 5, 1000, 0 }

struct bp_http;

/* A client with its own connection cache.  Returns NULL after reporting. */
struct bp_http *bp_http_new(const struct bp_http_opts *o);
/* Free *h (NULL is fine) and set it to NULL. */
void bp_http_free(struct bp_http **h);

/*
 * GET url into body (reset first).  Returns 0 on a 2xx answer, or -1
 * after reporting the URL with the HTTP status or the transport error
 * (retries exhausted, a 4xx, a timeout, a refused connection, ...).
 */
int bp_http_get(struct bp_http *h, const char *url, struct bp_buf *body);

/*
 * The server's clock when it sent the last successful answer (its Date
 * header, whole seconds), in ms since the epoch; -1 when it sent none.
 */
int64_t bp_http_server_time(const struct bp_http *h);

/* Requests sent so far (retries included). */
long bp_http_requests(const struct bp_http *h);

/*
 * The message of a JSON error body such as {"code":-1121,"msg":"Invalid
 * symbol."} or {"message":"NotFound"}, as "Invalid symbol. (code -1121)",
 * into buf; returns 0, or -1 (buf empty) when body carries none.
 */
int bp_http_json_message(const char *body, size_t len, char *buf, size_t n);

/*
 * Parse a Retry-After value: delta seconds ("120") or an HTTP date
 * (taken relative to now_ms).  Returns the wait in ms (>= 0), or -1.
 */
long bp_http_parse_retry_after(const char *s, int64_t now_ms);

#endif
