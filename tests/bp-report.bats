#!/usr/bin/env bats
# bp-report: the command line, the HTML page (self-contained, rendered
# without errors by a headless chromium), the monthly table by hand and the
# text summary.
load helper

setup() { bp_setup; }

BT=$BATS_TEST_DIRNAME/fixtures/backtest

# a backtest of the two-symbol fixture with all three outputs
backtest() {
	bp-backtest --fee-bps 10 --sl 5% --summary summary.json \
		--equity equity.zst --trades trades.zst "$BT/portfolio.ndjson"
}

# chromium FILE: dump the DOM of FILE into dom.html, its log into log.txt
chromium_dump() {
	command -v chromium >/dev/null || skip "chromium not installed"
	local profile
	profile=$(mktemp -d)
	timeout 120 chromium --headless --no-sandbox --disable-gpu \
		--disable-quic --no-first-run --disable-background-networking \
		--disable-component-update --disable-sync \
		--user-data-dir="$profile" --enable-logging=stderr --v=0 \
		--dump-dom "file://$PWD/$1" >dom.html 2>log.txt
	rm -rf "$profile"
}

@test "bp-report: --help on stdout, exit 0" {
	run -0 --separate-stderr bp-report --help
	[[ $output == usage:\ bp-report* ]]
	[[ $output == *"bp-report(1)"* ]]
	[ -z "$stderr" ]
}

