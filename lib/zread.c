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

struct chunk {
	char *s;
	size_t len;
};

struct bp_zread {
	struct bp_zdec *d;
	int wake[2];		/* a byte here stops a poll for input */
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
 * Wait until fd has input (or is at its end, or failed), or wake has a
 * byte.  Returns 1 to read, 0 to stop.
 */
static int
await_input(int fd, int wake)
{
	struct pollfd p[2] = {
		{ .fd = fd, .events = POLLIN },
		{ .fd = wake, .events = POLLIN },
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

size_t
bp_zdec_step(struct bp_zdec *d, char *out, size_t cap, int wake,
	     enum bp_zread_end *end, size_t *code)
{
	*code = 0;
	for (;;) {
		ZSTD_inBuffer zin;
		ZSTD_outBuffer zout = { out, cap, 0 };

		if (d->in_pos == d->in_len && !d->zfull) {
			ssize_t n;

			if (d->in_eof) {
				*end = d->zret != 0 ? BP_ZREAD_TRUNCATED :
						      BP_ZREAD_OK;
				return 0;
			}
			if (wake >= 0 && !await_input(d->fd, wake)) {
				*end = BP_ZREAD_OK;	/* stopped: unseen */
				return 0;
			}
			do
				n = read(d->fd, d->in, d->in_cap);
			while (n < 0 && errno == EINTR);
			if (n < 0) {
				*end = BP_ZREAD_READ;
				*code = (size_t)errno;
				return 0;
			}
			if (n == 0) {
				d->in_eof = 1;
				continue;
			}
			d->in_pos = 0;
			d->in_len = (size_t)n;
		}
		zin = (ZSTD_inBuffer){ d->in, d->in_len, d->in_pos };
		d->zret = ZSTD_decompressStream(d->ds, &zout, &zin);
		if (ZSTD_isError(d->zret)) {
			*end = BP_ZREAD_ZSTD;
			*code = d->zret;
			return 0;
		}
		d->in_pos = zin.pos;
		d->zfull = zout.pos == zout.size;
		if (zout.pos > 0)
			return zout.pos;
	}
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
		c->len = bp_zdec_step(z->d, c->s, CHUNK, z->wake[0], &z->end,
				      &z->code);
		pthread_mutex_lock(&z->mu);
		if (c->len == 0)
			break;
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
	close(z->wake[0]);
	close(z->wake[1]);
	free(z);
}

struct bp_zread *
bp_zread_start(struct bp_zdec *d)
{
	struct bp_zread *z = bp_xcalloc(1, sizeof(*z));
	sigset_t old;
	int rc;

	z->d = d;
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
