#!/usr/bin/env bash
# bench/fetch-rest.sh: bp-fetch binance against the shell way of doing the
# same (curl per page, jq turning klines into bar rows), on loopback only.
# Generates 100 Binance kline pages of 1000 one-minute klines (100,000
# bars, real Binance format) in bench/out/ once, serves them with the
# tests' fixture server (tests/unit/httpd-fixture, built by make) on
# 127.0.0.1, then times:
#   bp-fetch binance --plain    100 requests, parse, validate, write NDJSON
#   bp-fetch binance (zstd)     the same, zstd-compressed
#   curl | jq                   one curl and one jq per page (the peer)
# --throttle 0 in both: the default 200 ms pause would measure the pause.
# Reports wall seconds and bars/s on wall and on user+system CPU time of
# the client side.  Results: bench/out/fetch-rest.txt
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=$PWD/bin:$PATH
out=bench/out/rest
mkdir -p "$out"
httpd=tests/unit/httpd-fixture
pages=100 per=1000 t0=1502942400000 step=60000
bars=$((pages * per))
[ -x "$httpd" ] || { echo "fetch-rest: build $httpd first (make)"; exit 1; }

if [ ! -s "$out/routes" ]; then
	# a deterministic random walk (awk's srand(1)), one file per page
	awk -v pages="$pages" -v per="$per" -v t0="$t0" -v step="$step" \
	    -v dir="$out" 'BEGIN {
		srand(1); p = 4000
		for (k = 0; k < pages; k++) {
			f = dir "/page-" k ".json"
			printf "[" >f
			for (i = 0; i < per; i++) {
				t = t0 + (k * per + i) * step
				o = p; c = p * (1 + (rand() - 0.5) * 0.004)
				h = (o > c ? o : c) * (1 + rand() * 0.001)
				l = (o < c ? o : c) * (1 - rand() * 0.001)
				v = rand() * 1000
				printf "%s[%.0f,\"%.8f\",\"%.8f\",\"%.8f\",\"%.8f\",\"%.8f\",%.0f,\"%.8f\",%d,\"%.8f\",\"%.8f\",\"0\"]",
					i ? "," : "", t, o, h, l, c, v, t + step - 1,
					v * c, int(rand() * 5000) + 1, v / 2,
					v * c / 2 >f
				p = c
			}
			print "]" >f
			close(f)
		}
	}'
	last=$((t0 + (bars - 1) * step))
	for k in $(seq 0 $((pages - 1))); do
		if [ "$k" -eq 0 ]; then s=$t0; else s=$((t0 + (k * per - 1) * step + 1)); fi
		echo "/api/v3/klines?symbol=BTCUSDT&interval=1m&startTime=$s&endTime=$last&limit=1000 200 page-$k.json"
	done >"$out/routes"
fi
last=$((t0 + (bars - 1) * step))

rm -f "$out/port"
"$httpd" -r "$out/routes" -p "$out/port" -t 600 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s "$out/port" ] && break; sleep 0.05; done
url=http://127.0.0.1:$(cat "$out/port")
export NO_PROXY=127.0.0.1 no_proxy=127.0.0.1

report=bench/out/fetch-rest.txt
: >"$report"
# run NAME CMD...: time CMD (output discarded), print wall s and bars/s
run() {
	local name=$1 t
	shift
	/usr/bin/time -o "$out/time" -f '%e %U %S' "$@" >/dev/null
	t=$(tail -n1 "$out/time")
	awk -v name="$name" -v n="$bars" -v t="$t" 'BEGIN {
		split(t, a, " "); cpu = a[2] + a[3]
		printf "%-30s %6.2f s wall %8.0f bars/s wall %8.0f bars/s cpu\n",
			name, a[1], n / a[1], (cpu > 0 ? n / cpu : 0)
	}' | tee -a "$report"
}

bp() {
	bp-fetch binance --symbol BTCUSDT --interval 1m --since "$t0" \
		--until "$last" --base-url "$url" --throttle 0 -o /dev/null "$@"
}

# the peer: what a shell user would write
peer() {
	local s
	for k in $(seq 0 $((pages - 1))); do
		if [ "$k" -eq 0 ]; then s=$t0; else s=$((t0 + (k * per - 1) * step + 1)); fi
		curl -s "$url/api/v3/klines?symbol=BTCUSDT&interval=1m&startTime=$s&endTime=$last&limit=1000" |
			jq -c '.[] | {ts: (.[0] / 1000 | todate), symbol: "BTCUSDT",
				open: (.[1] | tonumber), high: (.[2] | tonumber),
				low: (.[3] | tonumber), close: (.[4] | tonumber),
				volume: (.[5] | tonumber)}'
	done
}
export -f bp peer
export url t0 last pages per step

echo "bp-fetch binance, $pages pages of $per klines ($bars bars) from 127.0.0.1; load: $(cut -d' ' -f1-3 /proc/loadavg)" |
	tee -a "$report"
# the two paths give the same bars (the peer has no validation)
cmp <(bp --plain -o - 2>/dev/null) <(peer) >/dev/null 2>&1 &&
	echo "same bars as curl | jq: yes" | tee -a "$report" ||
	echo "same bars as curl | jq: NO" | tee -a "$report"
run "bp-fetch binance --plain" bash -c 'bp --plain'
run "bp-fetch binance (zstd)" bash -c bp
if command -v curl >/dev/null && command -v jq >/dev/null; then
	run "curl | jq (per page)" bash -c peer
else
	echo "curl | jq: curl or jq not installed" | tee -a "$report"
fi
