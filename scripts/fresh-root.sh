#!/usr/bin/env bash
# Proves the two README commands on a machine that has nothing installed: builds a Debian 12
# minbase root from Debian's archive, clones this repository's HEAD into it, and runs inside it
# (own /dev, /dev/pts, /proc, read-only /sys, private mount and PID namespaces, pivot_root) first
# `scripts/quick.sh`, whose CSV must have ok rows for every benchmark, then `scripts/test.sh`,
# then the cloud suite (a guest image built from the archive, booted, cloud-init running tinyben).
# Nothing from the host's installed packages can help: the root starts from minbase.
#
# Usage: scripts/fresh-root.sh [--keep] [--only quick|test|cloud] [--logs DIR]
#   --keep        leave the root in place (its path is printed) instead of removing it
#   --only WHAT   run only one of the two commands (cloud: the test command, then the cloud suite)
#   --logs DIR    copy the quick suite's CSV and meson's test logs out of the root into DIR
# Needs root, mmdebstrap and unshare (util-linux). Exits with the failing command's status.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
. "$repo/scripts/lib.sh"

keep=0 only="" logs=""
usage_error() { echo "fresh-root.sh: $* (usage: scripts/fresh-root.sh [--keep] [--only quick|test|cloud] [--logs DIR])" >&2; exit 2; }
# needs WHAT OPTION [VALUE...]: the option's value is there and not empty, else one usage line
# and exit 2 (bash's own ${2:?} says "parameter null or not set" and exits 1).
needs() { [ $# -ge 3 ] && [ -n "$3" ] || usage_error "$2 needs $1"; }
while [ $# -gt 0 ]; do
	case "$1" in
	--keep) keep=1 ;;
	--only) needs "quick, test or cloud" "$@"; only=$2; shift ;;
	--logs) needs "a directory" "$@"; logs=$2; shift ;;
	*) usage_error "unknown argument '$1'" ;;
	esac
	shift
done
case "$only" in ""|quick|test|cloud) ;; *) usage_error "--only '$only' is not quick, test or cloud" ;; esac
[ "$(id -u)" -eq 0 ] || { echo "tinyben: fresh-root.sh must run as root (it builds a chroot)" >&2; exit 2; }
command -v mmdebstrap >/dev/null || { echo "tinyben: fresh-root.sh needs mmdebstrap (apt-get install mmdebstrap)" >&2; exit 2; }

mirror="${TB_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
security="${TB_DEBIAN_SECURITY:-http://deb.debian.org/debian-security}"
root="$(mktemp -d /var/tmp/tinyben-fresh.XXXXXX)"
cleanup() {
	if [ "$keep" -eq 1 ]; then
		echo "tinyben: fresh root kept at $root" >&2
	else
		rm -rf --one-file-system "$root"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start=$(tb_now)
tb_step "mmdebstrap (Debian 12 minbase)" "$root.log" \
	mmdebstrap --variant=minbase --mode=root bookworm "$root" \
	"deb $mirror bookworm main" "deb $mirror bookworm-updates main" \
	"deb $security bookworm-security main"
echo "tinyben: fresh root $root made in $(($(tb_now) - start)) s" >&2
rm -f "$root.log"

# A clean clone of the commit: only what is committed reaches the root.
git clone -q --no-local "$repo" "$root/root/tinyben"
git -C "$root/root/tinyben" checkout -q "$(git -C "$repo" rev-parse HEAD)"
cp /etc/resolv.conf "$root/etc/resolv.conf"

case "$only" in
quick) commands='run_quick' ;;
test) commands='run_test' ;;
cloud) commands='run_test && run_cloud' ;;
*) commands='run_quick && run_test && run_cloud' ;;
esac

