#!/usr/bin/env bash
# Starts a guest for tinyben as a plain VM or as an AMD SEV, SEV-ES or SEV-SNP guest, with the
# same devices, CPU model, vCPUs and memory in every mode so the runs compare like for like.
#
# Usage: packaging/qemu/launch.sh MODE [options]
#   MODE: plain | plain-swiotlb | sev | sev-es | sev-snp; plain-swiotlb is a plain guest whose
#   kernel bounces all DMA through swiotlb (swiotlb=force; needs --kernel), as an encrypted
#   guest must: beside plain and sev-snp it splits the bounce-buffer cost from the rest
#   --disk IMG            guest disk (a cloud image or a copy of one; qcow2 by extension, else raw);
#                         --disk or --kernel is needed: without either there is nothing to boot
#   --seed ISO            cloud-init NoCloud seed (packaging/cloud-init/make-seed.sh)
#   --vcpus N             vCPUs (default 4)
#   --memory MIB          guest memory in MiB (default 4096)
#   --cpu MODEL           QEMU CPU model (default EPYC-v4, the same in every mode;
#                         under TCG the default and "host" become "max")
#   --accel kvm|tcg|auto  accelerator (default $TINYBEN_QEMU_ACCEL, else auto: plain tries
#                         KVM with packaging/qemu/accel.sh and falls back to TCG, saying why;
#                         SEV modes need KVM)
#   --kernel FILE         direct kernel boot (with --initrd and --append), e.g. the files
#   --initrd FILE         packaging/image/build-image.sh writes beside the image
#   --append CMDLINE      kernel command line (default: the first line of IMAGE.cmdline
#                         beside --kernel IMAGE.vmlinuz, as build-image.sh writes them)
#   --kernel-args ARGS    more kernel arguments after that command line (e.g. idle=poll)
#   --ovmf FILE           firmware (-bios); SEV modes need an OVMF built for SEV, SNP an
#                         OVMF with SNP support (edk2 AmdSevX64 or OvmfPkgX64 build)
#                         (default /usr/share/ovmf/OVMF.fd; plain: SeaBIOS unless given)
#   --ssh-port PORT       forward 127.0.0.1:PORT to the guest's port 22 (default 2222; 0: no network)
#   --cbitpos N           C-bit position (default: host CPUID 0x8000001F EBX[5:0])
#   --reduced-phys-bits N (default: host CPUID 0x8000001F EBX[11:6])
#   --evidence FILE       read CPUID from a `tinyben detect --save-evidence` file of this host
#   --policy HEX          guest policy (default: sev 0x1, sev-es 0x5, sev-snp 0x30000)
#   --pidfile FILE        QEMU writes its pid there (for `tinyben scan --pid`)
#   --boot-log FILE       write the boot's milestones as seen from the host into FILE, one
#                         "PHASE SECONDS" line each (the host's /proc/uptime): qemu-start,
#                         first-serial-byte, kernel, init, cloud-init-final (docs/BOOT.md);
#                         who logs in first appends ssh-login; the guest's tinyben turns the
#                         file into rows with --set cc.boot.host_log=FILE
#   --qemu PATH           QEMU binary (default qemu-system-x86_64)
#   --dry-run             print the command (shell-quoted, one line) and exit
# Sources: QEMU docs/system/i386/amd-memory-encryption.rst (sev-guest policy bit 2 = SEV-ES,
# sev-snp-guest), AMD APM vol. 3, CPUID Fn8000_001F (EAX bit 1 SEV, bit 3 SEV-ES, bit 4 SNP;
# EBX[5:0] C-bit position, EBX[11:6] physical address bits lost).
set -euo pipefail

die() { echo "launch.sh: $*" >&2; exit 2; }
note() { echo "launch.sh: $*" >&2; }
usage() { sed -n '5,44s/^# \{0,1\}//p' "$0"; }

mode= disk= seed= vcpus=4 memory=4096 cpu=EPYC-v4 ovmf= ssh_port=2222
cbitpos= reduced= evidence= policy= qemu=qemu-system-x86_64 dry_run=0 pidfile= boot_log=
cpu_given=0 accel=${TINYBEN_QEMU_ACCEL:-auto} kernel= initrd= append= append_given=0 kernel_args=
here=$(cd "$(dirname "$0")" && pwd)

