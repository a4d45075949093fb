#!/usr/bin/env bats
# style.bats: every line of C in lib/, bin/ and tests/unit/ fits in 80
# columns, tabs counted as 8 (STYLE.md).  lib/fmt-tables.h is generated
# and exempt.
load helper

setup() { bp_setup; }

# long_lines DIR: print "file:line: N columns" for each C line under DIR
# wider than 80 columns.  UTF-8 continuation bytes take no column.
long_lines() {
	(
		cd "$1" || exit 1
		for f in lib/*.[ch] bin/*.c tests/unit/*.c; do
			[ -f "$f" ] || continue
			[ "$f" = lib/fmt-tables.h ] && continue
			tr -d '\200-\277' <"$f" | expand -t 8 |
				awk -v f="$f" 'length > 80 {
					printf "%s:%d: %d columns\n", f, FNR,
					    length
				}'
		done
	)
}

@test "style: every C line in lib, bin and tests/unit is within 80 columns" {
	local n
	n=$(cd "$ROOT" && ls lib/*.[ch] bin/*.c tests/unit/*.c | wc -l)
	[ "$n" -gt 50 ] || { echo "only $n C files found under $ROOT"; false; }
	run -0 long_lines "$ROOT"
	[ -z "$output" ] || { echo "lines over 80 columns:"; echo "$output"; false; }
}

@test "style: the column check names file:line, counts tabs as 8, skips fmt-tables.h" {
	mkdir -p t/lib t/bin t/tests/unit
	{
		printf '\t%s\n' "$(printf 'x%.0s' {1..72})"	# 80 columns
		printf '\t%s\n' "$(printf 'y%.0s' {1..73})"	# 81 columns
		printf '%s\n' "/* $(printf '\342\200\223%.0s' {1..74}) */"	# 80
	} >t/lib/a.c
	printf '%s\n' "$(printf 'z%.0s' {1..81})" >t/bin/bp-b.c
	printf '\t\t%s\n' "$(printf 'w%.0s' {1..65})" >t/tests/unit/test-c.c
	printf '%s\n' "$(printf 'v%.0s' {1..200})" >t/lib/fmt-tables.h
	run -0 long_lines t
	[ "$output" = "lib/a.c:2: 81 columns
bin/bp-b.c:1: 81 columns
tests/unit/test-c.c:1: 81 columns" ]
}
