/*
 * http: libcurl behind one GET with timeouts, retries, backoff and a rate
 * limit.  See http.h.
 */
#include "http.h"

#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "ts.h"

struct bp_http {
	CURL *curl;
	struct curl_slist *headers;
	struct bp_http_opts o;
	char errbuf[CURL_ERROR_SIZE];
	struct timespec last_start;
	int started;
	long requests;
	int64_t server_time;
	/* the answer being received */
	struct bp_buf *body;
	int too_big;
	char reason[64];
	char date[64];
	char retry_after[64];
};

static int curl_users;

static size_t
on_body(char *data, size_t size, size_t n, void *arg)
{
	struct bp_http *h = arg;

	n *= size;
	if (h->body->len + n > (size_t)BP_HTTP_MAX_BODY) {
		h->too_big = 1;
		return 0;	/* curl stops with CURLE_WRITE_ERROR */
	}
	bp_buf_add(h->body, data, n);
	return n;
}

/* Copy a header's value (after "Name:"), trimmed, into dst. */
static void
header_value(char *dst, size_t dstlen, const char *s, size_t n)
{
	while (n && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n && (s[n - 1] == '\r' || s[n - 1] == '\n' ||
		     s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n >= dstlen)
		n = dstlen - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

static int
header_is(const char *line, size_t n, const char *name)
{
	size_t k = strlen(name);

	return n > k && line[k] == ':' && strncasecmp(line, name, k) == 0;
}

/*
 * Called once per header line, status lines included; a new status line
 * (after a redirect or a 100 Continue) starts a new answer.
 */
static size_t
on_header(char *line, size_t size, size_t n, void *arg)
{
	struct bp_http *h = arg;
	size_t len = size * n;

	if (len > 5 && strncmp(line, "HTTP/", 5) == 0) {
		const char *p = memchr(line, ' ', len), *end = line + len;

		h->date[0] = h->retry_after[0] = h->reason[0] = '\0';
		if (p && (p = memchr(p + 1, ' ', (size_t)(end - p - 1))))
			header_value(h->reason, sizeof(h->reason), p + 1,
				     (size_t)(end - p - 1));
	} else if (header_is(line, len, "Date")) {
		header_value(h->date, sizeof(h->date), line + 5, len - 5);
	} else if (header_is(line, len, "Retry-After")) {
		header_value(h->retry_after, sizeof(h->retry_after),
			     line + 12, len - 12);
	}
	return len;
}

struct bp_http *
bp_http_new(const struct bp_http_opts *o)
{
	struct bp_http *h;
	CURL *c;

	if (curl_users++ == 0 && curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
		curl_users = 0;
		bp_error("cannot initialise libcurl");
		return NULL;
	}
	if (!(c = curl_easy_init())) {
		if (--curl_users == 0)
			curl_global_cleanup();
		bp_error("cannot initialise libcurl");
		return NULL;
	}
	h = bp_xcalloc(1, sizeof(*h));
	h->curl = c;
	h->o = *o;
	h->server_time = -1;
	h->headers = curl_slist_append(NULL, "Accept: application/json");
	curl_easy_setopt(c, CURLOPT_USERAGENT, "barpipe/" BP_VERSION);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h->headers);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, h->errbuf);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 3L);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(c, CURLOPT_PROTOCOLS,
			 (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS,
			 (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, o->connect_timeout_ms);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, o->timeout_ms);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, h);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, h);
	return h;
}

void
bp_http_free(struct bp_http **hp)
{
	struct bp_http *h = *hp;

	if (!h)
		return;
	curl_easy_cleanup(h->curl);
	curl_slist_free_all(h->headers);
	free(h);
	*hp = NULL;
	if (--curl_users == 0)
		curl_global_cleanup();
}

int64_t
bp_http_server_time(const struct bp_http *h)
{
	return h->server_time;
}

long
bp_http_requests(const struct bp_http *h)
{
	return h->requests;
}

/* ---- waiting ----------------------------------------------------------- */

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (ms > 0 && nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static long
elapsed_ms(const struct timespec *since)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long)((now.tv_sec - since->tv_sec) * 1000 +
		      (now.tv_nsec - since->tv_nsec) / 1000000);
}

/* Keep request starts min_interval_ms apart. */
static void
throttle(struct bp_http *h)
{
	if (h->started && h->o.min_interval_ms > 0) {
		long left = h->o.min_interval_ms - elapsed_ms(&h->last_start);

		if (left > 0)
			sleep_ms(left);
	}
	clock_gettime(CLOCK_MONOTONIC, &h->last_start);
	h->started = 1;
}

static long
backoff_ms(const struct bp_http *h, int retry)
{
	long ms = h->o.retry_wait_ms;

	for (int i = 1; i < retry && ms < BP_HTTP_MAX_BACKOFF_MS; i++)
		ms *= 2;
	return ms < BP_HTTP_MAX_BACKOFF_MS ? ms : BP_HTTP_MAX_BACKOFF_MS;
}

long
bp_http_parse_retry_after(const char *s, int64_t now_ms)
{
	const char *p = s;
	long v = 0;
	time_t t;

	if (!s || !*s)
		return -1;
	if (*p >= '0' && *p <= '9') {
		for (; *p >= '0' && *p <= '9'; p++) {
			if (v > 10000000L)
				return -1;
			v = v * 10 + (*p - '0');
		}
		return *p ? -1 : v * 1000;
	}
	if ((t = curl_getdate(s, NULL)) < 0)
		return -1;
	return (int64_t)t * 1000 > now_ms ? (long)((int64_t)t * 1000 - now_ms)
					   : 0;
}

