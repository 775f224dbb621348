# Sourced by the set-up scripts: run a step with its output in a log, and never hide a failure.
#   tb_step NAME LOG COMMAND...   runs COMMAND with stdout+stderr appended to LOG; on failure it
#                                 prints NAME, the exit status and the last lines of LOG on stderr,
#                                 and returns that status (set -e then stops the script).
tb_step() {
	local name=$1 log=$2 status=0
	shift 2
	mkdir -p "$(dirname "$log")"
	printf '== %s\n' "$name" >>"$log"
	"$@" >>"$log" 2>&1 || status=$?
	if [ "$status" -ne 0 ]; then
		{
			printf 'tinyben: %s failed (exit %d); last lines of %s:\n' "$name" "$status" "$log"
			tail -n "${TB_LOG_TAIL:-40}" "$log" | sed 's/^/  | /'
		} >&2
	fi
	return "$status"
}

# Seconds since the epoch, for stage timings.
tb_now() { date +%s; }
