#!/usr/bin/env bats
# man.bats: every page lints clean, every tool has a page, and every long
# option a tool's --help prints is documented in its page.
load helper

setup() { bp_setup; }

tools() {
	local b
	for b in "$BUILD"/bin/bp-*; do
		case $b in *.c|*.o|*.d) continue ;; esac
		[ -x "$b" ] && echo "${b##*/}"
	done
}

@test "man: pages lint clean with mandoc (warnings and worse)" {
	command -v mandoc >/dev/null || skip "mandoc not installed"
	run -0 mandoc -Tlint -Wwarning "$ROOT"/man/man*/*.[157]
	[ -z "$output" ]
}

@test "man: barpipe-stream(5) and barpipe(7) exist" {
	[ -f "$ROOT/man/man5/barpipe-stream.5" ]
	[ -f "$ROOT/man/man7/barpipe.7" ]
}

@test "man: every tool has a page with EXAMPLES and EXIT STATUS" {
	local t missing=""
	for t in $(tools); do
		local page=$ROOT/man/man1/$t.1
		if [ ! -f "$page" ]; then missing+=" $t(no page)"; continue; fi
		grep -q '^\.Sh EXAMPLES' "$page" || missing+=" $t(EXAMPLES)"
		grep -q '^\.Sh EXIT STATUS' "$page" || missing+=" $t(EXIT STATUS)"
	done
	[ -z "$missing" ] || { echo "missing:$missing"; false; }
}

@test "man: every long option in --help is documented in the page" {
	command -v mandoc >/dev/null || skip "mandoc not installed"
	local t o missing=""
	for t in $(tools); do
		local page=$ROOT/man/man1/$t.1
		[ -f "$page" ] || continue
		local text
		text=$(mandoc -Tascii "$page" | col -b)
		for o in $("$t" --help | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u); do
			grep -qF -- "$o" <<<"$text" || missing+=" $t:$o"
		done
	done
	[ -z "$missing" ] || { echo "undocumented:$missing"; false; }
}

@test "man: every tool's --help names its page and --version is one line" {
	local t bad=""
	for t in $(tools); do
		"$t" --help | grep -qF "$t(1)" || bad+=" $t(--help)"
		[ "$("$t" --version | wc -l)" -eq 1 ] || bad+=" $t(--version)"
		"$t" --version | grep -qE "^$t [0-9]+\.[0-9]+\.[0-9]+" ||
			bad+=" $t(version form)"
	done
	[ -z "$bad" ] || { echo "bad:$bad"; false; }
}
