#!/usr/bin/env bash
# Builds a minimal initramfs (static busybox + static tinyben + the few kernel modules a
# virtio disk needs) whose /init runs tinyben commands given on the kernel command line.
#
# Usage: packaging/initramfs/build.sh -o OUT.cpio.gz [--tinyben PATH] [--busybox PATH]
#            [--kernel-version VER] [--modules "virtio_pci virtio_blk"] [--force]
# Boot it, e.g.:
#   qemu-system-x86_64 -m 512 -nographic -no-reboot -kernel /boot/vmlinuz-VER -initrd OUT.cpio.gz \
#     -append 'console=ttyS0 panic=-1 quiet -- detect ; run -b mem.mbw --quick'
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
out= tinyben= busybox= kver= force=0
modules="virtio_pci virtio_blk"

usage() { sed -n '5,10s/^# \{0,1\}//p' "$0"; }

while [ $# -gt 0 ]; do
	case "$1" in
	-o|--output) needs "a file" "$@"; out=$2; shift 2 ;;
	--tinyben) needs "a file" "$@"; tinyben=$2; shift 2 ;;
	--busybox) needs "a file" "$@"; busybox=$2; shift 2 ;;
	--kernel-version) needs "a version" "$@"; kver=$2; shift 2 ;;
	--modules) [ $# -ge 2 ] || die "--modules needs a list (see --help)"; modules=$2; shift 2 ;;
	--force) force=1; shift ;;
	-h|--help) usage; exit 0 ;;
	*) die "unknown option '$1' (see --help)" ;;
	esac
done

[ -n "$out" ] || die "needs -o OUT.cpio.gz"
[ ! -e "$out" ] || [ $force = 1 ] || die "$out already exists (use --force to replace it)"
# The initramfs has no C library: a dynamically linked tinyben could not start.
static_tinyben "build the static one (meson setup -Dstatic=true)"
if [ -z "$busybox" ]; then
	busybox=/bin/busybox
fi
[ -x "$busybox" ] || die "no static busybox at $busybox (apt-get install busybox-static)"
ldd "$busybox" >/dev/null 2>&1 && die "$busybox is dynamically linked (install busybox-static)"

if [ -n "$modules" ]; then
	if [ -z "$kver" ]; then
		# Debian's cloud kernel, the one the end-to-end test boots.
		kver=$(ls -1 /lib/modules 2>/dev/null | grep -- '-cloud-amd64$' | sort -V | tail -n 1 || true)
		[ -n "$kver" ] || kver=$(uname -r)
	fi
	moddir=/lib/modules/$kver
	[ -f "$moddir/modules.dep" ] || die "no $moddir/modules.dep (wrong --kernel-version?)"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tinyben-initramfs-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
root=$tmp/root
mkdir -p "$root"/{bin,dev,proc,sys,mnt,tmp,etc/tinyben,lib/modules}

cp "$busybox" "$root/bin/busybox"
for applet in sh mount umount insmod poweroff sync usleep hostname dmesg cat echo ls; do
	ln -s busybox "$root/bin/$applet"
done
cp "$tinyben" "$root/bin/tinyben"
install -m 0755 "$here/init.sh" "$root/init"
# The kernel opens /dev/console before /init runs; without the node (not root here)
# /init reopens it from devtmpfs itself.
mknod -m 600 "$root/dev/console" c 5 1 2>/dev/null || true

# Resolve each module's dependencies from modules.dep (deps listed nearest first),
# load order = dependencies before dependents, each once.
declare -A seen=()
order=()
add_module() { # $1: path relative to $moddir
	local rel=$1 deps dep
	[ -n "${seen[$rel]:-}" ] && return 0
	seen[$rel]=1
	deps=$(awk -v m="$rel:" '$1 == m { $1 = ""; print; exit }' "$moddir/modules.dep")
	for dep in $deps; do add_module "$dep"; done
	order+=("$rel")
}
for m in $modules; do
	if grep -q "/$m\.ko" "$moddir/modules.builtin" 2>/dev/null; then
		continue # built into this kernel
	fi
	rel=$(grep -m1 -E "(^|/)$m\.ko(\.xz|\.zst|\.gz)?:" "$moddir/modules.dep" | cut -d: -f1 || true)
	[ -n "$rel" ] || die "module $m not found for kernel $kver"
	add_module "$rel"
done
: >"$root/etc/tinyben/modules"
for rel in "${order[@]}"; do
	name=$(basename "$rel")
	case "$name" in
	*.ko) cp "$moddir/$rel" "$root/lib/modules/$name" ;;
	*.ko.xz) xz -dc "$moddir/$rel" >"$root/lib/modules/${name%.xz}"; name=${name%.xz} ;;
	*.ko.zst) zstd -qdc "$moddir/$rel" >"$root/lib/modules/${name%.zst}"; name=${name%.zst} ;;
	*.ko.gz) gzip -dc "$moddir/$rel" >"$root/lib/modules/${name%.gz}"; name=${name%.gz} ;;
	*) die "unexpected module file $rel" ;;
	esac
	echo "$name" >>"$root/etc/tinyben/modules"
done

(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -6n >"$tmp/out"
mv -f "$tmp/out" "$out"
echo "build.sh: $out ($(du -k "$out" | cut -f1) KiB; modules: ${order[*]:-none})" >&2
