#!/usr/bin/env bats
# bp-fetch binance, coinbase: bars from exchange REST APIs, served by a
# loopback fixture server (tests/unit/httpd-fixture.c) replaying recorded
# pages from tests/fixtures/rest/.  Nothing here touches the internet: the
# proxies point at a closed loopback port, so any request that is not for
# 127.0.0.1 fails instead of leaving the machine.
load helper

F=$FIX/rest
HTTPD=$BUILD/tests/unit/httpd-fixture
DB=$BATS_TEST_TMPDIR/home/barpipe.db
P3=2020-09-27T22:00:00Z	# first bar of the three pages of four

setup() {
	bp_setup
	[ -x "$HTTPD" ] || { echo "build $HTTPD first (make)"; return 1; }
	DEAD=$("$HTTPD" -f)
	unset ALL_PROXY all_proxy
	export http_proxy=http://127.0.0.1:$DEAD https_proxy=http://127.0.0.1:$DEAD
	export HTTPS_PROXY=$https_proxy NO_PROXY=127.0.0.1 no_proxy=127.0.0.1
	export BARPIPE_BINANCE_URL=http://127.0.0.1:$DEAD
	export BARPIPE_COINBASE_URL=http://127.0.0.1:$DEAD
	SERVER_PID=
}

teardown() {
	if [ -n "$SERVER_PID" ]; then
		kill "$SERVER_PID" 2>/dev/null || true
		wait "$SERVER_PID" 2>/dev/null || true
	fi
	SERVER_PID=
}

# serve [ROUTES [DATE]]: start the fixture server; sets URL and points both
# exchanges at it.  DATE is the server's clock (its Date header).
serve() {
	rm -f port
	"$HTTPD" -r "${1:-$F/routes}" -p port -l requests.log \
		${2:+-D "$2"} -t 60 3>&- &
	SERVER_PID=$!
	for _ in $(seq 200); do [ -s port ] && break; sleep 0.05; done
	[ -s port ] || { echo "fixture server did not start"; return 1; }
	URL=http://127.0.0.1:$(cat port)
	export BARPIPE_BINANCE_URL=$URL BARPIPE_COINBASE_URL=$URL
}

# requests: the request targets the server saw, one per line
requests() { cut -f1 requests.log; }

# the three pages of four bars, from 2020-09-27T22:00:00Z on
pages() { bp-fetch binance --symbol BTCUSDT --interval 1h --since $P3 --limit 4 "$@"; }

# ---- command line --------------------------------------------------------

