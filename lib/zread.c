/*
 * zread: zstd decoding ahead of the reader, on a thread of its own (see
 * zread.h).
 *
 * The ring: chunk[(head + i) % NCHUNK] for i < count hold decoded text in
 * order, the first with off bytes already taken; the thread fills the
 * next free one while count < NCHUNK.  done and the end fields are set
 * once, when the thread stops decoding; the reader sees them only after
 * the chunks before them.  Everything below mu is shared.
 */
#define _GNU_SOURCE	/* pthread_setname_np(3) */
#include "zread.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

#define NCHUNK 8
#define CHUNK (128 * 1024)	/* stream.c decodes OUT_BLOCK at a time too */
#define IN_SIZE (128 * 1024)

struct chunk {
	char *s;
	size_t len;
};

struct bp_zread {
	int fd;
	int wake[2];		/* a byte here stops a poll for input */
	ZSTD_DStream *ds;
	char *in;
	size_t in_pos, in_len, zret;
	int in_eof, zfull;
	pthread_t tid;
	pthread_mutex_t mu;
	pthread_cond_t ready;	/* reader: a chunk, or done */
	pthread_cond_t space;	/* thread: a free chunk, or quit */
	struct chunk chunk[NCHUNK];
	unsigned head, count;
	size_t off;		/* bytes of chunk[head] already taken */
	int done, quit;
	enum bp_zread_end end;
	size_t code;
};

/*
 * Wait until fd has input (or is at its end, or failed) or we are told to
 * quit.  Returns 1 to read, 0 to quit.
 */
static int
await_input(struct bp_zread *z)
{
	struct pollfd p[2] = {
		{ .fd = z->fd, .events = POLLIN },
		{ .fd = z->wake[0], .events = POLLIN },
	};

	for (;;) {
		int n = poll(p, 2, -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return 1;	/* let read(2) say what is wrong */
		if (p[1].revents)
			return 0;
		if (p[0].revents)
			return 1;
	}
}

/*
 * Decode into c until it holds something.  Returns 1, or 0 when the
 * stream ended (z->end and z->code say how).
 */
static int
decode_chunk(struct bp_zread *z, struct chunk *c)
{
	c->len = 0;
	while (c->len == 0) {
		ZSTD_inBuffer zin;
		ZSTD_outBuffer zout = { c->s, CHUNK, 0 };

		if (z->in_pos == z->in_len && !z->zfull) {
			ssize_t n;

			if (z->in_eof) {
				z->end = z->zret != 0 ? BP_ZREAD_TRUNCATED :
							BP_ZREAD_OK;
				return 0;
			}
			if (!await_input(z)) {
				z->end = BP_ZREAD_OK;	/* stopped: unseen */
				return 0;
			}
			do
				n = read(z->fd, z->in, IN_SIZE);
			while (n < 0 && errno == EINTR);
			if (n < 0) {
				z->end = BP_ZREAD_READ;
				z->code = (size_t)errno;
				return 0;
			}
			if (n == 0) {
				z->in_eof = 1;
				continue;
			}
			z->in_pos = 0;
			z->in_len = (size_t)n;
		}
		zin = (ZSTD_inBuffer){ z->in, z->in_len, z->in_pos };
		z->zret = ZSTD_decompressStream(z->ds, &zout, &zin);
		if (ZSTD_isError(z->zret)) {
			z->end = BP_ZREAD_ZSTD;
			z->code = z->zret;
			return 0;
		}
		z->in_pos = zin.pos;
		z->zfull = zout.pos == zout.size;
		c->len = zout.pos;
	}
	return 1;
}

static void *
zread_main(void *arg)
{
	struct bp_zread *z = arg;
	struct chunk *c;

	for (;;) {
		pthread_mutex_lock(&z->mu);
		while (z->count == NCHUNK && !z->quit)
			pthread_cond_wait(&z->space, &z->mu);
		if (z->quit)
			break;
		c = &z->chunk[(z->head + z->count) % NCHUNK];
		pthread_mutex_unlock(&z->mu);
		if (!decode_chunk(z, c)) {
			pthread_mutex_lock(&z->mu);
			break;
		}
		pthread_mutex_lock(&z->mu);
		z->count++;
		pthread_cond_signal(&z->ready);
		pthread_mutex_unlock(&z->mu);
	}
	z->done = 1;
	pthread_cond_signal(&z->ready);
	pthread_mutex_unlock(&z->mu);
	return NULL;
}

static void
free_zread(struct bp_zread *z)
{
	for (int i = 0; i < NCHUNK; i++)
		free(z->chunk[i].s);
	free(z->in);
	close(z->wake[0]);
	close(z->wake[1]);
	free(z);
}

struct bp_zread *
bp_zread_start(int fd, ZSTD_DStream *ds, const char *in, size_t pos,
	       size_t len, int in_eof, size_t zret, int zfull)
{
	struct bp_zread *z = bp_xcalloc(1, sizeof(*z));
	sigset_t old;
	int rc;

	z->fd = fd;
	z->ds = ds;
	z->in = bp_xmalloc(IN_SIZE);
	memcpy(z->in, in + pos, len - pos);
	z->in_len = len - pos;
	z->in_eof = in_eof;
	z->zret = zret;
	z->zfull = zfull;
	for (int i = 0; i < NCHUNK; i++)
		z->chunk[i].s = bp_xmalloc(CHUNK);
	if (pipe(z->wake) < 0) {
		z->wake[0] = z->wake[1] = -1;
		goto fail;
	}
	fcntl(z->wake[0], F_SETFD, FD_CLOEXEC);
	fcntl(z->wake[1], F_SETFD, FD_CLOEXEC);
	if (pthread_mutex_init(&z->mu, NULL) != 0)
		goto fail;
	if (pthread_cond_init(&z->ready, NULL) != 0)
		goto no_ready;
	if (pthread_cond_init(&z->space, NULL) != 0)
		goto no_space;
	bp_block_async_signals(&old);
	rc = pthread_create(&z->tid, NULL, zread_main, z);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc == 0) {
		pthread_setname_np(z->tid, "bp-reader");	/* top -H */
		return z;
	}
	pthread_cond_destroy(&z->space);
no_space:
	pthread_cond_destroy(&z->ready);
no_ready:
	pthread_mutex_destroy(&z->mu);
fail:
	free_zread(z);
	return NULL;
}

