/*
 * zread: zstd decoding ahead of the reader, on a thread of its own.
 *
 * A row reader on a zstd stream hands its decoder to a zread once the
 * stream proves longer than a block or two; from then on the thread reads
 * the input and decodes it into a ring of eight 128 KiB chunks while the
 * tool parses the chunks before them, so decoding (0.15 s of a tool's
 * thread per million bars) runs on another core.  The reader's text, line
 * numbers and messages are the same with it or without it: the thread
 * records what went wrong (a failed read, a zstd error, a stream that
 * ends inside a frame) and the reader reports it, after every byte decoded
 * before it.  The thread waits for input with poll(2) on the input and on
 * a pipe of its own, so stopping it never hangs on an input that sends
 * nothing; it blocks the tool's asynchronous signals.
 */
#ifndef BP_ZREAD_H
#define BP_ZREAD_H

#include <stddef.h>
#include <sys/types.h>
#include <zstd.h>

struct bp_zread;

/* What ended the stream, for the reader's message. */
enum bp_zread_end {
	BP_ZREAD_OK,		/* the input ended between frames */
	BP_ZREAD_READ,		/* read(2) failed: errno in *code */
	BP_ZREAD_ZSTD,		/* zstd error: its code in *code */
	BP_ZREAD_TRUNCATED,	/* the input ended inside a frame */
};

/*
 * A zstd stream being decoded from fd: the one state the reader decodes
 * with, and its thread after it (so both decode the same way).
 */
struct bp_zdec {
	int fd;
	ZSTD_DStream *ds;
	char *in;		/* raw input, in_cap bytes */
	size_t in_cap, in_pos, in_len;
	size_t zret;		/* last ZSTD_decompressStream() return */
	int in_eof;		/* fd is at its end */
	int zfull;		/* the last call filled its output: decoded
				   bytes may wait inside ds */
};

/*
 * Decode into out (cap bytes), reading fd as needed, until something comes
 * out.  Returns the number of bytes, or 0 at the end of the stream with
 * *end and *code saying how it ended.  wake >= 0: wait for input with
 * poll(2) on fd and wake, and end (BP_ZREAD_OK) once wake is readable.
 */
size_t bp_zdec_step(struct bp_zdec *d, char *out, size_t cap, int wake,
		    enum bp_zread_end *end, size_t *code);

/*
 * Go on decoding d on a thread; d is the thread's until bp_zread_stop()
 * (then the caller's again, to free).  Returns NULL, reporting nothing,
 * when no thread can be had: the caller goes on decoding itself.
 */
struct bp_zread *bp_zread_start(struct bp_zdec *d);
/*
 * Copy the next decoded bytes to dst (at most cap, cap > 0).  Returns
 * the number copied, or 0 at the end of the stream with *end and *code
 * saying how it ended.
 */
size_t bp_zread_next(struct bp_zread *z, char *dst, size_t cap,
		     enum bp_zread_end *end, size_t *code);
/* Stop the thread (wherever it is) and free *z; sets it to NULL. */
void bp_zread_stop(struct bp_zread **z);

#endif
