#!/usr/bin/env bats
# bp-fetch: the bar cache (csv --store, db, db --list, prune), batches and
# two writers at once.
load helper

setup() {
	bp_setup
	# the tests look into the database with the sqlite3 shell (make deps)
	command -v sqlite3 >/dev/null || skip "sqlite3 shell not installed"
}

F=$FIX/fetch
DB=$BATS_TEST_TMPDIR/home/barpipe.db

@test "db: CSV -> cache -> stream gives the same bars (BTC, SPY, HistData, Binance us)" {
	run -0 bp-fetch csv --symbol BTCUSDT --store -o btc.zst "$SAMPLE/BTCUSDT-1h.csv"
	[ -f "$DB" ]
	run -0 bp-fetch db --symbol BTCUSDT --timeframe 1h -o back.zst
	cmp <(unz btc.zst) <(unz back.zst)
	[ "$(unz back.zst | wc -l)" -eq 8760 ]
	bp-fetch csv -q --symbol SPY --store --plain "$SAMPLE/SPY-1d.csv" >spy.out
	bp-fetch db --symbol SPY --timeframe 1d --plain >spy.back
	cmp spy.out spy.back
	bp-fetch csv -q --symbol EURUSD --store --plain "$F/histdata-eurusd.csv" >eur.out
	bp-fetch db --symbol EURUSD --timeframe 1m --plain >eur.back
	cmp eur.out eur.back
	bp-fetch csv --symbol BTCUSDT --store --timeframe 1h --plain "$F/binance-us.csv" >us.out
	bp-fetch db --symbol BTCUSDT --timeframe 1h --since 2025-01-01 --plain >us.back
	cmp us.out us.back
}

@test "db: the timeframe key is canonical (60m is 1h)" {
	bp-fetch csv --symbol X --store --timeframe 60m --plain "$F/binance-ms.csv" >a.out
	run -0 bp-fetch db --symbol X --timeframe 1h --plain
	[ "${#lines[@]}" -eq 3 ]
	[ "$(sqlite3 "$DB" 'SELECT DISTINCT timeframe FROM bars')" = 1h ]
}

@test "db: --since, --until and --last select in time order" {
	bp-fetch csv --symbol BTCUSDT --store -o /dev/stdout "$SAMPLE/BTCUSDT-1h.csv" >/dev/null
	run -0 bp-fetch db --symbol BTCUSDT --timeframe 1h --since 2020-09-28 --plain
	[ "${#lines[@]}" -eq 8 ]
	[[ ${lines[0]} == '{"ts":"2020-09-28T00:00:00Z",'* ]]
	run -0 bp-fetch db --symbol BTCUSDT --timeframe 1h --until 2019-09-29T10:00:00Z --plain
	[ "${#lines[@]}" -eq 3 ]
	[[ ${lines[2]} == '{"ts":"2019-09-29T10:00:00Z",'* ]]
	run -0 bp-fetch db --symbol BTCUSDT --timeframe 1h --last 5 --plain
	[ "${#lines[@]}" -eq 5 ]
	[[ ${lines[0]} == '{"ts":"2020-09-28T03:00:00Z",'* ]]
	[[ ${lines[4]} == '{"ts":"2020-09-28T07:00:00Z",'* ]]
	run -0 bp-fetch db --symbol BTCUSDT --timeframe 1h --until 2020-01-01 --last 2 --plain
	[ "$(jq -r .ts <<<"$output" | tr '\n' ' ')" = "2019-12-31T23:00:00Z 2020-01-01T00:00:00Z " ]
	# epoch seconds work as times too
	run -0 bp-fetch db --symbol BTCUSDT --timeframe 1h --since 1601276400 --plain
	[ "${#lines[@]}" -eq 1 ]
}

@test "db: nothing cached for a symbol is a warning, not an error" {
	run -0 --separate-stderr bp-fetch db --symbol NOPE --timeframe 1h --plain
	[ -z "$output" ]
	[[ $stderr == *"warning: no bars of NOPE 1h in"* ]]
}

