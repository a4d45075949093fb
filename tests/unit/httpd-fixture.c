/*
 * httpd-fixture: a tiny HTTP/1.1 server on 127.0.0.1 that replays recorded
 * answers, for the bp-fetch REST tests (which must never touch the
 * internet).  It answers each GET by looking its request target (path and
 * query, exactly as sent) up in a routes file, one route per line:
 *
 *	TARGET STATUS BODY [times=N] [retry-after=VALUE]
 *
 * BODY is a file (relative to the routes file's directory) or "-" for an
 * empty body; STATUS "close" closes the connection without an answer.  A
 * route with times=N serves N requests, then the next matching line takes
 * over (429 once, then 200).  Unmatched targets get a 404 with a Binance
 * style {"code":-1,"msg":"no fixture for ..."} body.  Every request is
 * logged as "TARGET<TAB>USER-AGENT".  Answers carry a Date header: the
 * -D time when given (to decide which bar is still open), else now.
 *
 *	httpd-fixture -r ROUTES -p PORTFILE [-l LOG] [-D TIME] [-t SECONDS]
 *	httpd-fixture -f	print a free loopback port and exit
 *
 * The port is written to PORTFILE once the server listens; the server
 * exits by itself after -t seconds (default 120), so a failed test never
 * leaves it behind.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAXROUTES 256

struct route {
	char target[1024], status[16], body[512], retry_after[64];
	int times;		/* -1: unlimited */
};

static struct route routes[MAXROUTES];
static int nroutes;
static char basedir[512] = ".";

static void
die(const char *msg)
{
	perror(msg);
	exit(1);
}

static void
load_routes(const char *path)
{
	char line[2048];
	FILE *fp = fopen(path, "r");
	const char *slash = strrchr(path, '/');

	if (!fp)
		die(path);
	if (slash)
		snprintf(basedir, sizeof(basedir), "%.*s", (int)(slash - path),
			 path);
	while (fgets(line, sizeof(line), fp)) {
		struct route *r = &routes[nroutes];
		char *tok, *save = NULL;

		if (line[0] == '#' || !(tok = strtok_r(line, " \t\n", &save)))
			continue;
		if (nroutes == MAXROUTES) {
			fprintf(stderr, "httpd-fixture: too many routes\n");
			exit(1);
		}
		memset(r, 0, sizeof(*r));
		r->times = -1;
		snprintf(r->target, sizeof(r->target), "%s", tok);
		if (!(tok = strtok_r(NULL, " \t\n", &save)))
			continue;
		snprintf(r->status, sizeof(r->status), "%s", tok);
		if (!(tok = strtok_r(NULL, " \t\n", &save)))
			continue;
		snprintf(r->body, sizeof(r->body), "%s", tok);
		while ((tok = strtok_r(NULL, " \t\n", &save))) {
			if (strncmp(tok, "times=", 6) == 0)
				r->times = atoi(tok + 6);
			else if (strncmp(tok, "retry-after=", 12) == 0)
				snprintf(r->retry_after,
					 sizeof(r->retry_after), "%s",
					 tok + 12);
		}
		nroutes++;
	}
	fclose(fp);
}

static const char *
reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 418: return "I'm a teapot";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Status";
	}
}

static void
send_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

static char *
read_body(const char *name, size_t *n)
{
	char path[1100];
	FILE *fp;
	char *buf;
	long len;

	*n = 0;
	if (strcmp(name, "-") == 0)
		return calloc(1, 1);
	snprintf(path, sizeof(path), "%s%s%s", name[0] == '/' ? "" : basedir,
		 name[0] == '/' ? "" : "/", name);
	if (!(fp = fopen(path, "rb")))
		die(path);
	fseek(fp, 0, SEEK_END);
	len = ftell(fp);
	rewind(fp);
	buf = malloc((size_t)len + 1);
	if (!buf || fread(buf, 1, (size_t)len, fp) != (size_t)len)
		die(path);
	fclose(fp);
	*n = (size_t)len;
	return buf;
}

