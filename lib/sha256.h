/*
 * sha256: a small SHA-256 (FIPS 180-4) for fingerprints of model artefacts
 * and of training data.  Not constant-time; not for secrets.
 *
 *	struct bp_sha256 c;
 *	char hex[BP_SHA256_HEXSZ];
 *	bp_sha256_init(&c);
 *	bp_sha256_update(&c, data, n);   (any number of times)
 *	bp_sha256_hex(&c, hex);          64 lowercase hex digits + NUL
 */
#ifndef BP_SHA256_H
#define BP_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define BP_SHA256_HEXSZ 65

struct bp_sha256 {
	uint32_t h[8];
	uint64_t len;		/* bytes hashed so far */
	unsigned char buf[64];
	size_t nbuf;
};

void bp_sha256_init(struct bp_sha256 *c);
void bp_sha256_update(struct bp_sha256 *c, const void *data, size_t n);
/* Finish: 32-byte digest.  The context must be re-initialised to reuse. */
void bp_sha256_final(struct bp_sha256 *c, unsigned char out[32]);
/* Finish as 64 lowercase hex digits and a NUL. */
void bp_sha256_hex(struct bp_sha256 *c, char out[BP_SHA256_HEXSZ]);
/* One-shot hex digest of a buffer. */
void bp_sha256_buf(const void *data, size_t n, char out[BP_SHA256_HEXSZ]);
/* Hex digest of a file's bytes; returns 0, or -1 after reporting. */
int bp_sha256_file(const char *path, char out[BP_SHA256_HEXSZ]);

#endif
