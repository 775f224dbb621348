# Sourced by the bench/*.sh comparisons: what each of them sets up before it measures (where the
# tree and tinyben are, the checks of its numbers and tools, a work directory that goes away on
# exit, on error and on Ctrl-C) and the small figures the shell ones print. POSIX sh.
# Source it first thing as  . "$(dirname "$0")/lib.sh"  ($0 is still the comparison's path).

bench_here=$(cd "$(dirname "$0")" && pwd)
bench_root=$(cd "$bench_here/.." && pwd)

# bench_tinyben [DEFAULT]: TINYBEN from the environment, else DEFAULT, else build/tinyben of this
# tree; made absolute (a script may cd); exit 2 when it is not an executable file.
bench_tinyben() {
	TINYBEN=${TINYBEN:-${1:-$bench_root/build/tinyben}}
	case $TINYBEN in /*) ;; *) TINYBEN=$(pwd)/$TINYBEN ;; esac
	[ -f "$TINYBEN" ] && [ -x "$TINYBEN" ] ||
		{ echo "$TINYBEN: not built (ninja -C build)" >&2; exit 2; }
}

# bench_positive NAME VALUE: VALUE is a whole number >= 1, else one line and exit 2.
bench_positive() {
	case $2 in ''|*[!0-9]*) ;; *) [ "$2" -ge 1 ] && return 0 ;; esac
	echo "$1 must be a positive integer" >&2
	exit 2
}

# bench_knobs NAME=DEFAULT...: each environment knob NAME keeps its value, else gets DEFAULT; it
# must be a positive integer (a size, a count of rounds) or the script stops here, exit 2.
bench_knobs() {
	local knob name
	for knob in "$@"; do
		name=${knob%%=*}
		eval "$name=\${$name:-\${knob#*=}}"
		eval "bench_positive $name \"\$$name\""
	done
}

# bench_tools HINT TOOL...: every TOOL is a command here, else "TOOL not found (HINT)" and exit 2.
bench_tools() {
	local hint=$1 tool
	shift
	for tool in "$@"; do
		command -v "$tool" >/dev/null || { echo "$tool not found ($hint)" >&2; exit 2; }
	done
}

# bench_workdir [PARENT]: a new directory $work in PARENT (default $TMPDIR, else /tmp). At exit,
# whatever the cause, the servers whose PIDs are in $bench_pids are stopped, then $work and
# $bench_rm (one more path, when set) are removed. Ctrl-C exits 130, SIGTERM 143.
bench_pids=
bench_rm=
bench_workdir() {
	local parent=${1:-${TMPDIR:-/tmp}}
	work=$(mktemp -d "$parent/$(basename "$0" .sh).XXXXXX" 2>/dev/null) ||
		{ echo "$parent: cannot make a work directory there (not a writable directory)" >&2; exit 2; }
	trap bench_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}
bench_cleanup() {
	local p
	for p in $bench_pids; do kill "$p" 2>/dev/null || true; done
	for p in $bench_pids; do wait "$p" 2>/dev/null || true; done
	rm -rf "$work" ${bench_rm:+"$bench_rm"}
}

# The load average (1, 5, 15 min): printed beside the figures, a busy machine explains a lot.
bench_load() { cut -d' ' -f1-3 /proc/loadavg; }

# bench_header SETTINGS [LINE...]: the first line of the results, "# DATE SETTINGS load: ...",
# then "# LINE" for each LINE (the commands compared), so that a pasted result says what it was.
bench_header() {
	local line
	echo "# $(date -u +%FT%TZ) $1 load: $(bench_load)"
	shift
	for line in "$@"; do echo "# $line"; done
}

# bench_values METRIC CSV: the value of every ok row of METRIC in tinyben's CSV, one a line.
bench_values() {
	awk -F, -v m="$1" 'NR == 1 {for (i = 1; i <= NF; i++) col[$i] = i; next}
		$col["metric"] == m && $col["status"] == "ok" {print $col["value"]}' "$2"
}

# median, best (the largest: bandwidth) of the numbers on stdin, one a line; ratio A B = A / B.
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
best() { sort -g | tail -1; }
ratio() { echo "$1 $2" | awk '{print $1/$2}'; }