@test "db: --list shows symbol, timeframe, first, last, count, gaps" {
	bp-fetch csv -q --symbol BTCUSDT --store "$SAMPLE/BTCUSDT-1h.csv" >/dev/null
	bp-fetch csv -q --symbol SPY --store "$SAMPLE/SPY-1d.csv" >/dev/null
	bp-fetch csv -q --symbol X --store "$F/unsorted.csv" >/dev/null
	run -0 bp-fetch db --list -o list.zst
	[ "$(unz list.zst)" = '{"symbol":"BTCUSDT","timeframe":"1h","first":"2019-09-29T08:00:00Z","last":"2020-09-28T07:00:00Z","count":8760,"gaps":0}
{"symbol":"SPY","timeframe":"1d","first":"2014-01-02T00:00:00Z","last":"2024-02-13T00:00:00Z","count":2546,"gaps":549}
{"symbol":"X","timeframe":"1h","first":"2024-01-01T00:00:00Z","last":"2024-01-01T06:00:00Z","count":5,"gaps":1}' ]
}

@test "db: storing again replaces the values of the same bars" {
	bp-fetch csv -q --symbol X --store "$F/binance-ms.csv" >/dev/null
	sed 's/42581.10/42600.5/' "$F/binance-ms.csv" >changed.csv
	bp-fetch csv -q --symbol X --store changed.csv >/dev/null
	[ "$(sqlite3 "$DB" 'SELECT count(*), max(ts) FROM bars')" = "3|1704074400000" ]
	run -0 bp-fetch db --symbol X --timeframe 1h --last 1 --plain
	[[ $output == *'"close":42600.5,'* ]]
}

@test "db: a failure rolls back its batch; batches committed before it stay" {
	# rows 1-4 (00:00-03:00) go in two committed batches of 2; row 6 cannot be stored
	# (no close), so the batch of rows 5-6 is rolled back: 4 bars remain
	printf 'ts,open,high,low,close,volume\n' >b.csv
	for h in 00 01 02 03 04; do
		printf '2024-01-01T%s:00:00Z,1,2,0.5,1.5,10\n' "$h" >>b.csv
	done
	printf '2024-01-01T05:00:00Z,1,2,0.5,,10\n' >>b.csv
	run -1 --separate-stderr bp-fetch csv --symbol X --on-bad report --store --batch 2 -o out.zst b.csv
	[[ $stderr == *"cannot store the 2024-01-01T05:00:00Z bar of X: a value is missing"* ]]
	[ ! -e out.zst ]
	no_temp_left .
	[ "$(sqlite3 "$DB" 'SELECT count(*), max(ts) FROM bars')" = "4|1704078000000" ]
}

@test "db: a database error mid-way commits nothing half-done" {
	bp-fetch db --list >/dev/null	# creates the database
	sqlite3 "$DB" "CREATE TRIGGER boom BEFORE INSERT ON bars WHEN NEW.ts = 1704074400000 BEGIN SELECT RAISE(ABORT, 'injected failure'); END;"
	run -1 --separate-stderr bp-fetch csv --symbol X --store --batch 2 --plain "$F/binance-ms.csv"
	[[ $stderr == *"cannot store bars"*"injected failure"* ]]
	# the first batch (2 bars) is committed, the third bar is not
	[ "$(sqlite3 "$DB" 'SELECT count(*) FROM bars')" = 2 ]
	run -1 --separate-stderr bp-fetch csv --symbol X --store --batch 5 --plain "$F/binance-ms.csv"
	[ "$(sqlite3 "$DB" 'SELECT count(*) FROM bars')" = 2 ]
}

@test "db: two writers at once (overlapping data) neither corrupt nor lose bars" {
	# newest 6000 rows and oldest 6000 rows of the sample: 3240 overlap
	head -n 6002 "$SAMPLE/BTCUSDT-1h.csv" >new.csv
	{ head -n 2 "$SAMPLE/BTCUSDT-1h.csv"; tail -n 6000 "$SAMPLE/BTCUSDT-1h.csv"; } >old.csv
	bp-fetch csv -q --symbol BTCUSDT --plain "$SAMPLE/BTCUSDT-1h.csv" >all.out
	for round in 1 2 3; do
		rm -f "$DB" "$DB-wal" "$DB-shm"
		bp-fetch csv -q --symbol BTCUSDT --timeframe 1h --store --batch 50 new.csv >/dev/null &
		p1=$!
		bp-fetch csv -q --symbol BTCUSDT --timeframe 1h --store --batch 37 old.csv >/dev/null &
		p2=$!
		wait "$p1"
		wait "$p2"
		[ "$(sqlite3 "$DB" 'PRAGMA integrity_check')" = ok ]
		[ "$(sqlite3 "$DB" 'SELECT count(*) FROM bars')" = 8760 ]
		bp-fetch db --symbol BTCUSDT --timeframe 1h --plain >db.out
		cmp all.out db.out
	done
}

@test "prune: --before deletes older bars and says how many" {
	bp-fetch csv -q --symbol BTCUSDT --store "$SAMPLE/BTCUSDT-1h.csv" >/dev/null
	bp-fetch csv -q --symbol SPY --store "$SAMPLE/SPY-1d.csv" >/dev/null
	# counted outside the cache, with jq on the CSV stream
	want=$(bp-fetch csv -q --symbol BTCUSDT --plain "$SAMPLE/BTCUSDT-1h.csv" |
		jq -s '[.[] | select(.ts < "2020-01-01")] | length')
	[ "$want" -eq 2248 ]
	run -0 bp-fetch prune --before 2020-01-01 --symbol BTCUSDT
	[ "$output" = '{"deleted":2248,"before":"2020-01-01T00:00:00Z","symbol":"BTCUSDT","timeframe":null}' ]
	run -0 bp-fetch db --list --plain
	[[ ${lines[0]} == '{"symbol":"BTCUSDT","timeframe":"1h","first":"2020-01-01T00:00:00Z","last":"2020-09-28T07:00:00Z","count":6512,"gaps":0}' ]]
	[[ ${lines[1]} == '{"symbol":"SPY",'*'"count":2546,'* ]]
	run -0 bp-fetch prune --before 2020-01-01 --timeframe 1d
	[[ $output == '{"deleted":1510,"before":"2020-01-01T00:00:00Z","symbol":null,"timeframe":"1d"}' ]]
}

@test "prune: --older-than is relative to now" {
	bp-fetch csv -q --symbol BTCUSDT --store "$SAMPLE/BTCUSDT-1h.csv" >/dev/null
	now=$(date -u +%Y-%m-%dT%H:00:00Z)
	printf 'ts,open,high,low,close,volume\n%s,1,2,0.5,1.5,10\n' "$now" >now.csv
	bp-fetch csv -q --symbol NOW --timeframe 1h --store now.csv >/dev/null
	run -0 bp-fetch prune --older-than 90d -o report.json
	[ "$(jq -c .deleted report.json)" = 8760 ]
	run -0 bp-fetch db --list --plain
	[[ $output == '{"symbol":"NOW",'*'"count":1,'* ]]
	no_temp_left .
}

@test "db, prune: usage errors and database errors" {
	run -2 --separate-stderr bp-fetch db
	[[ $stderr == *"give --list, or --symbol and --timeframe"* ]]
	run -2 --separate-stderr bp-fetch db --symbol X
	run -2 --separate-stderr bp-fetch db --list extra
	[[ $stderr == *"unexpected argument 'extra'"* ]]
	run -2 --separate-stderr bp-fetch db --list --last 0
	run -2 --separate-stderr bp-fetch db --list --since yesterday
	[[ $stderr == *"--since: 'yesterday' is not a time"* ]]
	run -2 --separate-stderr bp-fetch prune
	[[ $stderr == *"give one of --older-than and --before"* ]]
	run -2 --separate-stderr bp-fetch prune --older-than 90d --before 2020-01-01
	run -2 --separate-stderr bp-fetch prune --older-than ninety
	[[ $stderr == *"--older-than: 'ninety' is not a duration"* ]]
	mkdir ro
	run -1 --separate-stderr bp-fetch db --list --db ro/nodir/x.db
	[[ $stderr == *"cannot open database 'ro/nodir/x.db'"* ]]
	echo "not a database" >junk.db
	run -1 --separate-stderr bp-fetch db --list --db junk.db
	[[ $stderr == *"junk.db"* ]]
}

@test "db: --store needs a timeframe for a single bar; /dev/full; --db" {
	printf 'ts,open,high,low,close,volume\n2024-01-01T00:00:00Z,1,2,0.5,1.5,10\n' >one.csv
	run -1 --separate-stderr bp-fetch csv --symbol X --store --plain one.csv
	[[ $stderr == *"cannot tell the timeframe of fewer than two bars: give --timeframe"* ]]
	run -0 bp-fetch csv --symbol X --store --timeframe 1d --db my.db --plain one.csv
	[ "$(sqlite3 my.db 'SELECT symbol, timeframe, ts FROM bars')" = "X|1d|1704067200000" ]
	[ ! -e "$DB" ]
	run -1 --separate-stderr bash -c "bp-fetch db --db my.db --symbol X --timeframe 1d >/dev/full"
}

@test "db: six processes creating the same new database at once all succeed" {
	# switching a new database to WAL used to fail with "database is
	# locked" for one of two processes racing to create it (1 in 60 here)
	local round k fails=0
	for round in $(seq 1 20); do
		rm -rf "$BARPIPE_HOME"
		for k in 1 2 3 4 5 6; do
			bp-fetch db --list --plain >/dev/null 2>>err.log &
		done
		wait
	done
	[ ! -s err.log ] || { cat err.log; false; }
	[ "$(sqlite3 "$DB" 'PRAGMA journal_mode')" = wal ]
}
