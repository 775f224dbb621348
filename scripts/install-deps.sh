#!/usr/bin/env bash
# Installs everything tinyben needs to build, test and compare, from Debian's archive.
# Usage: scripts/install-deps.sh [--build-only]
set -euo pipefail

build_pkgs=(build-essential meson ninja-build pkg-config file python3
            liblz4-dev libsqlite3-dev libhiredis-dev liburing-dev libssl-dev)
# Reference tools and test peers: servers the tests start themselves, QEMU and a kernel for
# the end-to-end guest, chromium and xmllint for the report checks, clang for libFuzzer.
test_pkgs=(mbw lz4 redis-server redis-tools fio sqlite3 libxml2-utils clang
           qemu-system-x86 linux-image-cloud-amd64 busybox-static cpio gzip
           cloud-image-utils genisoimage chromium kmod
           mmdebstrap qemu-utils openssh-client)

pkgs=("${build_pkgs[@]}")
[ "${1:-}" = "--build-only" ] || pkgs+=("${test_pkgs[@]}")

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
