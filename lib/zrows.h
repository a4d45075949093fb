/*
 * zrows: a zstd match finder that knows rows of NDJSON.
 *
 * The rows of a stream have the same keys in the same order, and a value
 * often shares a prefix with the same field of the row before (the date
 * of a timestamp, the integer part of a price) or equals it (a symbol, a
 * null).  zstd's own match finder has to rediscover that by hashing
 * positions, most of them inside the digits of numbers, where nothing
 * matches.  This one walks each row field by field beside the row before
 * it: one comparison per field proposes the run of equal bytes as a match
 * (the key, and the value's common prefix), and the rest is literals.
 * zstd then only entropy-codes.  On bp-features' output that halves the
 * compressor's time, for a stream of about the same size.
 *
 * It is a block-level sequence producer (zstd 1.5.4 and later): zstd
 * hands over each block of up to 128 KiB and codes the sequences it gets
 * back.  zstd gives a producer no history, so each block is matched on
 * its own and its first whole row is all literals.  A block that does not
 * look like rows of flat JSON objects goes to zstd's own match finder.
 * The output is an ordinary zstd frame: any zstd decoder reads it, and the
 * same text gives the same bytes.
 */
#ifndef BP_ZROWS_H
#define BP_ZROWS_H

#include <stdint.h>
#include <zstd.h>

/*
 * Make cc find its matches with zrows.  Returns 0, or -1 (cc unchanged)
 * when this libzstd has no sequence producers or no memory is left.  The
 * state is freed with bp_zrows_free() after cc is.
 */
struct bp_zrows;
struct bp_zrows *bp_zrows_register(ZSTD_CCtx *cc);
void bp_zrows_free(struct bp_zrows *z);

/* What the finder has done so far: for tests and benchmarks. */
struct bp_zrows_stats {
	uint64_t blocks;	/* blocks matched */
	uint64_t declined;	/* blocks left to zstd's own finder */
	uint64_t bytes;		/* bytes in the blocks matched */
	uint64_t literals;	/* of those, bytes left as literals */
};
struct bp_zrows_stats bp_zrows_stats(const struct bp_zrows *z);

#endif
