/*
 * stream-bench: rows per second of barpipe's stream library.
 *
 *	stream-bench read FILE        parse every row, write nothing
 *	stream-bench copy FILE        read and write every row unchanged
 *	                              (bp_writer_copy_row) to stdout
 *	stream-bench numbers FILE     read, convert every number field and
 *	                              write it again with bp_writer_num
 *
 * The output is zstd unless BARPIPE_ZSTD_LEVEL/--plain say otherwise: pass
 * "plain" as a third argument for plain NDJSON.  Prints "ROWS SECONDS
 * CPU-SECONDS" on stderr (wall clock, and this process's CPU time, which
 * other work on the machine disturbs less).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "stream.h"
#include "util.h"

int
main(int argc, char **argv)
{
	struct bp_reader *in;
	struct bp_writer *out = NULL;
	struct bp_row row = BP_ROW_INIT;
	long rows = 0;
	int rc, mode;
	double t0, x;

	bp_setprogname(argv[0]);
	if (argc < 3) {
		fprintf(stderr, "usage: stream-bench read|copy|numbers FILE "
				"[plain]\n");
		return 2;
	}
	mode = strcmp(argv[1], "read") == 0 ? 0 :
	       strcmp(argv[1], "copy") == 0 ? 1 : 2;
	t0 = bp_now();
	in = bp_reader_open(argv[2]);
	if (!in)
		return 1;
	if (mode > 0) {
		out = bp_writer_open(NULL, argc > 3 &&
					   strcmp(argv[3], "plain") == 0 ?
					   BP_WRITER_PLAIN : 0);
		if (!out)
			return 1;
	}
	while ((rc = bp_reader_next(in, &row)) > 0) {
		rows++;
		if (mode == 0)
			continue;
		bp_writer_begin(out);
		if (mode == 1) {
			bp_writer_copy_row(out, &row);
		} else {
			for (size_t i = 0; i < row.n; i++) {
				if (bp_field_num(&row.f[i], &x) == 0)
					bp_writer_num(out, row.f[i].key, x);
				else
					bp_writer_copy_field(out, &row, i);
			}
		}
		if (bp_writer_end(out) < 0)
			break;
	}
	if (rc < 0 || (out && bp_writer_close(&out) < 0))
		return 1;
	fprintf(stderr, "%ld %.6f %.6f\n", rows, bp_now() - t0,
		(double)clock() / CLOCKS_PER_SEC);
	bp_row_release(&row);
	bp_reader_free(&in);
	return 0;
}