is_uint() { [[ $1 =~ ^[0-9]+$ ]]; }
# needs WHAT OPTION [VALUE...]: the option's value is there and not empty, else one usage line
# and exit 2 (bash's own ${2:?} says "parameter null or not set" and exits 1).
needs() { [ $# -ge 3 ] && [ -n "$3" ] || die "$2 needs $1 (see --help)"; }
while [ $# -gt 0 ]; do
	case "$1" in
	-h|--help) usage; exit 0 ;;
	--disk) needs "a file" "$@"; disk=$2; shift 2 ;;
	--seed) needs "a file" "$@"; seed=$2; shift 2 ;;
	--vcpus) needs "a count" "$@"; vcpus=$2; is_uint "$vcpus" && [ "$vcpus" -ge 1 ] || die "--vcpus '$vcpus' is not a count"; shift 2 ;;
	--memory) needs "MiB" "$@"; memory=$2; is_uint "$memory" && [ "$memory" -ge 64 ] || die "--memory '$memory' is not MiB (>= 64)"; shift 2 ;;
	--cpu) needs "a model" "$@"; cpu=$2; cpu_given=1; shift 2 ;;
	--accel) needs "kvm, tcg or auto" "$@"; accel=$2; shift 2 ;;
	--kernel) needs "a file" "$@"; kernel=$2; shift 2 ;;
	--initrd) needs "a file" "$@"; initrd=$2; shift 2 ;;
	--append) [ $# -ge 2 ] || die "--append needs a command line (see --help)"; append=$2; append_given=1; shift 2 ;;
	--kernel-args) needs "kernel arguments" "$@"; kernel_args=$2; shift 2 ;;
	--ovmf) needs "a file" "$@"; ovmf=$2; shift 2 ;;
	--ssh-port) needs "a port" "$@"; ssh_port=$2; is_uint "$ssh_port" && [ "$ssh_port" -le 65535 ] || die "--ssh-port '$ssh_port' is not a port"; shift 2 ;;
	--cbitpos) needs "a bit position" "$@"; cbitpos=$2; is_uint "$cbitpos" && [ "$cbitpos" -ge 32 ] && [ "$cbitpos" -le 63 ] || die "--cbitpos '$cbitpos' is not a bit position (32..63)"; shift 2 ;;
	--reduced-phys-bits) needs "a bit count" "$@"; reduced=$2; is_uint "$reduced" && [ "$reduced" -le 63 ] || die "--reduced-phys-bits '$reduced' is not a bit count"; shift 2 ;;
	--evidence) needs "a file" "$@"; evidence=$2; [ -r "$evidence" ] || die "--evidence $evidence: cannot read it"; shift 2 ;;
	--policy) needs "a hex number" "$@"; policy=$2; [[ $policy =~ ^0x[0-9a-fA-F]+$ ]] || die "--policy '$policy' is not a hex number (0x...)"; shift 2 ;;
	--qemu) needs "a path" "$@"; qemu=$2; shift 2 ;;
	--pidfile) needs "a file" "$@"; pidfile=$2; shift 2 ;;
	--boot-log) needs "a file" "$@"; boot_log=$2; shift 2 ;;
	--dry-run) dry_run=1; shift ;;
	-*) die "unknown option '$1' (see --help)" ;;
	*) [ -z "$mode" ] || die "unexpected argument '$1'"; mode=$1; shift ;;
	esac
done
case "$mode" in
plain|plain-swiotlb|sev|sev-es|sev-snp) ;;
"") die "needs a MODE: plain, plain-swiotlb, sev, sev-es or sev-snp (see --help)" ;;
*) die "unknown MODE '$mode' (plain, plain-swiotlb, sev, sev-es or sev-snp)" ;;
esac
# plain-swiotlb is plain in every respect but the guest kernel's command line.
plain=0
case "$mode" in plain|plain-swiotlb) plain=1 ;; esac
[ "$mode" != plain-swiotlb ] || kernel_args="swiotlb=force${kernel_args:+ $kernel_args}"
[ -z "$disk" ] || [ -e "$disk" ] || [ $dry_run = 1 ] || die "--disk $disk does not exist"
case "$accel" in
kvm|tcg|auto) ;;
*) die "accelerator '$accel' (--accel or TINYBEN_QEMU_ACCEL) is not kvm, tcg or auto" ;;
esac
if [ -n "$kernel" ]; then
	[ -r "$kernel" ] || [ $dry_run = 1 ] || die "--kernel $kernel: cannot read it"
	[ -z "$initrd" ] || [ -r "$initrd" ] || [ $dry_run = 1 ] || die "--initrd $initrd: cannot read it"
	if [ $append_given = 0 ] && [ -r "${kernel%.vmlinuz}.cmdline" ]; then
		append=$(head -n 1 "${kernel%.vmlinuz}.cmdline")
	fi
	[ -n "$append" ] || die "--kernel needs --append (the root= of the disk, console=ttyS0, ...)"
	append+="${kernel_args:+ $kernel_args}"
