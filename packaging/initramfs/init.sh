#!/bin/sh
# /init of the tinyben initramfs: runs tinyben commands from the kernel command line and
# prints each one's output between markers on the console, then powers off.
#
# Kernel command line: ... [tinyben_run="CMD ; CMD..."] -- [--no-mount] [--disk DEV]
#                        [--hostname NAME] [CMD [; CMD]...]
# where each CMD is tinyben's arguments (e.g. `detect ; run -b mem.mbw --quick`).
# Everything after `--` reaches /init as arguments, and an unknown name=value before it as
# an environment variable (Documentation/admin-guide/kernel-parameters.rst). The kernel
# passes at most 32 arguments to init (MAX_INIT_ARGS, it panics beyond), so longer command
# lists go in tinyben_run, one double-quoted value, appended to the arguments.
# --no-mount: leave /proc and /sys unmounted (a unikernel-like guest, one process, no procfs
# and no sysfs) to check tinyben still runs and says "unknown" where it cannot know.
export PATH=/bin
# devtmpfs gives /dev/console and the disk nodes; it is needed in both modes.
mount -t devtmpfs devtmpfs /dev 2>/dev/null
exec </dev/console >/dev/console 2>&1
# Kernel messages must not cut CSV lines on the shared console.
dmesg -n 1 2>/dev/null

# Globs such as -b 'mem.*' go to tinyben as they are.
set -f
if [ -n "${tinyben_run:-}" ]; then
	# shellcheck disable=SC2086 # split into words on purpose
	set -- "$@" $tinyben_run
	unset tinyben_run
fi

mount_pseudo=1
disk=
name=tinyben-guest
while [ $# -gt 0 ]; do
	case "$1" in
	--no-mount) mount_pseudo=0; shift ;;
	--disk|--hostname)
		# A missing value must not end PID 1 (shift fails, the shell exits, the kernel panics).
		[ $# -ge 2 ] || { echo "TINYBEN-INIT $1 needs a value: nothing runs"; set --; break; }
		if [ "$1" = --disk ]; then disk=$2; else name=$2; fi
		shift 2 ;;
	*) break ;;
	esac
done
hostname "$name"
# io.net's own serve is on loopback, which nothing else brings up here.
busybox ip link set lo up 2>/dev/null || echo "TINYBEN-INIT lo up failed"
if [ $mount_pseudo = 1 ]; then
	mount -t proc proc /proc
	mount -t sysfs sysfs /sys
	echo "TINYBEN-INIT mounts=proc,sys"
else
	echo "TINYBEN-INIT mounts=none"
fi

# Modules the kernel has not built in (virtio_pci, virtio_blk on Debian's cloud kernel),
# in dependency order as build.sh resolved them from modules.dep.
if [ -f /etc/tinyben/modules ]; then
	while read -r ko; do
		insmod "/lib/modules/$ko" 2>/dev/null || echo "TINYBEN-INIT insmod $ko failed"
	done </etc/tinyben/modules
fi

cd /tmp
if [ -n "$disk" ]; then
	i=0
	while [ ! -b "$disk" ] && [ $i -lt 100 ]; do usleep 100000; i=$((i + 1)); done
	if mount -t ext4 "$disk" /mnt; then
		cd /mnt
		echo "TINYBEN-INIT disk=$disk dir=/mnt"
	else
		echo "TINYBEN-INIT disk=$disk mount failed"
	fi
fi

n=0
run_one() {
	n=$((n + 1))
	echo "TINYBEN-BEGIN $n tinyben $*"
	tinyben "$@" 2>/tmp/stderr.$n
	rc=$?
	echo "TINYBEN-END $n rc=$rc"
	echo "TINYBEN-STDERR-BEGIN $n"
	cat /tmp/stderr.$n
	echo "TINYBEN-STDERR-END $n"
}
cmd=
for a in "$@"; do
	if [ "$a" = ";" ]; then
		[ -n "$cmd" ] && run_one $cmd
		cmd=
	else
		cmd="$cmd $a"
	fi
done
[ -n "$cmd" ] && run_one $cmd
echo "TINYBEN-DONE"

cd /
[ -n "$disk" ] && umount /mnt 2>/dev/null
sync
poweroff -f
