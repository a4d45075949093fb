# helper.bash: loaded by every tests/*.bats suite.
#
# Strict, reproducible environment: LC_ALL=C, TZ=UTC, a private
# BARPIPE_HOME per test, the freshly built tools first on PATH.
# BP_BUILD_DIR points at another build (make check-asan sets it);
# BP_EXEC_PREFIX runs every tool under a prefix such as "valgrind -q".
bats_require_minimum_version 1.7.0

export LC_ALL=C TZ=UTC
ROOT=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
BUILD=${BP_BUILD_DIR:-$ROOT}
FIX=$ROOT/tests/fixtures
GOLDEN=$ROOT/tests/golden
SAMPLE=$ROOT/data/sample

if [ -n "${BP_EXEC_PREFIX:-}" ]; then
	wrap=$BATS_RUN_TMPDIR/wrap-bin
	if [ ! -d "$wrap" ]; then
		mkdir -p "$wrap"
		for b in "$BUILD"/bin/bp-*; do
			case $b in *.c|*.o|*.d) continue ;; esac
			printf '#!/bin/sh\nexec %s %s "$@"\n' \
				"$BP_EXEC_PREFIX" "$b" >"$wrap/${b##*/}"
			chmod +x "$wrap/${b##*/}"
		done
	fi
	PATH=$wrap:$PATH
fi
PATH=$BUILD/bin:$ROOT/pipelines:$PATH
export PATH

# Every test runs in its own directory with its own barpipe home.
bp_setup() {
	export BARPIPE_HOME=$BATS_TEST_TMPDIR/home
	cd "$BATS_TEST_TMPDIR" || return 1
}

# unz FILE: print a stream decompressed (zstd or plain).
unz() {
	if [ "$(head -c4 "$1" | od -An -tx1 | tr -d ' ')" = 28b52ffd ]; then
		zstd -dcq "$1"
	else
		cat "$1"
	fi
}

# check_golden TOOL CASE FILE: FILE (decompressed) must equal
# tests/golden/TOOL/CASE.ndjson; UPDATE_GOLDEN=1 rewrites the golden file.
check_golden() {
	local want=$GOLDEN/$1/$2.ndjson
	unz "$3" >"$BATS_TEST_TMPDIR/actual"
	if [ "${UPDATE_GOLDEN:-0}" = 1 ]; then
		mkdir -p "${want%/*}"
		cp "$BATS_TEST_TMPDIR/actual" "$want"
	fi
	diff -u "$want" "$BATS_TEST_TMPDIR/actual"
}

# no_temp_left DIR: fail when a *.tmp.* file remains in DIR.
no_temp_left() {
	local left
	left=$(find "${1:-.}" -name '*.tmp.*' | head -n1)
	[ -z "$left" ] || { echo "temporary left behind: $left"; return 1; }
}
