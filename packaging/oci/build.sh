#!/usr/bin/env bash
# Builds the tinyben OCI image FROM scratch: the static tinyben and nothing else, offline (no
# registry is asked for anything), with podman or else buildah. The image's name is the last
# line on stdout.
#
# Usage: packaging/oci/build.sh [--tinyben PATH] [--tag NAME] [--tool podman|buildah]
#   --tinyben PATH  the static binary (default: build/tinyben of this tree, else tinyben on PATH)
#   --tag NAME      image name (default: localhost/tinyben:VERSION, VERSION from the binary)
#   --tool T        podman or buildah (default: podman when installed, else buildah)
# Then: podman run --rm NAME run --quick >quick.csv    (CSV on stdout, progress on stderr)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
die() { echo "build.sh: $*" >&2; exit 2; }

# From a tree, its build; installed (/usr/share/tinyben/oci), the tinyben on PATH.
tinyben="$here/../../build/tinyben" tag="" tool=""
[ -x "$tinyben" ] || tinyben=$(command -v tinyben || echo "$tinyben")
while [ $# -gt 0 ]; do
	case $1 in
	--tinyben) [ $# -ge 2 ] || die "--tinyben needs a path"; tinyben=$2; shift 2 ;;
	--tag) [ $# -ge 2 ] || die "--tag needs a name"; tag=$2; shift 2 ;;
	--tool) [ $# -ge 2 ] || die "--tool needs podman or buildah"; tool=$2; shift 2 ;;
	-h | --help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown argument '$1' (see --help)" ;;
	esac
done
[ -f "$tinyben" ] && [ -x "$tinyben" ] || die "no executable tinyben at '$tinyben' (build it: ninja -C build, or give --tinyben)"
# An image FROM scratch has no libraries: a dynamic binary would not even start.
if command -v file >/dev/null; then
	file -L "$tinyben" | grep -q 'statically linked' || die "'$tinyben' is not statically linked (build with -Dstatic=true)"
fi
if [ -z "$tool" ]; then
	if command -v podman >/dev/null; then tool=podman
	elif command -v buildah >/dev/null; then tool=buildah
	else die "neither podman nor buildah is installed (apt-get install podman)"; fi
fi
case $tool in podman | buildah) command -v "$tool" >/dev/null || die "$tool is not installed" ;;
*) die "--tool must be podman or buildah, not '$tool'" ;; esac
version=$("$tinyben" --version | awk '{print $NF}')
[ -n "$tag" ] || tag="localhost/tinyben:$version"

# The build context: the Containerfile and the binary, nothing else of the tree.
ctx=$(mktemp -d "${TMPDIR:-/tmp}/tinyben-oci.XXXXXX")
trap 'rm -rf "$ctx"' EXIT
trap 'exit 130' INT TERM
cp "$here/Containerfile" "$ctx/Containerfile"
cp "$tinyben" "$ctx/tinyben"
# --pull=never: FROM scratch needs nothing from a registry, and nothing is fetched.
if [ "$tool" = podman ]; then
	podman build --pull=never --network=none --label "org.opencontainers.image.version=$version" \
		-t "$tag" -f "$ctx/Containerfile" "$ctx" >&2
else
	buildah build --pull=never --network=none --label "org.opencontainers.image.version=$version" \
		-t "$tag" -f "$ctx/Containerfile" "$ctx" >&2
fi
echo "$tag"
