/* util: program name, messages, checked allocation, buffers, rng. */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "stream.h"

int bp_verbosity = 1;
static const char *progname = "barpipe";
static _Thread_local struct bp_buf *capture;

void
bp_msg_capture(struct bp_buf *b)
{
	capture = b;
}

void
bp_setprogname(const char *argv0)
{
	const char *slash;

	if (!argv0 || !*argv0)
		return;
	slash = strrchr(argv0, '/');
	progname = slash ? slash + 1 : argv0;
}

const char *
bp_progname(void)
{
	return progname;
}

void
bp_verror(const char *fmt, va_list ap)
{
	/* one write per message: stages of a pipe share stderr */
	char buf[4096];
	int n = snprintf(buf, sizeof(buf), "%s: ", progname);

	if (n < 0)
		return;
	vsnprintf(buf + n, sizeof(buf) - (size_t)n - 1, fmt, ap);
	n = (int)strlen(buf);
	buf[n++] = '\n';
	if (capture) {
		bp_buf_add(capture, buf, (size_t)n);
		return;
	}
	if (write(STDERR_FILENO, buf, (size_t)n) < 0)
		return;
}

int
bp_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	bp_verror(fmt, ap);
	va_end(ap);
	return -1;
}

static void
verror_errno(const char *fmt, va_list ap, int err)
{
	char msg[3072];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	bp_error("%s: %s", msg, strerror(err));
}

int
bp_error_errno(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	va_start(ap, fmt);
	verror_errno(fmt, ap, err);
	va_end(ap);
	return -1;
}

void
bp_warn(const char *fmt, ...)
{
	char msg[3072];
	va_list ap;

	if (bp_verbosity < 1)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	bp_error("warning: %s", msg);
}

void
bp_info(int level, const char *fmt, ...)
{
	va_list ap;

	if (bp_verbosity < level)
		return;
	va_start(ap, fmt);
	bp_verror(fmt, ap);
	va_end(ap);
}

void
bp_die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	bp_verror(fmt, ap);
	va_end(ap);
	exit(BP_EXIT_FAIL);
}

void
bp_die_errno(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	va_start(ap, fmt);
	verror_errno(fmt, ap, err);
	va_end(ap);
	exit(BP_EXIT_FAIL);
}

static BP_NORETURN void
oom(size_t n)
{
	bp_error("out of memory allocating %zu bytes", n);
	exit(BP_EXIT_FAIL);
}

void *
bp_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		oom(n);
	return p;
}

void *
bp_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		oom(n * size);
	return p;
}

void *
bp_xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		oom(n);
	return p;
}

void *
bp_xreallocarray(void *p, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size) {
		bp_error("out of memory: %zu x %zu bytes overflows", n, size);
		exit(BP_EXIT_FAIL);
	}
	return bp_xrealloc(p, n * size);
}

char *
bp_xstrdup(const char *s)
{
	return bp_xstrndup(s, strlen(s));
}

char *
bp_xstrndup(const char *s, size_t n)
{
	char *p = bp_xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void
bp_grow(void **p, size_t *alloc, size_t need, size_t size)
{
	size_t n;

	if (need <= *alloc)
		return;
	n = *alloc ? *alloc : 8;
	while (n < need) {
		if (n > SIZE_MAX / 2)
			oom(SIZE_MAX);
		n *= 2;
	}
	*p = bp_xreallocarray(*p, n, size);
	*alloc = n;
}

void
bp_buf_init(struct bp_buf *b)
{
	b->s = NULL;
	b->len = b->alloc = 0;
}

void
bp_buf_release(struct bp_buf *b)
{
	free(b->s);
	bp_buf_init(b);
}

void
bp_buf_reset(struct bp_buf *b)
{
	b->len = 0;
	if (b->s)
		b->s[0] = '\0';
}

void
bp_buf_grow(struct bp_buf *b, size_t n)
{
	if (b->len + n + 1 > b->alloc) {
		bp_grow((void **)&b->s, &b->alloc, b->len + n + 1, 1);
		/* a fresh buffer is "", also when detached unwritten */
		b->s[b->len] = '\0';
	}
}

void
bp_buf_add(struct bp_buf *b, const void *data, size_t n)
{
	bp_buf_grow(b, n);
	memcpy(b->s + b->len, data, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void
bp_buf_addc(struct bp_buf *b, char c)
{
	bp_buf_grow(b, 1);
	b->s[b->len++] = c;
	b->s[b->len] = '\0';
}

void
bp_buf_adds(struct bp_buf *b, const char *s)
{
	bp_buf_add(b, s, strlen(s));
}

void
bp_buf_addf(struct bp_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	bp_buf_grow(b, 64);
	va_start(ap, fmt);
	n = vsnprintf(b->s + b->len, b->alloc - b->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= b->alloc - b->len) {
		bp_buf_grow(b, (size_t)n);
		va_start(ap, fmt);
		vsnprintf(b->s + b->len, b->alloc - b->len, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t)n;
}

char *
bp_buf_detach(struct bp_buf *b, size_t *len)
{
	char *s;

	if (!b->s)
		bp_buf_grow(b, 0);
	s = b->s;
	if (len)
		*len = b->len;
	bp_buf_init(b);
	return s;
}

int
bp_read_file(const char *path, struct bp_buf *out)
{
	struct bp_reader *r = bp_reader_open(path);
	const char *line;
	size_t len;
	int rc;

	if (!r)
		return -1;
	while ((rc = bp_reader_line(r, &line, &len)) > 0) {
		bp_buf_add(out, line, len);
		bp_buf_addc(out, '\n');
	}
	bp_reader_free(&r);
	return rc < 0 ? -1 : 0;
}

int
bp_close_stdout(void)
{
	if (fflush(stdout) != 0 || ferror(stdout))
		return bp_error_errno("cannot write '<stdout>'");
	return 0;
}

int
bp_ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void
bp_rng_seed(struct bp_rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* xoshiro256** (Blackman and Vigna, 2018) */
uint64_t
bp_rng_u64(struct bp_rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

double
bp_rng_uniform(struct bp_rng *r)
{
	return (double)(bp_rng_u64(r) >> 11) * 0x1.0p-53;
}

uint64_t
bp_rng_below(struct bp_rng *r, uint64_t n)
{
	uint64_t limit = UINT64_MAX - UINT64_MAX % n, x;

	do
		x = bp_rng_u64(r);
	while (x >= limit);
	return x % n;
}

double
bp_rng_normal(struct bp_rng *r)
{
	double u1, u2;

	do
		u1 = bp_rng_uniform(r);
	while (u1 <= 0.0);
	u2 = bp_rng_uniform(r);
	return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

int
bp_avx512_allowed(void)
{
	const char *env = getenv("BARPIPE_AVX512");

	return !(env && strcmp(env, "0") == 0);
}

double
bp_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void
bp_block_async_signals(sigset_t *old)
{
	sigset_t all;

	sigfillset(&all);
	sigdelset(&all, SIGPIPE);
	sigdelset(&all, SIGXFSZ);
	sigdelset(&all, SIGSEGV);
	sigdelset(&all, SIGBUS);
	sigdelset(&all, SIGFPE);
	sigdelset(&all, SIGILL);
	sigdelset(&all, SIGABRT);
	pthread_sigmask(SIG_SETMASK, &all, old);
}