static void
answer(int fd, const char *target, time_t date)
{
	struct route *r = NULL;
	char head[1024], when[64], msg[1200];
	struct tm tm;
	char *body;
	size_t n;
	int status;

	for (int i = 0; i < nroutes && !r; i++)
		if (routes[i].times != 0 &&
		    strcmp(routes[i].target, target) == 0)
			r = &routes[i];
	if (r && r->times > 0)
		r->times--;
	if (r && strcmp(r->status, "close") == 0)
		return;
	if (r) {
		status = atoi(r->status);
		body = read_body(r->body, &n);
	} else {
		status = 404;
		n = (size_t)snprintf(msg, sizeof(msg),
				     "{\"code\":-1,\"msg\":\"no fixture for "
				     "%.1000s\"}", target);
		body = strdup(msg);
	}
	gmtime_r(&date, &tm);
	strftime(when, sizeof(when), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	snprintf(head, sizeof(head),
		 "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
		 "Content-Length: %zu\r\nConnection: close\r\nDate: %s\r\n"
		 "%s%s%s\r\n", status, reason(status), n, when,
		 r && r->retry_after[0] ? "Retry-After: " : "",
		 r ? r->retry_after : "",
		 r && r->retry_after[0] ? "\r\n" : "");
	send_all(fd, head, strlen(head));
	send_all(fd, body, n);
	free(body);
}

static void
serve(int fd, FILE *log, time_t fixed_date)
{
	char req[16384], target[1100] = "", ua[256] = "-";
	size_t n = 0;
	char *p, *line, *save = NULL;

	while (n < sizeof(req) - 1) {
		ssize_t r = read(fd, req + n, sizeof(req) - 1 - n);

		if (r <= 0)
			break;
		n += (size_t)r;
		req[n] = '\0';
		if (strstr(req, "\r\n\r\n"))
			break;
	}
	req[n] = '\0';
	for (line = strtok_r(req, "\r\n", &save); line;
	     line = strtok_r(NULL, "\r\n", &save)) {
		if (!target[0] && strncmp(line, "GET ", 4) == 0 &&
		    (p = strchr(line + 4, ' ')))
			snprintf(target, sizeof(target), "%.*s",
				 (int)(p - line - 4), line + 4);
		else if (strncasecmp(line, "User-Agent: ", 12) == 0)
			snprintf(ua, sizeof(ua), "%s", line + 12);
	}
	if (log) {
		fprintf(log, "%s\t%s\n", target, ua);
		fflush(log);
	}
	answer(fd, target, fixed_date ? fixed_date : time(NULL));
}

static int
listen_loopback(int *port)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), on = 1;

	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(fd, 16) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) < 0)
		die("bind");
	*port = ntohs(a.sin_port);
	return fd;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Hinnant). */
static long
days_from_civil(long y, long m, long d)
{
	long era, yoe, doy;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

/* "2020-09-28T07:12:34Z" or epoch seconds. */
static time_t
parse_date(const char *s)
{
	int y, mo, d, h, mi, sec;

	if (sscanf(s, "%d-%d-%dT%d:%d:%d", &y, &mo, &d, &h, &mi, &sec) == 6)
		return (time_t)(days_from_civil(y, mo, d) * 86400L +
				h * 3600L + mi * 60L + sec);
	return (time_t)atol(s);
}

int
main(int argc, char *argv[])
{
	const char *routes_path = NULL, *portfile = NULL, *logpath = NULL;
	time_t date = 0;
	FILE *log = NULL, *fp;
	char tmp[1100];
	int c, fd, port, lifetime = 120;

	while ((c = getopt(argc, argv, "r:p:l:D:t:f")) != -1) {
		switch (c) {
		case 'r': routes_path = optarg; break;
		case 'p': portfile = optarg; break;
		case 'l': logpath = optarg; break;
		case 'D': date = parse_date(optarg); break;
		case 't': lifetime = atoi(optarg); break;
		case 'f':
			close(listen_loopback(&port));
			printf("%d\n", port);
			return 0;
		default:
			fprintf(stderr, "usage: httpd-fixture -r ROUTES -p "
					"PORTFILE [-l LOG] [-D TIME] [-t S]\n");
			return 2;
		}
	}
	if (!routes_path || !portfile) {
		fprintf(stderr, "httpd-fixture: -r and -p are required\n");
		return 2;
	}
	load_routes(routes_path);
	signal(SIGPIPE, SIG_IGN);
	alarm((unsigned)lifetime);
	if (logpath && !(log = fopen(logpath, "a")))
		die(logpath);
	fd = listen_loopback(&port);
	snprintf(tmp, sizeof(tmp), "%s.tmp", portfile);
	if (!(fp = fopen(tmp, "w")) || fprintf(fp, "%d\n", port) < 0 ||
	    fclose(fp) != 0 || rename(tmp, portfile) < 0)
		die(portfile);
	for (;;) {
		int conn = accept(fd, NULL, NULL);

		if (conn < 0)
			continue;
		serve(conn, log, date);
		shutdown(conn, SHUT_WR);
		close(conn);
	}
}