# Everything below runs in new mount and PID namespaces: the mounts vanish with them and every
# process the commands leave (servers started by package scripts, guests) is killed at the end.
status=0
unshare --mount --pid --fork --kill-child env ROOT="$root" COMMANDS="$commands" bash -euo pipefail -c '
	mount --make-rprivate /
	# The root is a mount point of its own, as / is on a machine: tests that make a private
	# mount namespace inside (unshare -m) need that.
	mount --bind "$ROOT" "$ROOT"
	mount -t proc proc "$ROOT/proc"
	mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$ROOT/sys"
	# The control groups a booted machine has (runsc needs them): new mounts of the same kinds
	# and controllers as the host, not a bind of the host'"'"'s tree.
	if [ -d /sys/fs/cgroup ]; then
		mount -t tmpfs -o mode=755,nosuid,nodev,noexec cgroup "$ROOT/sys/fs/cgroup"
		while read -r _ dir type opts _; do
			case "$dir" in /sys/fs/cgroup) ;; /sys/fs/cgroup/*) ;; *) continue ;; esac
			case "$type" in cgroup|cgroup2) ;; *) continue ;; esac
			mkdir -p "$ROOT$dir"
			mount -t "$type" -o "$opts" "$type" "$ROOT$dir"
		done </proc/self/mounts
	fi
	mount -t tmpfs -o mode=755,nosuid dev "$ROOT/dev"
	node() { mknod -m "$1" "$ROOT/dev/$2" c "$3" "$4"; }
	node 666 null 1 3; node 666 zero 1 5; node 666 full 1 7; node 666 random 1 8
	node 666 urandom 1 9; node 666 tty 5 0
	# Devices the host really has, as a fresh machine of this kind would: KVM for guests, FUSE.
	[ -c /dev/kvm ] && node 660 kvm 10 232
	[ -c /dev/fuse ] && node 666 fuse 10 229
	mkdir "$ROOT/dev/pts" "$ROOT/dev/shm" "$ROOT/dev/net"
	[ -c /dev/net/tun ] && node 666 net/tun 10 200
	mount -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts "$ROOT/dev/pts"
	ln -s pts/ptmx "$ROOT/dev/ptmx"
	mount -t tmpfs -o mode=1777,nosuid,nodev shm "$ROOT/dev/shm"
	ln -s /proc/self/fd "$ROOT/dev/fd"
	ln -s /proc/self/fd/0 "$ROOT/dev/stdin"; ln -s /proc/self/fd/1 "$ROOT/dev/stdout"
	ln -s /proc/self/fd/2 "$ROOT/dev/stderr"
	# pivot_root, not chroot: a chrooted process may not create user namespaces (runsc does),
	# and on a machine / is the root of its mount namespace. The host'"'"'s tree is then let go.
	cd "$ROOT"
	mkdir -p .host-root
	pivot_root . .host-root
	cd /
	umount -l /.host-root
	rmdir /.host-root
	exec /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin COMMANDS="$COMMANDS" \
		bash -euo pipefail -c '"'"'
		cd /root/tinyben
		t() { date +%s; }
		# set -e does not apply inside a function called in an && list (eval below): each
		# step returns its own failure, or a failed test.sh would let the cloud suite run on.
		run_quick() {
			local s; s=$(t)
			echo "== fresh root: scripts/quick.sh" >&2
			scripts/quick.sh -o /root/quick.csv || return
			echo "== fresh root: scripts/quick.sh took $(($(t) - s)) s" >&2
			python3 scripts/check-suite.py build/tinyben /root/quick.csv || return
		}
		run_test() {
			local s; s=$(t)
			echo "== fresh root: scripts/test.sh" >&2
			scripts/test.sh || return
			echo "== fresh root: scripts/test.sh took $(($(t) - s)) s" >&2
		}
		run_cloud() {
			local s; s=$(t)
			echo "== fresh root: meson test --suite cloud (a real cloud-init guest)" >&2
			mv build/meson-logs/testlog.json build/meson-logs/testlog-main.json
			meson test -C build --print-errorlogs --suite cloud || return
			mv build/meson-logs/testlog.json build/meson-logs/testlog-cloud.json
			echo "== fresh root: the cloud suite took $(($(t) - s)) s" >&2
		}
		eval "$COMMANDS"
	'"'"'
' || status=$?

if [ -n "$logs" ]; then
	mkdir -p "$logs"
	cp -f "$root/root/quick.csv" "$logs/" 2>/dev/null || true
	cp -rf "$root/root/tinyben/build/meson-logs" "$logs/" 2>/dev/null || true
fi
echo "tinyben: fresh root finished with status $status after $(($(tb_now) - start)) s" >&2
exit "$status"
