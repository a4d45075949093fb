/*
 * stream-jansson: the jansson baseline: json_loadb and json_dumpb
 * (compact) for every line of a plain NDJSON file, written to stdout.
 * Prints "ROWS SECONDS CPU-SECONDS" on stderr.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "util.h"

int
main(int argc, char **argv)
{
	FILE *fp = argc > 1 ? fopen(argv[1], "r") : NULL;
	char *line = NULL, *out = NULL;
	size_t cap = 0, outcap = 0;
	ssize_t n;
	long rows = 0;
	double t0 = bp_now();

	if (!fp) {
		fprintf(stderr, "usage: stream-jansson PLAIN-NDJSON-FILE\n");
		return 2;
	}
	while ((n = getline(&line, &cap, fp)) > 0) {
		json_error_t err;
		json_t *v = json_loadb(line, (size_t)n, 0, &err);
		size_t k;

		if (!v) {
			fprintf(stderr, "line %ld: %s\n", rows + 1, err.text);
			return 1;
		}
		k = json_dumpb(v, NULL, 0, JSON_COMPACT);
		if (k + 1 > outcap) {
			outcap = 2 * k + 2;
			out = bp_xrealloc(out, outcap);
		}
		json_dumpb(v, out, k, JSON_COMPACT);
		out[k] = '\n';
		fwrite(out, 1, k + 1, stdout);
		json_decref(v);
		rows++;
	}
	fclose(fp);
	free(line);
	free(out);
	if (fflush(stdout) != 0)
		return 1;
	fprintf(stderr, "%ld %.6f %.6f\n", rows, bp_now() - t0,
		(double)clock() / CLOCKS_PER_SEC);
	return 0;
}