else
	[ "$mode" != plain-swiotlb ] || die "plain-swiotlb needs --kernel: swiotlb=force goes on the guest kernel's command line"
	[ -z "$initrd" ] && [ $append_given = 0 ] && [ -z "$kernel_args" ] || die "--initrd, --append and --kernel-args need --kernel"
fi
[ -z "$seed" ] || [ -e "$seed" ] || [ $dry_run = 1 ] || die "--seed $seed does not exist"
# Nothing to boot: QEMU would print "No bootable device" and wait forever.
[ -n "$disk" ] || [ -n "$kernel" ] || die "needs --disk IMG or --kernel FILE: there is nothing to boot"

# CPUID Fn8000_001F of the host as "EAX EBX" in hex: from a saved evidence file, from
# `tinyben detect --save-evidence` (DESIGN.md contract), or from /dev/cpu/0/cpuid (the
# cpuid module: the file offset is the leaf, 16 bytes EAX EBX ECX EDX come back).
host_cpuid_8000001f() {
	local ev=$evidence tmp eax ebx
	if [ -z "$ev" ] && command -v tinyben >/dev/null 2>&1; then
		tmp=$(mktemp -u "${TMPDIR:-/tmp}/tinyben-evidence-XXXXXX")
		if tinyben detect --save-evidence "$tmp" >/dev/null 2>&1 && [ -s "$tmp" ]; then
			ev=$tmp
		fi
	fi
	if [ -n "$ev" ]; then
		eax=$(sed -n 's/^cpuid\.0x8000001f\.eax=0x//p' "$ev" | head -n 1)
		ebx=$(sed -n 's/^cpuid\.0x8000001f\.ebx=0x//p' "$ev" | head -n 1)
		[ "$ev" = "$evidence" ] || rm -f "$ev"
		if [ -n "$eax" ] && [ -n "$ebx" ]; then
			echo "$eax $ebx"
			return 0
		fi
		[ -z "$evidence" ] || return 1 # the user's file has no such leaf: that is the answer
	fi
	if [ ! -r /dev/cpu/0/cpuid ] && [ "$(id -u)" = 0 ]; then
		modprobe cpuid 2>/dev/null || true
	fi
	[ -r /dev/cpu/0/cpuid ] || return 1
	# The leaf must exist: CPUID 0x80000000 EAX is the highest extended leaf.
	local max
	max=$(dd if=/dev/cpu/0/cpuid bs=16 count=1 skip=$((0x80000000)) iflag=skip_bytes 2>/dev/null |
	      od -An -tx4 | awk '{print $1}')
	[ -n "$max" ] || return 1
	if [ $((0x$max)) -lt $((0x8000001f)) ]; then
		echo "0 0"
		return 0
	fi
	dd if=/dev/cpu/0/cpuid bs=16 count=1 skip=$((0x8000001f)) iflag=skip_bytes 2>/dev/null |
		od -An -tx4 | awk 'NF >= 2 {print $1, $2}'
}

problems=()
if [ $plain = 0 ]; then
	if [ -z "$cbitpos" ] || [ -z "$reduced" ] || [ $dry_run = 0 ]; then
		regs=$(host_cpuid_8000001f || true)
	else
		regs=
	fi
	if [ -n "$regs" ]; then
		read -r eax ebx <<<"$regs"
		eax=$((0x${eax#0x})) ebx=$((0x${ebx#0x}))
		[ -n "$cbitpos" ] || cbitpos=$((ebx & 0x3f))
		[ -n "$reduced" ] || reduced=$(((ebx >> 6) & 0x3f))
		case "$mode" in
		sev) bit=1 name=SEV ;;
		sev-es) bit=3 name=SEV-ES ;;
		sev-snp) bit=4 name=SEV-SNP ;;
		esac
		if [ $(((eax >> bit) & 1)) = 0 ]; then
			problems+=("this host's CPU does not report $name (CPUID 0x8000001F EAX bit $bit is 0)")
		fi
	fi
	if [ -z "$cbitpos" ] || [ -z "$reduced" ] || [ "$cbitpos" = 0 ]; then
		why="cannot read the C-bit position from host CPUID 0x8000001F"
		if [ -z "$regs" ]; then
			why+=" (no /dev/cpu/0/cpuid: modprobe cpuid, or pass --evidence)"
		elif [ $((eax & 2)) = 0 ]; then
			why+=" (EAX bit 1 is 0: this host has no SEV)"
		fi
		[ $dry_run = 0 ] || die "$why; pass --cbitpos N --reduced-phys-bits N"
		problems+=("$why")
	fi
	# KVM must offer the mode to guests, not just the CPU have it.
	case "$mode" in
	sev) param=sev ;;
	sev-es) param=sev_es ;;
	sev-snp) param=sev_snp ;;
	esac
	val=$(cat "/sys/module/kvm_amd/parameters/$param" 2>/dev/null || echo missing)
	case "$val" in
	Y|1) ;;
	*) problems+=("KVM does not offer $mode to guests (/sys/module/kvm_amd/parameters/$param: $val)") ;;
	esac
	[ -e /dev/sev ] || problems+=("no /dev/sev (the AMD secure processor driver, ccp)")
	if [ "$mode" = sev-snp ] && command -v "$qemu" >/dev/null 2>&1; then
		"$qemu" -object help 2>/dev/null | grep -q sev-snp-guest ||
			problems+=("$qemu has no sev-snp-guest object (SEV-SNP needs QEMU 9.1 or later)")
	fi
	[ -n "$ovmf" ] || ovmf=/usr/share/ovmf/OVMF.fd
	[ -r "$ovmf" ] || problems+=("no firmware at $ovmf (pass --ovmf, an OVMF built for SEV)")
