#!/usr/bin/env bash
# Chooses QEMU's accelerator by trying it: prints "kvm" or "tcg" on stdout.
#
# Usage: packaging/qemu/accel.sh [--qemu PATH] [--cpu MODEL]
#   --qemu PATH   QEMU binary (default qemu-system-x86_64)
#   --cpu MODEL   the CPU model the guest will use under KVM (default host)
# TINYBEN_QEMU_ACCEL=kvm|tcg forces one without trying (unset, empty or auto: try KVM).
#
# Why try instead of looking at /dev/kvm: on a nested host /dev/kvm opens and KVM_CREATE_VM
# works, yet QEMU dies loading the vCPU's MSRs with -cpu host ("failed to set MSR 0x10a", an
# assertion in QEMU's target/i386/kvm/kvm.c), or with a named CPU model runs real-mode code and
# then hangs before the guest kernel's first line. So the probe boots a 64 KiB firmware
# (accel-probe.S) that goes from the reset vector to 64-bit long mode, as a kernel does, and
# then writes to the isa-debug-exit port: QEMU exits with status (1 << 1) | 1 = 3 only when a
# vCPU got that far under KVM. Anything else (an error, or no exit within 20 s where a working
# KVM takes milliseconds) means TCG, with one line on stderr saying why. Exit 2: bad usage, or
# no QEMU at all.
set -euo pipefail

die() { echo "accel.sh: $*" >&2; exit 2; }
# needs WHAT OPTION [VALUE...]: the option's value is there and not empty, else one usage line
# and exit 2 (bash's own ${2:?} says "parameter null or not set" and exits 1).
needs() { [ $# -ge 3 ] && [ -n "$3" ] || die "$2 needs $1 (see --help)"; }
qemu=qemu-system-x86_64 cpu=host
while [ $# -gt 0 ]; do
	case "$1" in
	--qemu) needs "a path" "$@"; qemu=$2; shift 2 ;;
	--cpu) needs "a model" "$@"; cpu=$2; shift 2 ;;
	-h|--help) sed -n '4,7s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) die "unknown argument '$1' (see --help)" ;;
	esac
done

case "${TINYBEN_QEMU_ACCEL:-auto}" in
kvm|tcg) echo "$TINYBEN_QEMU_ACCEL"; exit 0 ;;
auto) ;;
*) die "TINYBEN_QEMU_ACCEL='$TINYBEN_QEMU_ACCEL' is not kvm, tcg or auto" ;;
esac

fallback() { echo "accel.sh: KVM does not work here ($1): using TCG (much slower)" >&2; echo tcg; exit 0; }

[ -e /dev/kvm ] || fallback "no /dev/kvm"
[ -r /dev/kvm ] && [ -w /dev/kvm ] || fallback "no read-write access to /dev/kvm"
command -v "$qemu" >/dev/null 2>&1 || die "no $qemu (apt-get install qemu-system-x86)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tinyben-accel-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
# accel-probe.S assembled: the code at the image's start, the reset vector in its last 16 bytes.
code=fa2e660f0116a8000f20c06683c8010f22c066ea1a00ffff080066b810008ed88ec08ed0bf0010000031c0b9
code+=000c0000f3abc7050010000003200000c7051820000003300000c705f83f00008300e0ff0f20e083c8200f22
code+=e0b8001000000f22d8b9800000c00f320d000100000f300f20c00d000000800f22c0ea8100ffff1800b001e6
code+=f4f4ebfd0000000000000000ffff0000009acf00ffff00000092cf00ffff0000009aaf001f008800ffff
reset=e90d0000000000000000000000000000
bytes() { printf "$(sed 's/../\\x&/g' <<<"$1")"; }
{
	bytes "$code"
	head -c $((65536 - 16 - ${#code} / 2)) /dev/zero
	bytes "$reset"
} >"$tmp/probe.bin"
rc=0
# The subshell's stderr also takes bash's own "Aborted" line when QEMU dies of an assertion.
( timeout 20 "$qemu" -machine q35 -accel kvm -cpu "$cpu" -m 16 -smp 1 -nodefaults \
	-no-user-config -display none -no-reboot -bios "$tmp/probe.bin" \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 </dev/null >"$tmp/out" 2>&1; exit $? ) 2>/dev/null || rc=$?
[ "$rc" = 3 ] && { echo kvm; exit 0; }
# QEMU's own "error:" line names the cause (the MSR); the assertion after it does not.
reason=$(grep -m 1 'error:' "$tmp/out" || grep -v '^[[:space:]]*$' "$tmp/out" | tail -n 1 || true)
reason=${reason#"$qemu: "}
reason=${reason#qemu-system-x86_64: }
reason=${reason:0:200}
[ "$rc" != 124 ] || reason="its vCPU did not reach 64-bit mode in 20 s"
fallback "qemu -accel kvm -cpu $cpu: ${reason:-exit status $rc}"