/* ---- messages ------------------------------------------------------------ */

int
bp_http_json_message(const char *body, size_t len, char *buf, size_t n)
{
	static const char *const keys[] = { "msg", "message", "error" };
	json_t *doc, *v, *code;
	const char *msg = NULL;

	buf[0] = '\0';
	if (!body || !len ||
	    !(doc = json_loadb(body, len, JSON_DISABLE_EOF_CHECK, NULL)))
		return -1;
	for (size_t i = 0; json_is_object(doc) && !msg && i < 3; i++)
		if ((v = json_object_get(doc, keys[i])) && json_is_string(v) &&
		    *json_string_value(v))
			msg = json_string_value(v);
	if (msg) {
		code = json_object_get(doc, "code");
		if (json_is_integer(code))
			snprintf(buf, n, "%s (code %lld)", msg,
				 (long long)json_integer_value(code));
		else
			snprintf(buf, n, "%s", msg);
	}
	json_decref(doc);
	return msg ? 0 : -1;
}

/* url with any "user:password@" replaced, for messages. */
static void
safe_url(struct bp_buf *b, const char *url)
{
	const char *p = strstr(url, "://"), *at, *slash;

	bp_buf_reset(b);
	if (p && (at = strchr(p + 3, '@')) &&
	    (!(slash = strchr(p + 3, '/')) || at < slash)) {
		bp_buf_add(b, url, (size_t)(p + 3 - url));
		bp_buf_adds(b, "***");
		bp_buf_adds(b, at);
	} else {
		bp_buf_adds(b, url);
	}
}

/* "HTTP 500 Internal Server Error: message" into b. */
static void
describe_status(struct bp_buf *b, const struct bp_http *h, long status)
{
	char msg[256];

	bp_buf_reset(b);
	bp_buf_addf(b, "HTTP %ld", status);
	if (h->reason[0])
		bp_buf_addf(b, " %s", h->reason);
	if (bp_http_json_message(h->body->s, h->body->len, msg,
				 sizeof(msg)) == 0)
		bp_buf_addf(b, ": %s", msg);
}

/* ---- the request --------------------------------------------------------- */

static int
transient(CURLcode rc)
{
	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_GOT_NOTHING:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return 1;
	default:
		return 0;
	}
}

static int
retryable(long status)
{
	return status == 429 || status == 418 ||
	       (status >= 500 && status < 600);
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t
date_ms(const struct bp_http *h)
{
	time_t t = h->date[0] ? curl_getdate(h->date, NULL) : -1;

	return t < 0 ? -1 : (int64_t)t * 1000;
}

int
bp_http_get(struct bp_http *h, const char *url, struct bp_buf *body)
{
	struct bp_buf name = BP_BUF_INIT, what = BP_BUF_INIT;
	char wait[32], after[48] = "";
	int ret = -1;

	safe_url(&name, url);
	curl_easy_setopt(h->curl, CURLOPT_URL, url);
	h->body = body;
	for (int attempt = 0;; attempt++) {
		CURLcode rc;
		long status = 0, ms;
		int64_t date;

		throttle(h);
		bp_buf_reset(body);
		h->too_big = 0;
		h->errbuf[0] = h->reason[0] = h->date[0] = '\0';
		h->retry_after[0] = '\0';
		bp_info(3, "GET %s", name.s);
		rc = curl_easy_perform(h->curl);
		h->requests++;
		if (attempt)
			snprintf(after, sizeof(after), " (after %d retr%s)",
				 attempt, attempt == 1 ? "y" : "ies");
		if (rc != CURLE_OK) {
			if (h->too_big) {
				bp_error("cannot get '%s': the answer is "
					 "larger than %ld MB", name.s,
					 BP_HTTP_MAX_BODY >> 20);
				goto out;
			}
			bp_buf_reset(&what);
			bp_buf_adds(&what, h->errbuf[0]
						   ? h->errbuf
						   : curl_easy_strerror(rc));
			if (!transient(rc) || attempt >= h->o.retries) {
				bp_error("cannot get '%s': %s%s", name.s,
					 what.s, after);
				goto out;
			}
			ms = backoff_ms(h, attempt + 1);
		} else {
			curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE,
					  &status);
			if (status >= 200 && status < 300) {
				h->server_time = date_ms(h);
				ret = 0;
				goto out;
			}
			describe_status(&what, h, status);
			if (!retryable(status) || attempt >= h->o.retries) {
				bp_error("cannot get '%s': %s%s", name.s,
					 what.s, after);
				goto out;
			}
			date = date_ms(h);
			ms = bp_http_parse_retry_after(
				h->retry_after, date >= 0 ? date : now_ms());
			if (ms > BP_HTTP_MAX_WAIT_MS) {
				bp_ts_format_duration(wait, ms);
				bp_error("cannot get '%s': %s: the server asks "
					 "to wait %s, longer than %lds", name.s,
					 what.s, wait,
					 BP_HTTP_MAX_WAIT_MS / 1000);
				goto out;
			}
			if (ms < 0)
				ms = backoff_ms(h, attempt + 1);
		}
		bp_ts_format_duration(wait, ms);
		bp_warn("get '%s': %s; retrying in %s (%d of %d)", name.s,
			what.s, wait, attempt + 1, h->o.retries);
		sleep_ms(ms);
	}
out:
	h->body = NULL;
	bp_buf_release(&name);
	bp_buf_release(&what);
	return ret;
}
