# bench/lib.sh: what the benchmark scripts share; sourced from the top of
# the tree, with $out set to the results directory.

pkgs="jansson libzstd sqlite3 libcurl"

# build PROG...: bench/PROG.c linked with libbarpipe into $out/PROG
build() {
	local prog
	[ -f lib/libbarpipe.a ] || make -s lib/libbarpipe.a
	for prog in "$@"; do
		cc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -Ilib \
			$(pkg-config --cflags $pkgs) -o "$out/$prog" \
			"bench/$prog.c" lib/libbarpipe.a \
			$(pkg-config --libs $pkgs) -lcsv -lm -pthread
	done
}

# measure CMD: W (wall s), C (cpu s, children included) of one run
measure() {
	local f=$out/time.$$ u s
	/usr/bin/time -f '%e %U %S' -o "$f" bash -c "$1" >/dev/null
	read -r W u s <"$f"
	C=$(echo "$u + $s" | bc)
	rm -f "$f"
}
