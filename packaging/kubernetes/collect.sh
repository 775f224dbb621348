#!/usr/bin/env bash
# Fetches the results of a tinyben Job (render.sh) through kubectl: one CSV per pod, from the
# pod's log (the CSV lines; progress and the summary, which share the log, are left out), ready
# for `tinyben compare` and `tinyben report`. Never replaces a file.
#
# Usage: packaging/kubernetes/collect.sh JOB [-n NAMESPACE] [-o DIR]
#   writes DIR/JOB-INDEX.csv (indexed Job) or DIR/POD.csv (default DIR: results)
# Exit: 0 every pod gave rows, 1 a pod gave none or its log could not be read (the others
# are written), 2 bad usage or no pod of that Job.
set -euo pipefail
die() { echo "collect.sh: $*" >&2; exit 2; }
job="" ns=() dir=results
while [ $# -gt 0 ]; do
	case $1 in
	-n | --namespace) [ $# -ge 2 ] || die "$1 needs a namespace"; ns=(-n "$2"); shift 2 ;;
	-o | --output) [ $# -ge 2 ] || die "$1 needs a folder"; dir=$2; shift 2 ;;
	-h | --help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) die "unknown option '$1' (see --help)" ;;
	*) [ -z "$job" ] || die "unexpected argument '$1'"; job=$1; shift ;;
	esac
done
[ -n "$job" ] || die "usage: collect.sh JOB [-n NAMESPACE] [-o DIR]"
command -v kubectl >/dev/null || die "kubectl not found on PATH"

pods=$(kubectl get pods "${ns[@]}" -l "job-name=$job" -o \
	jsonpath='{range .items[*]}{.metadata.name}{" "}{.metadata.annotations.batch\.kubernetes\.io/job-completion-index}{" "}{.status.phase}{"\n"}{end}') ||
	die "kubectl get pods failed for job '$job'"
[ -n "${pods//[[:space:]]/}" ] || die "no pod of job '$job'${ns:+ in namespace ${ns[1]}}"
mkdir -p "$dir"

failed=0 tmp=""
trap 'rm -f ${tmp:+"$tmp" "$tmp.log" "$tmp.err"}' EXIT
trap 'exit 130' INT TERM
while read -r pod index phase; do
	[ -n "$pod" ] || continue
	# An index, when there is one, names the repetition; the third field is then the phase.
	if [ -z "$phase" ]; then phase=$index index=""; fi
	name=$pod
	[ -z "$index" ] || name="$job-$index"
	out="$dir/$name.csv"
	if [ -e "$out" ]; then
		echo "collect.sh: $out exists: not replaced (choose another -o)" >&2; failed=1; continue
	fi
	tmp=$(mktemp "$dir/.collect.XXXXXX")
	if ! kubectl logs "${ns[@]}" "$pod" -c tinyben >"$tmp.log" 2>"$tmp.err"; then
		echo "collect.sh: $pod: kubectl logs failed: $(tail -n1 "$tmp.err")" >&2
		rm -f "$tmp" "$tmp.log" "$tmp.err"; failed=1; continue
	fi
	# The header once, then the rows (each starts with its ISO 8601 timestamp; mawk has no {4}).
	awk '/^timestamp,run_id,/ { if (!h++) print; next } /^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T/' "$tmp.log" >"$tmp"
	rows=$(($(wc -l <"$tmp") - 1))
	if [ "$rows" -lt 1 ]; then
		echo "collect.sh: $pod ($phase): no CSV rows in its log; its last line: $(tail -n1 "$tmp.log")" >&2
		rm -f "$tmp" "$tmp.log" "$tmp.err"; failed=1; continue
	fi
	mv "$tmp" "$out"
	rm -f "$tmp.log" "$tmp.err"
	echo "$out: $rows rows ($pod, $phase)" >&2
done <<<"$pods"
exit "$failed"