size_t
bp_zread_next(struct bp_zread *z, char *dst, size_t cap,
	      enum bp_zread_end *end, size_t *code)
{
	struct chunk *c;
	size_t n;

	pthread_mutex_lock(&z->mu);
	while (z->count == 0 && !z->done)
		pthread_cond_wait(&z->ready, &z->mu);
	if (z->count == 0) {
		*end = z->end;
		*code = z->code;
		pthread_mutex_unlock(&z->mu);
		return 0;
	}
	c = &z->chunk[z->head];
	pthread_mutex_unlock(&z->mu);
	/* chunk[head] is ours until it is given back below */
	n = c->len - z->off < cap ? c->len - z->off : cap;
	memcpy(dst, c->s + z->off, n);
	z->off += n;
	if (z->off == c->len) {
		z->off = 0;
		pthread_mutex_lock(&z->mu);
		z->head = (z->head + 1) % NCHUNK;
		z->count--;
		pthread_cond_signal(&z->space);
		pthread_mutex_unlock(&z->mu);
	}
	return n;
}

void
bp_zread_stop(struct bp_zread **zp)
{
	struct bp_zread *z = *zp;
	ssize_t n;

	if (!z)
		return;
	pthread_mutex_lock(&z->mu);
	z->quit = 1;
	pthread_cond_signal(&z->space);
	pthread_mutex_unlock(&z->mu);
	do
		n = write(z->wake[1], "", 1);
	while (n < 0 && errno == EINTR);
	pthread_join(z->tid, NULL);
	pthread_cond_destroy(&z->space);
	pthread_cond_destroy(&z->ready);
	pthread_mutex_destroy(&z->mu);
	free_zread(z);
	*zp = NULL;
}
