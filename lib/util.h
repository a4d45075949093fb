/*
 * util: what every barpipe file needs: exit codes, the program name,
 * error reporting, checked allocation and a growable string buffer.
 *
 * The library returns and the tools exit: lib code reports a problem with
 * bp_error() (which returns -1, so `return bp_error(...)` reads naturally)
 * and only bin/ calls bp_die().  Every message goes to stderr prefixed with
 * the program name, because several stages of a pipe share one stderr.
 */
#ifndef BP_UTIL_H
#define BP_UTIL_H

#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define BP_EXIT_OK	0	/* success; judging tools: none at fail level */
#define BP_EXIT_FAIL	1	/* runtime or data error */
#define BP_EXIT_USAGE	2	/* bad command line */
#define BP_EXIT_ALERT	3	/* ran correctly and the verdict is bad */

#ifndef BP_VERSION
#define BP_VERSION "0.0.0"
#endif

#if defined(__GNUC__)
#define BP_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define BP_NORETURN __attribute__((noreturn))
#else
#define BP_PRINTF(f, a)
#define BP_NORETURN
#endif

#define BP_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct bp_buf;

/*
 * Program name used as the prefix of every message; set once from argv[0]
 * (its basename is kept).  Defaults to "barpipe".
 */
void bp_setprogname(const char *argv0);
const char *bp_progname(void);

/*
 * Verbosity level shared by the messages below: 0 errors only, 1 (default)
 * adds warnings, 2 progress and info, 3 debug.
 */
extern int bp_verbosity;

/* "prog: msg" on stderr; returns -1. */
int bp_error(const char *fmt, ...) BP_PRINTF(1, 2);
/* As bp_error, with ": strerror(errno)" appended; call right after failure. */
int bp_error_errno(const char *fmt, ...) BP_PRINTF(1, 2);
/* "prog: warning: msg" when bp_verbosity >= 1. */
void bp_warn(const char *fmt, ...) BP_PRINTF(1, 2);
/* "prog: msg" when bp_verbosity >= level (2 info, 3 debug). */
void bp_info(int level, const char *fmt, ...) BP_PRINTF(2, 3);
/* bin/ only: report and exit(BP_EXIT_FAIL). */
BP_NORETURN void bp_die(const char *fmt, ...) BP_PRINTF(1, 2);
BP_NORETURN void bp_die_errno(const char *fmt, ...) BP_PRINTF(1, 2);
void bp_verror(const char *fmt, va_list ap);

/*
 * While a capture is set, this thread's messages (errors, warnings, info)
 * are appended to *b instead of written to stderr; NULL ends it.  Worker
 * threads use it so that a tool can report their messages in a fixed
 * order, whatever the threads' timing.
 */
void bp_msg_capture(struct bp_buf *b);

/* Allocation that never returns NULL: out of memory exits 1. */
void *bp_xmalloc(size_t n);
void *bp_xcalloc(size_t n, size_t size);
void *bp_xrealloc(void *p, size_t n);
/* realloc to n * size bytes, dying on multiplication overflow. */
void *bp_xreallocarray(void *p, size_t n, size_t size);
char *bp_xstrdup(const char *s);
char *bp_xstrndup(const char *s, size_t n);
/* Grow *p (holding *alloc elements of size) to hold at least need. */
void bp_grow(void **p, size_t *alloc, size_t need, size_t size);
#define BP_GROW(p, alloc, need) \
	bp_grow((void **)&(p), &(alloc), (need), sizeof(*(p)))

/*
 * A growable, always NUL-terminated byte buffer (git's strbuf).  Initialise
 * with BP_BUF_INIT or bp_buf_init(); release with bp_buf_release().
 */
struct bp_buf {
	char *s;
	size_t len;
	size_t alloc;
};
#define BP_BUF_INIT { NULL, 0, 0 }
void bp_buf_init(struct bp_buf *b);
void bp_buf_release(struct bp_buf *b);
void bp_buf_reset(struct bp_buf *b);
/* Make room for n more bytes beyond len. */
void bp_buf_grow(struct bp_buf *b, size_t n);
void bp_buf_add(struct bp_buf *b, const void *data, size_t n);
void bp_buf_addc(struct bp_buf *b, char c);
void bp_buf_adds(struct bp_buf *b, const char *s);
void bp_buf_addf(struct bp_buf *b, const char *fmt, ...) BP_PRINTF(2, 3);
/* Hand the string over to the caller (who frees it); b is reset. */
char *bp_buf_detach(struct bp_buf *b, size_t *len);

/*
 * Read a whole (small) file, such as a spec or a model, into *out.  path "-"
 * or NULL reads stdin.  zstd-compressed files are decompressed.  Returns 0,
 * or -1 after reporting.
 */
int bp_read_file(const char *path, struct bp_buf *out);

/*
 * Check that stdout was written completely (a full disk gives exit 1, not a
 * silently truncated document).  Returns 0 or -1 after reporting.
 */
int bp_close_stdout(void);

/* 1 when s ends with suffix. */
int bp_ends_with(const char *s, const char *suffix);

/*
 * Deterministic pseudo-random numbers (splitmix64 seeding a xoshiro256**
 * state).  Never rand() or the clock: the same seed gives the same numbers.
 */
struct bp_rng {
	uint64_t s[4];
};
void bp_rng_seed(struct bp_rng *r, uint64_t seed);
uint64_t bp_rng_u64(struct bp_rng *r);
/* Uniform in [0, 1) with 53 random bits. */
double bp_rng_uniform(struct bp_rng *r);
/* Uniform integer in [0, n), n > 0, without modulo bias. */
uint64_t bp_rng_below(struct bp_rng *r, uint64_t n);
/* Standard normal (Box-Muller, no cached pair: fully determined by state). */
double bp_rng_normal(struct bp_rng *r);

/*
 * 0 when $BARPIPE_AVX512 is "0", which turns every AVX-512 path of
 * barpipe off (the tree evaluation, the scan of rows, the number parser),
 * to compare: the results are the same; else 1.  Each path also checks
 * that the processor has the instructions it needs.
 */
int bp_avx512_allowed(void);

/* Monotonic seconds, for progress and benchmarks only (never for results). */
double bp_now(void);

/*
 * Block, in the calling thread, every signal but those a thread raises by
 * its own actions (SIGPIPE and SIGXFSZ from a write, SIGSEGV, SIGBUS,
 * SIGFPE, SIGILL, SIGABRT); the old mask goes to *old.  Around the
 * creation of a helper thread (the writer's, the reader's), so that it
 * inherits the mask and a tool's handlers run on the tool's own thread.
 */
void bp_block_async_signals(sigset_t *old);

#endif
