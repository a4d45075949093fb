# common.sh: sourced by the cron jobs in pipelines/cron/ (bash).
# shellcheck shell=bash disable=SC2034,SC2154
#
# Logging with timestamps on stderr, configuration checks (exit 2), the
# tools on PATH, one lock per job, and a private work directory that is
# removed however the job ends.  See barpipe-experiments(7).

prog=${0##*/}
prog=${prog%.sh}

# log MESSAGE: one line on stderr, "2024-01-02T15:00:00Z job: message"
log() {
	printf '%s %s: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$prog" "$*" >&2
}

# config_error MESSAGE: a setting is missing or wrong: exit 2, nothing done
config_error() {
	log "$*"
	exit 2
}

# need VAR: config_error unless the environment variable VAR is set
need() {
	[ -n "${!1:-}" ] || config_error "$1 is not set"
}

# posint VAR: config_error unless VAR holds a positive integer
posint() {
	[[ ${!1} =~ ^[1-9][0-9]*$ ]] ||
		config_error "$1: '${!1}' is not a positive integer"
}

# words VAR: the words of VAR (split on blanks) in the array "words", for
# the *_OPTS settings that carry extra tool options
words() {
	words=()
	read -r -a words <<<"${!1:-}" || true
}

# cron's PATH rarely holds barpipe: fall back on this checkout's tools
if ! command -v bp-fetch >/dev/null 2>&1; then
	PATH=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/bin:$PATH
fi
for t in bp-fetch jq flock zstd; do
	command -v "$t" >/dev/null 2>&1 || config_error "$t is not on PATH"
done

BARPIPE_HOME=${BARPIPE_HOME:-$HOME/.local/share/barpipe}
export BARPIPE_HOME
db=()
if [ -n "${BP_DB:-}" ]; then
	db=(--db "$BP_DB")
fi

# take_lock FILE WAIT: hold FILE's lock (fd 9) until the job ends, waiting
# at most WAIT seconds for a run that holds it; exit 1 when it does not
# come free
take_lock() {
	exec 9>>"$1" || { log "cannot open the lock $1"; exit 1; }
	if ! flock -w "$2" 9; then
		log "another run holds $1 (waited ${2}s): giving up"
		exit 1
	fi
	log "lock $1 taken"
}

# make_work DIR: a new directory "work" inside DIR (so that results move
# into DIR with a rename), removed when the job ends, however it ends
make_work() {
	work=$(mktemp -d "$1/.$prog.tmp.XXXXXX") ||
		{ log "cannot create a work directory in $1"; exit 1; }
	trap 'on_exit' EXIT
	trap 'exit 1' HUP INT TERM
}

# stage NAME COMMAND...: run COMMAND as the stage NAME; its stderr is
# logged line by line with timestamps; returns its status
stage() {
	local name=$1 st=0 line
	shift
	current=$name
	"$@" 2>"$work/stderr" || st=$?
	while IFS= read -r line; do
		log "$name: $line"
	done <"$work/stderr"
	return "$st"
}

# on_exit: the work directory goes.  A job ends with finish STATUS; any
# other end is a failure, exit 1 whatever status the failing tool gave
on_exit() {
	local st=$?
	if [ -z "${finished:-}" ]; then
		log "failed${current:+ in stage $current} (status $st)${cleanup_note:-}"
		if declare -F on_failure >/dev/null; then
			on_failure || true
		fi
		st=1
	fi
	rm -rf "$work"
	exit "$st"
}

# finish STATUS: the job's deliberate end
finish() {
	finished=1
	exit "$1"
}

# publish FILE...: move each file of the work directory into the output
# directory with one rename each (a reader sees the old file or the new
# one, never a part)
publish() {
	local f
	for f in "$@"; do
		mv -f "$work/$f" "$out/$f"
	done
}