@test "bp-report: --version is one line" {
	run -0 bp-report --version
	[[ $output =~ ^bp-report\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
}

@test "bp-report: usage errors exit 2" {
	run -2 --separate-stderr bp-report --bogus
	[[ $stderr == *"Try 'bp-report --help'"* ]]
	run -2 --separate-stderr bp-report
	[[ $stderr == *"--summary is required"* ]]
	run -2 --separate-stderr bp-report --summary s.json --width 0
	[[ $stderr == *"--width: '0' is not an integer in [1, 1000]"* ]]
	run -2 --separate-stderr bp-report --summary s.json extra
	[[ $stderr == *"unexpected argument 'extra'"* ]]
}

@test "bp-report: missing and malformed inputs exit 1 naming them" {
	run -1 --separate-stderr bp-report --summary nope.json
	[[ $stderr == *"cannot open 'nope.json'"* ]]
	echo '{"a":1}' >other.json
	run -1 --separate-stderr bp-report --summary other.json
	[[ $stderr == *"other.json: not a bp-backtest summary"* ]]
	backtest
	run -1 --separate-stderr bp-report --summary summary.json \
		--equity nope.zst
	[[ $stderr == *"cannot open 'nope.zst'"* ]]
	head -c 50 equity.zst >cut.zst
	run -1 --separate-stderr bp-report --summary summary.json \
		--equity cut.zst
	[[ $stderr == *"truncated"* ]]
	echo '{"ts":"x","equity":1}' >bad.ndjson
	run -1 --separate-stderr bp-report --summary summary.json \
		--equity bad.ndjson -o r.html
	[[ $stderr == *"bad.ndjson:1: 'ts' is not a time"* ]]
	[ ! -e r.html ]
	no_temp_left .
}

@test "bp-report: writing to a full disk exits 1" {
	backtest
	run -1 --separate-stderr bash -c \
		"bp-report --summary summary.json >/dev/full"
	[[ $stderr == *"No space left on device"* ]]
	run -1 --separate-stderr bash -c \
		"bp-report --text --summary summary.json >/dev/full"
}

@test "bp-report: the page is self-contained and deterministic" {
	backtest
	bp-report --summary summary.json --equity equity.zst \
		--trades trades.zst -o a.html
	bp-report --summary summary.json --equity equity.zst \
		--trades trades.zst -o b.html
	cmp a.html b.html
	# nothing is fetched: no external script, style, image or font
	! grep -nE '<link|<img|<iframe| src=|@import|url\(|https?://[^w]' a.html
	grep -q "default-src 'none'" a.html
	grep -q '<table id="monthly">' a.html
	grep -q '<table id="metrics">' a.html
	grep -q '<table id="symbols">' a.html
	grep -q '<table id="trades">' a.html
	grep -q '<td>AAA</td>' a.html && grep -q '<td>BBB</td>' a.html
	no_temp_left .
}

@test "bp-report: monthly returns and the year, by hand" {
	# capital 100; month ends 110, 99, 108.9: +10%, -10%, +10%, and the
	# year compounds to 1.1 * 0.9 * 1.1 - 1 = 8.9%
	echo '{"format":"barpipe-backtest","capital":100}' >s.json
	cat >e.ndjson <<-'EOF'
	{"ts":"2024-01-15T00:00:00Z","equity":105,"drawdown":0}
	{"ts":"2024-01-31T00:00:00Z","equity":110,"drawdown":0}
	{"ts":"2024-02-10T00:00:00Z","equity":120,"drawdown":0}
	{"ts":"2024-02-29T23:00:00Z","equity":99,"drawdown":0.175}
	{"ts":"2024-03-31T00:00:00Z","equity":108.9,"drawdown":0.0925}
	EOF
	run -0 bp-report --summary s.json --equity e.ndjson
	local row
	row=$(grep -o '<tr><td>2024</td>.*</tr>' <<<"$output" |
		sed 's/<[^>]*>/ /g' | tr -s ' ')
	[ "$row" = " 2024 10.00% -10.00% 10.00% 8.90% " ]
}

@test "bp-report: chromium renders the page without script errors" {
	backtest
	bp-report --summary summary.json --equity equity.zst \
		--trades trades.zst -o report.html
	chromium_dump report.html
	grep -q 'id="bp-rendered"' dom.html
	grep -q '<p id="bp-error"></p>' dom.html
	# both charts were drawn: an svg with a path in each
	[ "$(grep -o '<svg' dom.html | wc -l)" -eq 2 ]
	grep -q 'class="eq"' dom.html && grep -q 'class="bh"' dom.html
	grep -q 'class="dd"' dom.html
	! grep -E 'Uncaught|SyntaxError|TypeError|ReferenceError' log.txt
}

@test "bp-report: a long curve is thinned and still renders" {
	# 5000 hourly bars: the page keeps at most 1500 chart points
	awk 'BEGIN { c = 100; srand(1)
		for (i = 0; i < 5000; i++) {
			o = c; c = o * (1 + (rand() - 0.5) / 50)
			h = (o > c ? o : c) * 1.002; l = (o < c ? o : c) * 0.998
			printf "{\"ts\":%d,\"symbol\":\"X\",\"open\":%.4f,\"high\":%.4f,\"low\":%.4f,\"close\":%.4f,\"signal\":%d}\n",
				1704067200 + 3600 * i, o, h, l, c, (int(i / 11) % 3) - 1
		} }' >bars.ndjson
	bp-backtest --summary s.json --equity e.zst --trades t.zst bars.ndjson
	bp-report --summary s.json --equity e.zst --trades t.zst -o r.html
	run -0 sed -n 's/.*id="bp-data">{"t":\[\([^]]*\)\].*/\1/p' r.html
	local n
	n=$(tr ',' '\n' <<<"$output" | wc -l)
	[ "$n" -le 1501 ] && [ "$n" -ge 1000 ]
	grep -q 'the first 200 shown' r.html
	chromium_dump r.html
	grep -q 'id="bp-rendered"' dom.html
	grep -q '<p id="bp-error"></p>' dom.html
}

@test "bp-report: no equity stream: the page says so and still renders" {
	bp-backtest "$BT/flat.ndjson" >s.json
	bp-report --summary s.json -o r.html
	grep -q 'No equity stream given' r.html
	grep -q 'no trades' r.html
	chromium_dump r.html
	grep -q 'id="bp-rendered"' dom.html
	grep -q 'no equity stream given' dom.html
}

@test "bp-report: --text summary, golden" {
	backtest
	run -0 bp-report --text --summary summary.json --equity equity.zst \
		--width 10
	local want=$GOLDEN/bp-report/portfolio.txt
	if [ "${UPDATE_GOLDEN:-0}" = 1 ]; then
		mkdir -p "${want%/*}"
		printf '%s\n' "$output" >"$want"
	fi
	diff -u "$want" <(printf '%s\n' "$output")
	# the sparkline: one block character (3 bytes of UTF-8) per slice,
	# and 5 bars give 5 slices even though 10 were asked for
	[ "$(sed -n 2p <<<"$output" | sed 's/^equity *//' | wc -c)" -eq 16 ]
}

@test "bp-report: man page EXAMPLES run as written" {
	local n=0 block
	ln -s "$ROOT/data" "$ROOT/tests" .
	while IFS= read -r -d '' block; do
		n=$((n + 1))
		echo "+ $block"
		bash -euo pipefail -c "$block" >/dev/null
	done < <(awk '/^\.Sh EXAMPLES/{f=1} /^\.Sh SEE ALSO/{f=0}
		f && /^\.Ed/{printf "%c", 0; b=0}
		f && b{gsub(/\\e/, "\\"); print}
		f && /^\.Bd -literal/{b=1}' "$ROOT/man/man1/bp-report.1")
	[ "$n" -ge 3 ]
	[ -s report.html ]
}
