/*
 * test-bars: the cache views bp-fetch builds on (the last cached bar, bars
 * of a query as stream rows, the list of what is cached), on a database
 * filled by hand; expected rows written out by hand.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bars.h"
#include "store.h"
#include "stream.h"
#include "tap.h"
#include "util.h"

#define H 3600000LL
#define T0 1704067200000LL	/* 2024-01-01T00:00:00Z */

static char dir[] = "/tmp/test-bars.XXXXXX";
static char db[64], out[64];

static int
fill(struct bp_store *s, const char *symbol, const char *tf,
     const int64_t *ts, size_t n)
{
	struct bp_bars_upsert *u = bp_bars_upsert_new(s, symbol, tf, 2);

	for (size_t i = 0; u && i < n; i++) {
		struct bp_bar b = { ts[i], 100, 102, 99, 101.5 + (double)i,
				    10 };

		if (bp_bars_upsert_add(u, &b) < 0) {
			bp_bars_upsert_abort(&u);
			return -1;
		}
	}
	return u ? bp_bars_upsert_finish(&u) : -1;
}

/* The lines of out (plain NDJSON) against want[0..n). */
static void
check_lines(const char *const *want, size_t n, const char *name)
{
	FILE *f = fopen(out, "r");
	char line[512];
	size_t i = 0;

	while (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (i < n && !ok(strcmp(line, want[i]) == 0, "%s: row %zu",
				 name, i))
			printf("#   got  %s\n#   want %s\n", line, want[i]);
		i++;
	}
	ok(i == n, "%s: %zu rows (want %zu)", name, i, n);
	if (f)
		fclose(f);
}

int
main(void)
{
	static const int64_t btc[] = { T0, T0 + H, T0 + 2 * H, T0 + 4 * H };
	static const int64_t eth[] = { T0, T0 + 24 * H };
	static const char *const last2[] = {
		"{\"ts\":\"2024-01-01T02:00:00Z\",\"symbol\":\"BTCUSDT\","
		"\"open\":100,\"high\":102,\"low\":99,\"close\":103.5,"
		"\"volume\":10}",
		"{\"ts\":\"2024-01-01T04:00:00Z\",\"symbol\":\"BTCUSDT\","
		"\"open\":100,\"high\":102,\"low\":99,\"close\":104.5,"
		"\"volume\":10}",
	};
	static const char *const list[] = {
		"{\"symbol\":\"BTCUSDT\",\"timeframe\":\"1h\","
		"\"first\":\"2024-01-01T00:00:00Z\","
		"\"last\":\"2024-01-01T04:00:00Z\",\"count\":4,\"gaps\":1}",
		"{\"symbol\":\"ETHUSDT\",\"timeframe\":\"1d\","
		"\"first\":\"2024-01-01T00:00:00Z\","
		"\"last\":\"2024-01-02T00:00:00Z\",\"count\":2,\"gaps\":0}",
		"{\"symbol\":\"ETHUSDT\",\"timeframe\":\"odd\","
		"\"first\":\"2024-01-01T00:00:00Z\","
		"\"last\":\"2024-01-02T00:00:00Z\",\"count\":2,\"gaps\":null}",
	};
	struct bp_bars_query q = { "BTCUSDT", "1h", T0 + H, 0, 1, 0, 2 };
	struct bp_store *s;
	struct bp_writer *w;
	int64_t ts = 0;
	long n;

	bp_setprogname("test-bars");
	if (!mkdtemp(dir))
		return 1;
	snprintf(db, sizeof(db), "%s/b.db", dir);
	snprintf(out, sizeof(out), "%s/out.ndjson", dir);
	s = bp_store_open(db, 0);
	ok(s && fill(s, "BTCUSDT", "1h", btc, 4) == 0 &&
	   fill(s, "ETHUSDT", "1d", eth, 2) == 0 &&
	   fill(s, "ETHUSDT", "odd", eth, 2) == 0, "filled the cache");

	ok(bp_bars_last(s, "BTCUSDT", "1h", &ts) == 1 && ts == T0 + 4 * H,
	   "last: the newest bar of BTCUSDT 1h");
	ok(bp_bars_last(s, "ETHUSDT", "1d", &ts) == 1 && ts == T0 + 24 * H,
	   "last: the newest bar of ETHUSDT 1d");
	ts = 42;
	ok(bp_bars_last(s, "BTCUSDT", "1d", &ts) == 0 && ts == 42,
	   "last: none cached, *ts untouched");

	w = bp_writer_open(out, BP_WRITER_PLAIN);
	n = bp_bars_write(s, &q, w);
	ok(n == 2 && bp_writer_close(&w) == 0, "write: 2 bars (got %ld)", n);
	check_lines(last2, 2, "write --since 1h --last 2");

	q.symbol = "XRPUSDT";
	w = bp_writer_open(out, BP_WRITER_PLAIN);
	n = bp_bars_write(s, &q, w);
	ok(n == 0 && bp_writer_close(&w) == 0, "write: no bars of XRPUSDT");
	check_lines(NULL, 0, "write XRPUSDT");

	w = bp_writer_open(out, BP_WRITER_PLAIN);
	ok(bp_bars_write_list(s, w) == 0 && bp_writer_close(&w) == 0,
	   "write_list");
	check_lines(list, 3, "write_list");

	bp_store_free(&s);
	unlink(out);
	unlink(db);
	snprintf(out, sizeof(out), "%s/b.db-wal", dir);
	unlink(out);
	snprintf(out, sizeof(out), "%s/b.db-shm", dir);
	unlink(out);
	rmdir(dir);
	return done_testing();
}
