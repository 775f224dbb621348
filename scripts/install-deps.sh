#!/usr/bin/env bash
# Installs what tinyben needs from Debian's archive (Debian 12, Ubuntu 24.04), as root or via sudo.
# Usage: scripts/install-deps.sh [--build-only | --run]
#   --build-only  what the static build needs
#   --run         that, and what the default suite needs at run time (redis-server for io.redis)
#   (no option)   everything: build, run, reference tools and test peers
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/lib.sh"

# libsqlite3's static link asks for -lz (its pkg-config Libs.private), hence zlib1g-dev.
build_pkgs=(build-essential meson ninja-build pkg-config file python3
            liblz4-dev libsqlite3-dev zlib1g-dev libhiredis-dev liburing-dev libssl-dev)
# The binary stays static and runs without these; the default suite needs a server to measure.
run_pkgs=(redis-server)
# Reference tools and test peers: servers the tests start themselves, QEMU and a kernel for the
# end-to-end guest, chromium and xmllint for the report checks, clang and its libFuzzer runtime
# (only a Recommends of clang) for the fuzzers, python3-yaml for the cloud-init checks, swtpm and
# tpm2-tools for cc.attest's TPM variants (tests/cc/test_tpm.py, bench/tpm-vs-tpm2-tools.sh).
test_pkgs=(mbw lz4 redis-tools fio sqlite3 libxml2-utils clang libclang-rt-14-dev
           qemu-system-x86 qemu-utils linux-image-cloud-amd64 busybox-static cpio gzip
           cloud-image-utils genisoimage chromium kmod python3-yaml procps strace
           iproute2 util-linux openssh-client libfuse3-dev runsc openssl mmdebstrap ansible-core openssh-server
           iperf3 sockperf swtpm swtpm-tools tpm2-tools
           debhelper dpkg-dev lintian man-db groff-base bash-completion podman buildah git)

case "${1:-}" in
--build-only) pkgs=("${build_pkgs[@]}") ;;
--run) pkgs=("${build_pkgs[@]}" "${run_pkgs[@]}") ;;
"") pkgs=("${build_pkgs[@]}" "${run_pkgs[@]}" "${test_pkgs[@]}") ;;
*) echo "usage: scripts/install-deps.sh [--build-only | --run]" >&2; exit 2 ;;
esac

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=()
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || { echo "tinyben: installing ${missing[*]} needs root (or sudo)" >&2; exit 1; }
	sudo=(sudo)
fi
log="${TB_DEPS_LOG:-/tmp/tinyben-install-deps.log}"
: >"$log"
echo "tinyben: installing ${missing[*]} (log: $log)" >&2
export DEBIAN_FRONTEND=noninteractive
# Another apt may be running (unattended upgrades, a second terminal): wait for its lock.
apt=(apt-get -o DPkg::Lock::Timeout=600)
tb_step "apt-get update" "$log" "${sudo[@]}" "${apt[@]}" update
tb_step "apt-get install" "$log" "${sudo[@]}" "${apt[@]}" install -y --no-install-recommends "${missing[@]}"