@test "rest: --help on stdout, exit 0, for binance and coinbase" {
	for c in binance coinbase; do
		run -0 --separate-stderr bp-fetch "$c" --help
		[[ $output == "usage: bp-fetch $c "* ]]
		[[ $output == *"--since <time>"* ]]
		[[ $output == *"See bp-fetch(1)."* ]]
		[ -z "$stderr" ]
	done
	run -0 bp-fetch --help
	[[ $output == *"binance "*"coinbase "* ]]
	run -0 bp-fetch binance --version
	[[ $output =~ ^bp-fetch\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
}

@test "rest: unknown options and bad values exit 2 without a request" {
	serve
	local b=(bp-fetch binance --symbol BTCUSDT --interval 1h)
	run -2 --separate-stderr "${b[@]}" --bogus
	[[ $stderr == *"bogus"* ]]
	run -2 --separate-stderr bp-fetch binance --symbol BTCUSDT --interval 7m
	[[ $stderr == *"--interval: '7m' is not one of 1s, 1m, 3m, 5m, 15m, 30m, 1h, 2h, 4h, 6h, 8h, 12h, 1d, 3d, 1w"* ]]
	run -2 --separate-stderr bp-fetch binance --symbol BTCUSDT --interval 1M
	[[ $stderr == *"'1M' is not one of"* ]]
	run -2 --separate-stderr bp-fetch coinbase --symbol BTC-USD --interval 4h
	[[ $stderr == *"--interval: '4h' is not one of 1m, 5m, 15m, 1h, 6h, 1d"* ]]
	run -2 --separate-stderr "${b[@]}" --limit 0
	[[ $stderr == *"--limit: '0' is not an integer in [1, 1000]"* ]]
	run -2 --separate-stderr "${b[@]}" --limit 1001
	run -2 --separate-stderr bp-fetch coinbase --symbol BTC-USD --interval 1h --limit 301
	[[ $stderr == *"--limit: '301' is not an integer in [1, 300]"* ]]
	run -2 --separate-stderr "${b[@]}" --since yesterday
	[[ $stderr == *"--since: 'yesterday' is not a time"* ]]
	run -2 --separate-stderr "${b[@]}" --until cache
	[[ $stderr == *"--until: 'cache' is not a time"* ]]
	run -2 --separate-stderr "${b[@]}" --since 2024-02-01 --until 2024-01-01
	[[ $stderr == *"--since is after --until"* ]]
	run -2 --separate-stderr "${b[@]}" --base-url ftp://example.org
	[[ $stderr == *"--base-url: 'ftp://example.org' is not an http:// or https:// URL"* ]]
	run -2 --separate-stderr "${b[@]}" --retries -1
	run -2 --separate-stderr "${b[@]}" --timeout 0
	run -2 --separate-stderr "${b[@]}" --throttle soon
	[[ $stderr == *"--throttle: 'soon' is not a duration"* ]]
	run -2 --separate-stderr "${b[@]}" --store --include-partial
	[[ $stderr == *"--store keeps closed bars only"* ]]
	run -2 --separate-stderr "${b[@]}" some.csv
	[[ $stderr == *"unexpected argument 'some.csv'"* ]]
	run -2 --separate-stderr bp-fetch binance --interval 1h
	[[ $stderr == *"--symbol and --interval are required"* ]]
	run -2 --separate-stderr bp-fetch binance --symbol BTCUSDT
	[[ $stderr == *"--symbol and --interval are required"* ]]
	# options of other commands, and --extra (Binance only)
	run -2 --separate-stderr "${b[@]}" --timeframe 1h
	run -2 --separate-stderr "${b[@]}" --batch 10
	run -2 --separate-stderr bp-fetch coinbase --symbol BTC-USD --interval 1h --extra
	run -2 --separate-stderr bp-fetch db --symbol X --timeframe 1h --since cache
	[ ! -e requests.log ] || [ ! -s requests.log ]
}

# ---- Binance: pages --------------------------------------------------------

@test "binance: one page, the exact request, the same bars as the CSV reader" {
	serve
	run -0 --separate-stderr bp-fetch binance --symbol BTCUSDT --interval 1h \
		--since 2024-01-01 --until 2024-01-01T02:00:00Z -o out.zst
	[ -z "$stderr" ]
	check_golden bp-fetch binance-one-page out.zst
	# one GET, with the documented parameters and our User-Agent
	[ "$(cat requests.log)" = "$(printf '%s\t%s' \
		'/api/v3/klines?symbol=BTCUSDT&interval=1h&startTime=1704067200000&endTime=1704074400000&limit=1000' \
		"barpipe/$(bp-fetch --version | cut -d' ' -f2)")" ]
	# the same klines as a Binance CSV read by bp-fetch csv
	cmp <(unz out.zst) <(bp-fetch csv --symbol BTCUSDT --plain "$FIX/fetch/binance-ms.csv")
	run -0 bp-fetch binance --symbol BTCUSDT --interval 1h --extra --plain \
		--since 2024-01-01 --until 2024-01-01T02:00:00Z
	cmp <(printf '%s\n' "${lines[@]}") \
		<(bp-fetch csv --symbol BTCUSDT --extra --plain "$FIX/fetch/binance-ms.csv")
}

@test "binance: pagination across 3 pages by startTime, with the default throttle" {
	serve
	run -0 --separate-stderr pages -v -o out.zst
	[[ $stderr == *"binance: 3 pages in 3 requests, 10 bars of BTCUSDT 1h"* ]]
	check_golden bp-fetch binance-pages out.zst
	# startTime = last open time + 1 ms; the short third page ends the walk
	[ "$(requests)" = "$(printf '%s\n' \
		'/api/v3/klines?symbol=BTCUSDT&interval=1h&startTime=1601244000000&limit=4' \
		'/api/v3/klines?symbol=BTCUSDT&interval=1h&startTime=1601254800001&limit=4' \
		'/api/v3/klines?symbol=BTCUSDT&interval=1h&startTime=1601269200001&limit=4')" ]
	# the pages hold the sample's last ten hours (CryptoDataDownload export)
	cmp <(unz out.zst) <(bp-fetch csv --symbol BTCUSDT --plain "$SAMPLE/BTCUSDT-1h.csv" | tail -n 10)
}

@test "binance: the still-open last candle is dropped unless --include-partial" {
	# the server's clock: 07:12:34, inside the 07:00 bar
	serve "$F/routes" 2020-09-28T07:12:34Z
	run -0 --separate-stderr pages --throttle 0 -v --plain
	[ "${#lines[@]}" -eq 9 ]
	[[ ${lines[8]} == '{"ts":"2020-09-28T06:00:00Z",'* ]]
	[[ $stderr == *"dropped the bar opened at 2020-09-28T07:00:00Z: it closes at 2020-09-28T08:00:00Z"* ]]
	run -0 --separate-stderr pages --throttle 0 --include-partial --plain
	[ "${#lines[@]}" -eq 10 ]
	[[ ${lines[9]} == '{"ts":"2020-09-28T07:00:00Z",'*'"volume":258.5}' ]]
	[ -z "$stderr" ]
	# without --since: one page of the most recent klines
	run -0 --separate-stderr bp-fetch binance --symbol BTCUSDT --interval 1h --limit 4 --plain
	[ "${#lines[@]}" -eq 1 ]
	[[ ${lines[0]} == '{"ts":"2020-09-28T06:00:00Z",'* ]]
	[ "$(requests | tail -n1)" = '/api/v3/klines?symbol=BTCUSDT&interval=1h&limit=4' ]
}

@test "binance: no bars in the range is a warning and an empty stream" {
	serve
	run -0 --separate-stderr pages --since 2020-09-28T07:00:00.001Z --plain
	[ -z "$output" ]
	[ "$stderr" = "bp-fetch: warning: no bars of BTCUSDT 1h from binance in that range" ]
	[ "$(requests)" = '/api/v3/klines?symbol=BTCUSDT&interval=1h&startTime=1601276400001&limit=4' ]
}

@test "binance: the 07:00 bar is open at 07:59:59 and closed at 08:00:00" {
	serve "$F/routes" 2020-09-28T07:59:59Z
	run -0 pages --throttle 0 --plain
	[ "${#lines[@]}" -eq 9 ]
	teardown
	serve "$F/routes" 2020-09-28T08:00:00Z
	run -0 pages --throttle 0 --plain
	[ "${#lines[@]}" -eq 10 ]
}

# ---- the cache -------------------------------------------------------------

@test "binance: --store round trip: the cache streams back what was written" {
	command -v sqlite3 >/dev/null || skip "sqlite3 shell not installed"
	serve
	run -0 pages --throttle 0 --store -o out.ndjson --plain
	run -0 bp-fetch db --symbol BTCUSDT --timeframe 1h --plain -o back.ndjson
	cmp out.ndjson back.ndjson
	[ "$(wc -l <back.ndjson)" -eq 10 ]
	[ "$(sqlite3 "$DB" 'SELECT DISTINCT symbol || timeframe FROM bars')" = BTCUSDT1h ]
}

@test "binance: --since cache resumes after the last cached bar" {
	command -v sqlite3 >/dev/null || skip "sqlite3 shell not installed"
	serve
	# nothing cached yet: a clear error, no request
	run -1 --separate-stderr bp-fetch binance --symbol BTCUSDT --interval 1h --since cache
	[[ $stderr == *"no bars of BTCUSDT 1h in '$DB' to resume after: fetch a first range with --since <time> --store"* ]]
	[ ! -s requests.log ]
	# a first range up to 01:00, then the rest
	run -0 pages --throttle 0 --until 2020-09-28T01:00:00Z --store --plain
	[ "${#lines[@]}" -eq 4 ]
	run -0 --separate-stderr bp-fetch binance --symbol BTCUSDT --interval 1h \
		--since cache --limit 4 --throttle 0 --store --plain -v
	[[ $stderr == *"resuming after the cached bar of 2020-09-28T01:00:00Z"* ]]
	[ "${#lines[@]}" -eq 6 ]
	[[ ${lines[0]} == '{"ts":"2020-09-28T02:00:00Z",'* ]]
	[[ ${lines[5]} == '{"ts":"2020-09-28T07:00:00Z",'* ]]
	[ "$(requests | sed -n 2p)" = '/api/v3/klines?symbol=BTCUSDT&interval=1h&startTime=1601254800001&limit=4' ]
	# the cache now holds the ten bars the three pages hold
	cmp <(bp-fetch db --symbol BTCUSDT --timeframe 1h --plain) \
		<(pages --throttle 0 --plain)
	# nothing new: an empty stream and exit 0, quietly
	run -0 --separate-stderr bp-fetch binance --symbol BTCUSDT --interval 1h \
		--since cache --limit 4 --store --plain
	[ -z "$output" ]
	[ -z "$stderr" ]
	[ "$(sqlite3 "$DB" 'SELECT count(*) FROM bars')" -eq 10 ]
	# a cache that already reaches --until: no request at all
	: >requests.log
	run -0 --separate-stderr bp-fetch binance --symbol BTCUSDT --interval 1h \
		--since cache --until 2020-09-28T05:00:00Z --plain
	[ -z "$output" ]
	[ ! -s requests.log ]
}

@test "binance: a failure on page 3 stores nothing and writes nothing" {
	command -v sqlite3 >/dev/null || skip "sqlite3 shell not installed"
	sed 's/ 200 btc-p3.json/ 503 server-error.json/' "$F/routes" >routes
	sed -i "s| \([a-z0-9-]*\.json\)| $F/\1|" routes
	serve routes
	run -1 --separate-stderr pages --throttle 0 --retries 0 --store -o out.zst
	[[ $stderr == *"HTTP 503 Service Unavailable"* ]]
	[ ! -e out.zst ]
	no_temp_left .
	[ "$(sqlite3 "$DB" 'SELECT count(*) FROM bars' 2>/dev/null || echo 0)" -eq 0 ]
}

# ---- HTTP errors, retries ---------------------------------------------------

@test "binance: HTTP 429 with Retry-After, then success: waited and retried once" {
	{
		echo "/api/v3/klines?symbol=BTCUSDT&interval=1h&startTime=1601244000000&limit=4 429 $F/rate-limit.json times=1 retry-after=1"
		grep -v '^#' "$F/routes" | sed "s| \([a-z0-9-]*\.json\)| $F/\1|"
	} >routes
	serve routes
	run -0 --separate-stderr pages --throttle 0 --retry-wait 10ms --plain
	[ "${#lines[@]}" -eq 10 ]
	[[ $stderr == *"warning: get '$URL/api/v3/klines?symbol=BTCUSDT&interval=1h&startTime=1601244000000&limit=4': HTTP 429 Too Many Requests: Too many requests; current limit of IP(127.0.0.1) is 6000 requests per minute. (code -1003); retrying in 1s (1 of 5)"* ]]
	[ "$(requests | head -n2 | uniq -c | awk '{print $1}')" -eq 2 ]
	[ "$(wc -l <requests.log)" -eq 4 ]
}

@test "binance: HTTP 500 forever: a clear error after N retries, exit 1, no -o" {
	echo "/api/v3/klines?symbol=BTCUSDT&interval=1h&startTime=1601244000000&limit=4 500 $F/server-error.json" >routes
	serve routes
	run -1 --separate-stderr pages --retries 2 --retry-wait 10ms -o out.zst
	[[ $stderr == *"warning: get '$URL/api/v3/klines?"*"HTTP 500 Internal Server Error"*"retrying in 10ms (1 of 2)"* ]]
	[[ $stderr == *"retrying in 20ms (2 of 2)"* ]]
	[[ $(tail -n1 <<<"$stderr") == "bp-fetch: cannot get '$URL/api/v3/klines?symbol=BTCUSDT&interval=1h&startTime=1601244000000&limit=4': HTTP 500 Internal Server Error: Internal error; unable to process your request. Please try again. (code -1001) (after 2 retries)" ]]
	[ "$(wc -l <requests.log)" -eq 3 ]
	[ ! -e out.zst ]
	no_temp_left .
	# --retries 0: one request only
	: >requests.log
	run -1 --separate-stderr pages --retries 0 --plain
	[ "$(wc -l <requests.log)" -eq 1 ]
	[[ $stderr != *"after"* ]]
}

@test "binance: an empty reply is retried; a long Retry-After is not waited for" {
	{
		echo "/api/v3/klines?symbol=BTCUSDT&interval=1h&startTime=1601244000000&limit=4 close - times=1"
		echo "/api/v3/klines?symbol=BTCUSDT&interval=1h&startTime=1601244000000&limit=4 200 $F/btc-p1.json"
		echo "/api/v3/klines?symbol=BTCUSDT&interval=1h&startTime=1601254800001&limit=4 418 $F/rate-limit.json retry-after=7200"
	} >routes
	serve routes
	run -1 --separate-stderr pages --retry-wait 10ms --throttle 0 --plain
	[[ $stderr == *"Empty reply from server; retrying in 10ms (1 of 5)"* ]]
	[[ $stderr == *"startTime=1601254800001&limit=4': HTTP 418 I'm a teapot: Too many requests;"*"the server asks to wait 2h, longer than 120s"* ]]
	[ "$(wc -l <requests.log)" -eq 3 ]
	[ -z "$output" ]
}

@test "binance: HTTP 400 names the URL and Binance's message, no retry" {
	serve
	run -1 --separate-stderr bp-fetch binance --symbol NOPE --interval 1h --since 2024-01-01 --plain
	[ "$stderr" = "bp-fetch: cannot get '$URL/api/v3/klines?symbol=NOPE&interval=1h&startTime=1704067200000&limit=1000': HTTP 400 Bad Request: Invalid symbol. (code -1121)" ]
	[ "$(wc -l <requests.log)" -eq 1 ]
	[ -z "$output" ]
}

@test "binance: malformed JSON is an error naming the URL" {
	serve
	run -1 --separate-stderr bp-fetch binance --symbol MALFORMED --interval 1h --since 2024-01-01 -o out.zst
	[[ $stderr == "bp-fetch: bad answer from '$URL/api/v3/klines?symbol=MALFORMED&interval=1h&startTime=1704067200000&limit=1000': not JSON: "*"(line 3, column 92)" ]]
	[ ! -e out.zst ]
	no_temp_left .
}

@test "binance: a refused connection is an error naming the URL" {
	run -1 --separate-stderr bp-fetch binance --symbol BTCUSDT --interval 1h \
		--since 2024-01-01 --base-url "http://127.0.0.1:$DEAD/" -o out.zst
	[[ $stderr == "bp-fetch: cannot get 'http://127.0.0.1:$DEAD/api/v3/klines?symbol=BTCUSDT&interval=1h&startTime=1704067200000&limit=1000': "*"onnect"* ]]
	[ "$(wc -l <<<"$stderr")" -eq 1 ]
	[ ! -e out.zst ]
}

@test "binance: a bad kline fails validation naming the URL and its position" {
	serve
	run -1 --separate-stderr bp-fetch binance --symbol BADOHLC --interval 1h --since 2024-01-01 --plain
	[ "$stderr" = "bp-fetch: $URL/api/v3/klines?symbol=BADOHLC&interval=1h&startTime=1704067200000&limit=1000:2: 'high' 42600 is below max(open, close) 42613.56" ]
	[ -z "$output" ]
	run -0 --separate-stderr bp-fetch binance --symbol BADOHLC --interval 1h --since 2024-01-01 --plain --on-bad skip
	[ "${#lines[@]}" -eq 2 ]
	[[ $stderr == *"warning: "*"gap"* ]]
}

@test "binance: --base-url wins over BARPIPE_BINANCE_URL" {
	serve
	BARPIPE_BINANCE_URL=http://127.0.0.1:$DEAD run -0 bp-fetch binance --symbol BTCUSDT \
		--interval 1h --since 2024-01-01 --until 2024-01-01T02:00:00Z --plain --base-url "$URL/"
	[ "${#lines[@]}" -eq 3 ]
	run -1 --separate-stderr bp-fetch binance --symbol BTCUSDT --interval 1h --since 2024-01-01 \
		--until 2024-01-01T02:00:00Z --plain --base-url "http://127.0.0.1:$DEAD"
}

# ---- the house rules ---------------------------------------------------------

@test "binance: writing to /dev/full fails with exit 1" {
	serve
	run -1 --separate-stderr bash -c "bp-fetch binance --symbol BTCUSDT --interval 1h \
		--since 2024-01-01 --until 2024-01-01T02:00:00Z >/dev/full"
	[[ $stderr == *"<stdout>"* ]]
}

@test "binance: two runs give the same bytes" {
	serve
	pages --throttle 0 -o a.zst
	pages --throttle 0 -o b.zst
	cmp a.zst b.zst
}

# ---- Coinbase ---------------------------------------------------------------

@test "coinbase: windows of --limit candles, newest first, put in time order" {
	serve
	run -0 --separate-stderr bp-fetch coinbase --symbol BTC-USD --interval 1h \
		--since $P3 --until 2020-09-28T07:00:00Z --limit 4 --throttle 0 -o cb.zst
	[ "$(requests)" = "$(printf '%s\n' \
		'/products/BTC-USD/candles?granularity=3600&start=2020-09-27T22:00:00Z&end=2020-09-28T01:00:00Z' \
		'/products/BTC-USD/candles?granularity=3600&start=2020-09-28T02:00:00Z&end=2020-09-28T05:00:00Z' \
		'/products/BTC-USD/candles?granularity=3600&start=2020-09-28T06:00:00Z&end=2020-09-28T07:00:00Z')" ]
	# the same ten bars as the Binance pages (the second window also sends
	# the 01:00 candle before its start, which is dropped)
	cmp <(unz cb.zst | sed 's/"BTC-USD"/"BTCUSDT"/') <(pages --throttle 0 --plain)
	# --since between bar boundaries starts at the next one
	: >requests.log
	run -0 bp-fetch coinbase --symbol BTC-USD --interval 1h --since 2020-09-27T21:30:00Z \
		--until 2020-09-28T01:00:00Z --limit 4 --throttle 0 --plain
	[ "${#lines[@]}" -eq 4 ]
	[[ $(requests) == *"start=2020-09-27T22:00:00Z&end=2020-09-28T01:00:00Z" ]]
}

@test "coinbase: without --until the walk stops at the server's clock" {
	serve "$F/routes" 2020-09-28T07:30:00Z
	run -0 --separate-stderr bp-fetch coinbase --symbol BTC-USD --interval 1h \
		--since $P3 --limit 4 --throttle 0 --plain -v
	[ "$(wc -l <requests.log)" -eq 3 ]
	# the 07:00 candle is still open at 07:30
	[ "${#lines[@]}" -eq 9 ]
	[[ $stderr == *"dropped the bar opened at 2020-09-28T07:00:00Z"* ]]
}

# ---- the man page -------------------------------------------------------------

@test "rest: the man page's network examples run against recorded answers" {
	local page=$ROOT/man/man1/bp-fetch.1 n=0
	serve
	awk '/^\.Sh EXAMPLES/ { on = 1; next } /^\.Sh / { on = 0 }
	     on && /^\.Bd -literal/ { blk = 1; n++; next }
	     on && /^\.Ed/ { blk = 0; next }
	     blk { gsub(/\\e/, "\\"); print > ("example." n ".sh") }' "$page"
	for ex in $(grep -l '^# needs the network' example.*.sh); do
		n=$((n + 1))
		run -0 --separate-stderr bash -c "cd '$ROOT' && . '$PWD/$ex'"
		[ -n "$output" ] || { echo "$ex printed nothing"; false; }
		[ -z "$stderr" ] || { echo "$ex: $stderr"; false; }
	done
	[ "$n" -eq 3 ]
	# the cron example added the 02:00 bar after the first range
	run -0 bp-fetch db --symbol BTCUSDT --timeframe 1h --plain
	[ "${#lines[@]}" -eq 3 ]
	[[ ${lines[2]} == '{"ts":"2024-01-01T02:00:00Z",'* ]]
	# one request per example command
	[ "$(wc -l <requests.log)" -eq 4 ]
}