else
	[ -z "$ovmf" ] || [ -r "$ovmf" ] || [ $dry_run = 1 ] || die "--ovmf $ovmf: cannot read it"
fi
have_qemu=0
if command -v "$qemu" >/dev/null 2>&1; then
	have_qemu=1
else
	problems+=("no $qemu (apt-get install qemu-system-x86)")
fi
if [ $plain = 0 ]; then
	# Memory encryption is a KVM feature: no TCG fallback, and no probe either (the checks
	# above already name what is missing).
	[ "$accel" != tcg ] || die "$mode needs KVM; TCG cannot encrypt guest memory"
	accel=kvm
elif [ $have_qemu = 1 ]; then
	# A CPU model this QEMU lacks is not a KVM failure: say so instead of falling back.
	known() { "$qemu" -cpu help 2>/dev/null | awk '{print $2}' | grep -qxF "$1"; }
	if [ $cpu_given = 0 ] && ! known "$cpu" && known EPYC; then
		# Older QEMUs (Debian 12's 7.2 among them) have no EPYC-v4; they run no SNP guest
		# either, so no plain-vs-SNP comparison mixes the two models.
		note "$qemu has no CPU model $cpu: using EPYC"
		cpu=EPYC
	fi
	if [ "$cpu" != host ] && [ "$cpu" != max ] && ! known "$cpu"; then
		problems+=("$qemu has no CPU model '$cpu' (see $qemu -cpu help; pass --cpu)")
		[ "$accel" != auto ] || accel=kvm
	elif [ "$accel" = auto ]; then
		accel=$(TINYBEN_QEMU_ACCEL=auto "$here/accel.sh" --qemu "$qemu" --cpu "$cpu")
	fi
elif [ "$accel" = auto ]; then
	accel=kvm
fi
[ "$accel" != kvm ] || [ -w /dev/kvm ] || problems+=("no usable /dev/kvm (KVM is needed; is kvm_amd loaded?)")
if [ "$accel" = tcg ] && { [ $cpu_given = 0 ] || [ "$cpu" = host ]; }; then
	# TCG emulates no host CPU and lacks some EPYC features: "max" is all that TCG has.
	cpu=max
fi

case "$mode" in
sev) policy=${policy:-0x1} ;;         # NODBG
sev-es) policy=${policy:-0x5} ;;      # NODBG | ES (bit 2: "SEV-ES required")
sev-snp) policy=${policy:-0x30000} ;; # bit 17 must be 1, bit 16 SMT allowed
esac

machine=q35
cmd=("$qemu" -name "tinyben-$mode" -accel "$accel" -cpu "$cpu" -smp "$vcpus" -m "$memory" -nographic)
case "$mode" in
sev|sev-es)
	machine+=",confidential-guest-support=sev0"
	cmd+=(-object "sev-guest,id=sev0,cbitpos=$cbitpos,reduced-phys-bits=$reduced,policy=$policy")
	;;
sev-snp)
	# SNP guest RAM comes from a memfd backend (private pages via guest_memfd in KVM).
	machine+=",confidential-guest-support=sev0,memory-backend=ram1"
	cmd+=(-object "memory-backend-memfd,id=ram1,size=${memory}M,share=true,prealloc=false"
	      -object "sev-snp-guest,id=sev0,cbitpos=$cbitpos,reduced-phys-bits=$reduced,policy=$policy")
	;;
