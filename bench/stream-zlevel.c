/*
 * stream-zlevel: zstd compression speed and ratio per level, the way the
 * stream writer uses zstd (ZSTD_compressStream2, 128 KiB chunks, checksum
 * on), and decompression speed with ZSTD_decompressStream.
 *
 *	stream-zlevel PLAIN-FILE LEVEL...
 *
 * LEVEL "1*" is the writer's default: level 1 tuned by bp_zstd_tune(),
 * with the row match finder of lib/zrows.
 * Prints one line per level: level, compress MB/s, ratio, decompress MB/s
 * (MB = 10^6 bytes of plain text), the best of three runs, by CPU time
 * (clock(3)).  The file is read into memory first: this measures zstd
 * alone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zstd.h>

#include "stream.h"
#include "util.h"
#include "zrows.h"

#define CHUNK (128 * 1024)

static double
cpu(void)
{
	return (double)clock() / CLOCKS_PER_SEC;
}

/* Compress text into z at level the way the writer does; returns size. */
static size_t
compress(const struct bp_buf *text, int level, int tune, char *z,
	 size_t zcap, double *t0, double *t1)
{
	ZSTD_CCtx *cc = ZSTD_createCCtx();
	ZSTD_outBuffer out = { z, zcap, 0 };
	ZSTD_inBuffer in;
	struct bp_zrows *zr = NULL;
	size_t pos = 0;

	ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel, level);
	ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1);
	if (tune)
		zr = bp_zstd_tune(cc);
	*t0 = cpu();
	while (pos < text->len) {
		size_t n = text->len - pos < CHUNK ? text->len - pos : CHUNK;

		in = (ZSTD_inBuffer){ text->s + pos, n, 0 };
		while (in.pos < in.size)
			ZSTD_compressStream2(cc, &out, &in, ZSTD_e_continue);
		pos += n;
	}
	in = (ZSTD_inBuffer){ NULL, 0, 0 };
	while (ZSTD_compressStream2(cc, &out, &in, ZSTD_e_end) != 0)
		;
	*t1 = cpu();
	ZSTD_freeCCtx(cc);
	bp_zrows_free(zr);
	return out.pos;
}

static int
decompress(const char *z, size_t zlen, char *dbuf)
{
	ZSTD_DCtx *dc = ZSTD_createDCtx();
	ZSTD_inBuffer in = { z, zlen, 0 };
	size_t ret;

	do {
		ZSTD_outBuffer o = { dbuf, ZSTD_DStreamOutSize(), 0 };

		ret = ZSTD_decompressStream(dc, &o, &in);
		if (ZSTD_isError(ret)) {
			fprintf(stderr, "zstd: %s\n", ZSTD_getErrorName(ret));
			ZSTD_freeDCtx(dc);
			return -1;
		}
	} while (in.pos < in.size || ret != 0);
	ZSTD_freeDCtx(dc);
	return 0;
}

int
main(int argc, char **argv)
{
	struct bp_buf text = BP_BUF_INIT;
	size_t zcap, zlen;
	char *z, *dbuf;

	if (argc < 3 || bp_read_file(argv[1], &text) < 0) {
		fprintf(stderr, "usage: stream-zlevel PLAIN-FILE LEVEL...\n");
		return 2;
	}
	zcap = ZSTD_compressBound(text.len) + 1024;
	z = bp_xmalloc(zcap);
	dbuf = bp_xmalloc(ZSTD_DStreamOutSize());
	memset(z, 0, zcap);	/* no page faults inside the timing */
	printf("%6s %12s %8s %14s   (libzstd %s)\n", "level", "compress MB/s",
	       "ratio", "decompress MB/s", ZSTD_versionString());
	for (int a = 2; a < argc; a++) {
		int level = atoi(argv[a]);
		int tune = strchr(argv[a], '*') != NULL;
		double ct = 1e9, dt = 1e9;

		for (int rep = 0; rep < 3; rep++) {
			double t0, t1, t2;

			zlen = compress(&text, level, tune, z, zcap, &t0,
					&t1);
			if (decompress(z, zlen, dbuf) < 0)
				return 1;
			t2 = cpu();
			if (t1 - t0 < ct)
				ct = t1 - t0;
			if (t2 - t1 < dt)
				dt = t2 - t1;
		}
		printf("%5d%c %12.0f %8.2f %14.0f\n", level, tune ? '*' : ' ',
		       (double)text.len / 1e6 / ct,
		       (double)text.len / (double)zlen,
		       (double)text.len / 1e6 / dt);
	}
	free(z);
	free(dbuf);
	bp_buf_release(&text);
	return 0;
}
