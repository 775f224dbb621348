#!/usr/bin/env bash
# Chooses QEMU's accelerator by trying it: prints "kvm" or "tcg" on stdout.
#
# Usage: packaging/qemu/accel.sh [--qemu PATH] [--cpu MODEL]
#   --qemu PATH   QEMU binary (default qemu-system-x86_64)
#   --cpu MODEL   the CPU model the guest will use under KVM (default host)
# TINYBEN_QEMU_ACCEL=kvm|tcg forces one without trying (unset, empty or auto: try KVM).
#
# Why try instead of looking at /dev/kvm: on a nested host /dev/kvm opens and KVM_CREATE_VM
# works, yet QEMU dies when it loads the vCPU's MSRs ("failed to set MSR 0x10a", an assertion
# in QEMU's target/i386/kvm/kvm.c). So the probe boots a 64 KiB firmware whose reset vector
# writes to the isa-debug-exit port: QEMU exits with status (1 << 1) | 1 = 3 only when a vCPU
# really ran guest code under KVM. Anything else is a failure, and its last stderr line is
# the reason printed (one line on stderr) before falling back to TCG. Exit 2: bad usage, or
# no QEMU at all.
set -euo pipefail

die() { echo "accel.sh: $*" >&2; exit 2; }
qemu=qemu-system-x86_64 cpu=host
while [ $# -gt 0 ]; do
	case "$1" in
	--qemu) qemu=${2:?--qemu needs a path}; shift 2 ;;
	--cpu) cpu=${2:?--cpu needs a model}; shift 2 ;;
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
# x86 reset vector: the last 16 bytes of the BIOS image, run in real mode at 0xFFFFFFF0.
# mov al, 1 (b0 01); out 0xf4, al (e6 f4); hlt (f4); jmp $-1 (eb fd).
{
	head -c 65520 /dev/zero
	printf '\xb0\x01\xe6\xf4\xf4\xeb\xfd'
	head -c 9 /dev/zero
} >"$tmp/probe.bin"
rc=0
# timeout only guards against a hung QEMU; the decision is QEMU's exit status.
# The subshell's stderr also takes bash's own "Aborted" line when QEMU dies of an assertion.
( timeout 60 "$qemu" -machine q35 -accel kvm -cpu "$cpu" -m 16 -smp 1 -nodefaults \
	-no-user-config -display none -no-reboot -bios "$tmp/probe.bin" \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 </dev/null >"$tmp/out" 2>&1; exit $? ) 2>/dev/null || rc=$?
[ "$rc" = 3 ] && { echo kvm; exit 0; }
# QEMU's own "error:" line names the cause (the MSR); the assertion after it does not.
reason=$(grep -m 1 'error:' "$tmp/out" || grep -v '^[[:space:]]*$' "$tmp/out" | tail -n 1 || true)
reason=${reason#"$qemu: "}
reason=${reason#qemu-system-x86_64: }
reason=${reason:0:200}
[ "$rc" != 124 ] || reason="the probe guest did not finish in 60 s"
fallback "qemu -accel kvm -cpu $cpu: ${reason:-exit status $rc}"
