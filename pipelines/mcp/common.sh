# common.sh: sourced by every pipelines/mcp/*.sh (bp-mcp's tool pipelines).
#
# A tool pipeline gets its arguments as BP_ARG_<NAME> environment variables
# (arrays: one item per line), runs in the workspace ($BP_WORKSPACE, its
# working directory), and prints ONE JSON object on stdout: the tool's
# structured result.  Diagnostics go to stderr; a non-zero exit is a failed
# call whose stderr tail the assistant sees.  Re-run one by hand with the
# command line `get_run` shows.
#
# Pipelines run bp-* tools, bash, coreutils, jq and zstd only: none of
# them opens a network connection, and bp-mcp runs them in a private
# network namespace where it can.

# progress DONE TOTAL MESSAGE: tell bp-mcp how far we are (it relays this
# to the client); silent when nobody listens on $BP_PROGRESS_FD.
progress() {
	if [ -n "${BP_PROGRESS_FD:-}" ]; then
		printf '%s %s %s\n' "$1" "$2" "$3" >&"$BP_PROGRESS_FD" 2>/dev/null || true
	fi
}

# die MESSAGE: one line on stderr naming the pipeline, exit 1.
die() {
	printf '%s: %s\n' "${0##*/}" "$*" >&2
	exit 1
}

# arg NAME: the value of argument NAME ("" when absent).
arg() {
	local v="BP_ARG_$1"
	printf '%s' "${!v:-}"
}

# confine PATH: die unless PATH (existing or not) resolves inside the
# workspace; for paths a pipeline derives itself (bp-mcp checks the ones
# the client names).
confine() {
	local real
	real=$(realpath -m -- "$1")
	case $real in
	"$BP_WORKSPACE"/*) ;;
	*) die "'$1' leads outside the workspace" ;;
	esac
}

# mkscratch: set $scratch to a new directory, removed when the pipeline
# ends (only pipelines that need one pay for it).
mkscratch() {
	scratch=$(mktemp -d "${TMPDIR:-/tmp}/bp-mcp.XXXXXX")
	trap 'rm -rf "$scratch"' EXIT
}

: "${BP_DB:?BP_DB (the database path) must be set}"