esac
cmd=("${cmd[@]:0:1}" -machine "$machine" "${cmd[@]:1}")
[ -z "$ovmf" ] || cmd+=(-bios "$ovmf")
[ -z "$pidfile" ] || cmd+=(-pidfile "$pidfile")
if [ -n "$kernel" ]; then
	cmd+=(-kernel "$kernel" -append "$append")
	[ -z "$initrd" ] || cmd+=(-initrd "$initrd")
fi
# The same virtio devices in every mode; an encrypted guest's kernel requires
# VIRTIO_F_ACCESS_PLATFORM (iommu_platform) to use bounce buffers, and a plain guest
# pays nothing for it without a vIOMMU (the DMA API maps directly) unless its kernel runs
# with swiotlb=force (plain-swiotlb): then every buffer is copied as in an encrypted guest.
vopt="disable-legacy=on,iommu_platform=true"
if [ -n "$disk" ]; then
	fmt=raw
	case "$disk" in *.qcow2) fmt=qcow2 ;; esac
	cmd+=(-drive "if=none,id=disk0,format=$fmt,file=${disk//,/,,}" -device "virtio-blk-pci,drive=disk0,$vopt")
fi
if [ -n "$seed" ]; then
	cmd+=(-drive "if=none,id=seed0,format=raw,readonly=on,file=${seed//,/,,}" -device "virtio-blk-pci,drive=seed0,$vopt")
fi
if [ "$ssh_port" != 0 ]; then
	cmd+=(-netdev "user,id=net0,hostfwd=tcp:127.0.0.1:$ssh_port-:22" -device "virtio-net-pci,netdev=net0,romfile=,$vopt")
fi

if [ $dry_run = 1 ]; then
	for p in "${problems[@]}"; do note "note: $p"; done
	line=
	for a in "${cmd[@]}"; do
		# Quote only what the shell would split or expand.
		if [[ $a =~ ^[A-Za-z0-9_./:=,@+%-]+$ ]]; then
			line+=" $a"
		else
			line+=" '${a//\'/\'\\\'\'}'"
		fi
	done
	echo "${line# }"
	exit 0
fi
if [ ${#problems[@]} -gt 0 ]; then
	note "cannot start a $mode guest on this host:"
	for p in "${problems[@]}"; do note "  - $p"; done
	exit 1
fi
[ -n "$boot_log" ] || exec "${cmd[@]}"

# --- --boot-log: QEMU runs as a child whose console passes through a watcher ------------------
# The clock is /proc/uptime (CLOCK_BOOTTIME: monotonic, in centiseconds), written as it is, so
# that whoever logs in later can append its own line on the same clock.
uptime() { local up rest; read -r up rest </proc/uptime; echo "$up"; }
: >"$boot_log" || die "--boot-log $boot_log: cannot write it"
# The first time of each milestone on the console (markers in docs/BOOT.md). The kernel
# replays its early lines when the serial console registers, so "kernel" dates that.
watch_console() {
	local seen=" " line c first=1
	mark() {
		[[ $seen != *" $1 "* ]] || return 0
		seen+="$1 "
		echo "$1 $(uptime)" >>"$boot_log"
	}
	IFS= read -r -d '' -n 1 c || return 0
	mark first-serial-byte
	local eol='\n'
	while IFS= read -r line || { eol=; [ -n "$line" ]; }; do
		[ $first = 0 ] || { line=$c$line; first=0; }
		printf "%s$eol" "$line"
		case "$line" in
		*"Linux version "*) mark kernel ;;
		*"Run "*" as init process"*) mark init ;;
		*"Cloud-init v. "*" finished at "*) mark cloud-init-final ;;
		esac
	done
	[ $first = 0 ] || printf '%s' "$c"
}
echo "qemu-start $(uptime)" >>"$boot_log"
exec {console}> >(watch_console)
watcher=$!
# A background job's stdin would be /dev/null: the console stays interactive.
exec {keyboard}<&0
"${cmd[@]}" <&$keyboard >&$console {console}>&- {keyboard}<&- &
qemu_pid=$!
exec {console}>&- {keyboard}<&-
# Stopping launch.sh stops the guest (matrix.sh and the tests send SIGTERM).
trap 'kill -TERM "$qemu_pid" 2>/dev/null || true' TERM INT HUP
rc=0
while :; do
	wait "$qemu_pid" && rc=0 || rc=$?
	kill -0 "$qemu_pid" 2>/dev/null || break
done
# The watcher ends with the console; a child QEMU left holding it must not hold us too.
for _ in $(seq 50); do kill -0 "$watcher" 2>/dev/null || break; sleep 0.1; done
kill "$watcher" 2>/dev/null || true
exit "$rc"
