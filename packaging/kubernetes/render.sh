#!/usr/bin/env bash
# Writes a Kubernetes Job that runs the tinyben image (packaging/oci) to stdout, ready for
# `kubectl apply -f -`. Each pod's log holds its CSV; collect.sh fetches one CSV per pod.
#
# Usage: packaging/kubernetes/render.sh --image IMAGE [options]
#   --image IMAGE          the image packaging/oci/build.sh made, pushed where the nodes pull
#   --runtime-class RC     kata-qemu-snp, kata-qemu-tdx, kata-qemu, another RuntimeClass, or
#                          none (default: the cluster's default runtime, runc)
#   --indexed              an indexed Job: --completions pods, rows tagged rep=INDEX
#   --completions N        repetitions of --indexed (default 5)
#   --parallelism P        pods of --indexed at once (default 1: repetitions never overlap)
#   --suite quick|full     run --quick with 1Gi, or the full suite with 3Gi (default quick)
#   --args 'WORDS'         tinyben's arguments instead (e.g. 'run -b mem.* -r 10')
#   --memory SIZE          memory request = limit, e.g. 2Gi (default: from --suite)
#   --cpus N               CPU request = limit (default 2)
#   --redis-image IMAGE    a redis-server sidecar for io.redis (e.g. docker.io/library/redis:7);
#                          without it io.redis writes skipped rows that say so
#   --name NAME            the Job's name (default tinyben-RC, lower case)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
die() { echo "render.sh: $*" >&2; exit 2; }
need() { [ "$2" -ge 2 ] || die "$1 needs a value"; }

image="" rc=none indexed=0 completions=5 parallelism=1 suite=quick args="" memory="" cpus=2
redis="" name=""
while [ $# -gt 0 ]; do
	case $1 in
	--image) need "$1" $#; image=$2; shift 2 ;;
	--runtime-class) need "$1" $#; rc=$2; shift 2 ;;
	--indexed) indexed=1; shift ;;
	--completions) need "$1" $#; completions=$2; shift 2 ;;
	--parallelism) need "$1" $#; parallelism=$2; shift 2 ;;
	--suite) need "$1" $#; suite=$2; shift 2 ;;
	--args) need "$1" $#; args=$2; shift 2 ;;
	--memory) need "$1" $#; memory=$2; shift 2 ;;
	--cpus) need "$1" $#; cpus=$2; shift 2 ;;
	--redis-image) need "$1" $#; redis=$2; shift 2 ;;
	--name) need "$1" $#; name=$2; shift 2 ;;
	-h | --help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown argument '$1' (see --help)" ;;
	esac
done
[ -n "$image" ] || die "--image is required (packaging/oci/build.sh prints it)"
# An image reference: [registry[:port]/]path[:tag][@digest]. Nothing else, so that the value
# is a plain YAML scalar (no [, {, *, &, !, quotes) and a literal sed replacement below.
image_ref='^[A-Za-z0-9][A-Za-z0-9._/:@+-]*$'
[[ $image =~ $image_ref ]] || die "--image '$image' is not an image reference"
[[ $rc =~ ^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$ ]] || die "--runtime-class '$rc' is not a RuntimeClass name"
[[ $completions =~ ^[1-9][0-9]{0,4}$ ]] || die "--completions '$completions' is not a count of 1 or more"
[[ $parallelism =~ ^[1-9][0-9]{0,4}$ ]] || die "--parallelism '$parallelism' is not a count of 1 or more"
[[ $cpus =~ ^([1-9][0-9]*|[1-9][0-9]*m)$ ]] || die "--cpus '$cpus' is not a CPU quantity (2, 1500m)"
case $suite in
quick) default_args="run --quick" default_memory=1Gi ;;
full) default_args="run" default_memory=3Gi ;;
*) die "--suite '$suite' is not quick or full" ;;
esac
[ -n "$args" ] || args=$default_args
[ -n "$memory" ] || memory=$default_memory
[[ $memory =~ ^[1-9][0-9]*(Mi|Gi)$ ]] || die "--memory '$memory' is not a size such as 512Mi or 2Gi"
[ -n "$name" ] || name="tinyben-$rc"
# Pod names of an indexed Job add -INDEX-RANDOM: keep the Job's name short enough.
[[ $name =~ ^[a-z0-9]([-a-z0-9]{0,50}[a-z0-9])?$ ]] || die "--name '$name' is not a DNS label of at most 52 characters"
[ -z "$redis" ] || [[ $redis =~ $image_ref ]] || die "--redis-image '$redis' is not an image reference"

# tinyben's words as a YAML flow sequence of JSON strings.
json_args=""
read -r -a words <<<"$args" # split on blanks only: 'mem.*' is a pattern for tinyben, not a glob here
for w in ${words[@]+"${words[@]}"}; do
	[[ $w =~ [\"\\] ]] && die "--args: quotes and backslashes are not supported ('$w')"
	json_args+="${json_args:+, }\"$w\""
done
[ -n "$json_args" ] || die "--args is empty"
# sed's replacement text gives & and the delimiter | a meaning: make them literal.
json_args=$(printf '%s' "$json_args" | sed 's/[&|]/\\&/g')
redis_args=""
[ -n "$redis" ] && redis_args=', "--redis", "127.0.0.1:6379"'

template="$here/job.yaml"
[ "$indexed" = 1 ] && template="$here/indexed-job.yaml"
{
	if [ -n "$redis" ]; then grep -v -e '# sidecar-begin' -e '# sidecar-end' "$template"
	else sed '/# sidecar-begin/,/# sidecar-end/d' "$template"; fi
} | {
	if [ "$rc" = none ]; then grep -v 'runtimeClassName: @RUNTIME_CLASS@'; else cat; fi
} | sed -e "s|@NAME@|$name|g" -e "s|@IMAGE@|$image|g" -e "s|@REDIS_IMAGE@|$redis|g" \
	-e "s|@RUNTIME_CLASS@|$rc|g" -e "s|@RUNTIME_CLASS_TAG@|$rc|g" \
	-e "s|@COMPLETIONS@|$completions|g" -e "s|@PARALLELISM@|$parallelism|g" \
	-e "s|@CPUS@|$cpus|g" -e "s|@MEMORY@|$memory|g" \
	-e "s|@ARGS@|$json_args|g" -e "s|@REDIS_ARGS@|$redis_args|g"
