#!/usr/bin/env bash
# Builds a bootable Debian guest disk (qcow2) for tinyben from Debian's archive, for labs where
# no cloud image can be downloaded: systemd, Debian's cloud kernel, cloud-init (NoCloud),
# OpenSSH and redis-server, so that a guest runs every benchmark offline.
#
# Usage: packaging/image/build-image.sh -o IMAGE.qcow2 [options]        (as root)
#   --suite NAME      Debian release (default bookworm, Debian 12)
#   --mirror URL      Debian archive (default http://deb.debian.org/debian)
#   --security URL    security archive (default http://deb.debian.org/debian-security; "none")
#   --size SIZE       virtual disk size, e.g. 4G (default 4G; the qcow2 file stays small)
#   --packages LIST   more packages, comma-separated
#   --force           replace an existing IMAGE and its boot files
# Writes IMAGE.qcow2 (one ext4 file system labelled tinyben-root, no partition table, no boot
# loader) and, beside it, the files for QEMU's direct kernel boot: IMAGE.vmlinuz,
# IMAGE.initrd and IMAGE.cmdline (packaging/qemu/launch.sh --kernel IMAGE.vmlinuz
# --initrd IMAGE.initrd reads IMAGE.cmdline itself). Direct boot is also what SEV-SNP's
# measured boot needs: the firmware then measures exactly these three.
# Exit status: 0 built, 1 could not build (no root, a missing tool, no space, the archive),
# 2 bad usage.
set -euo pipefail

die() { echo "build-image.sh: $*" >&2; exit 2; }
fail() { echo "build-image.sh: $*" >&2; exit 1; }
note() { echo "build-image.sh: $*" >&2; }
# needs WHAT OPTION [VALUE...]: the option's value is there and not empty, else one usage line
# and exit 2 (bash's own ${2:?} says "parameter null or not set" and exits 1).
needs() { [ $# -ge 3 ] && [ -n "$3" ] || die "$2 needs $1 (see --help)"; }

out= suite=bookworm mirror=http://deb.debian.org/debian security=http://deb.debian.org/debian-security
size=4G extra= force=0
while [ $# -gt 0 ]; do
	case "$1" in
	-o|--output) needs "a file" "$@"; out=$2; shift 2 ;;
	--suite) needs "a name" "$@"; suite=$2; shift 2 ;;
	--mirror) needs "a URL" "$@"; mirror=$2; shift 2 ;;
	--security) needs "a URL or none" "$@"; security=$2; shift 2 ;;
	--size) needs "a size" "$@"; size=$2; shift 2 ;;
	--packages) [ $# -ge 2 ] || die "--packages needs a list (see --help)"; extra=$2; shift 2 ;;
	--force) force=1; shift ;;
	-h|--help) sed -n '6,20s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) die "unknown argument '$1' (see --help)" ;;
	esac
done
[ -n "$out" ] || die "needs -o IMAGE.qcow2"
case "$out" in *.qcow2) ;; *) die "-o $out: the image name must end in .qcow2" ;; esac
[[ $suite =~ ^[a-z]+$ ]] || die "--suite '$suite' is not a Debian release name"
[[ $mirror =~ ^(https?|file):// ]] || die "--mirror '$mirror' is not a URL"
[ "$security" = none ] || [[ $security =~ ^(https?|file):// ]] || die "--security '$security' is not a URL (or none)"
[[ $size =~ ^[1-9][0-9]*[MG]$ ]] || die "--size '$size' is not a size like 4G or 3072M"
size_mib=${size%[MG]}
[ "${size: -1}" = M ] || size_mib=$((size_mib * 1024))
[ "$size_mib" -ge 1536 ] || die "--size $size: the system needs at least 1536M"
[[ $extra =~ ^[a-z0-9.+,-]*$ ]] || die "--packages '$extra': comma-separated Debian package names please"

base=${out%.qcow2}
outputs=("$out" "$base.vmlinuz" "$base.initrd" "$base.cmdline")
for f in "${outputs[@]}"; do
	[ ! -e "$f" ] || [ $force = 1 ] || die "$f already exists (use --force to replace it)"
done
dir=$(dirname "$out")
[ -d "$dir" ] && [ -w "$dir" ] || die "-o $out: cannot write in $dir"

[ "$(id -u)" = 0 ] || fail "needs root: the image's files belong to root and other users"
for tool in mmdebstrap:mmdebstrap mkfs.ext4:e2fsprogs qemu-img:qemu-utils; do
	command -v "${tool%%:*}" >/dev/null 2>&1 || fail "no ${tool%%:*} (apt-get install ${tool#*:})"
done

# Free space first, not after ten minutes of downloads: the unpacked system (about 0.5 GiB),
# the raw file system made from it (sparse, as much again) and the qcow2 copy, in $dir.
need_mib=2048
free_mib=$(($(df -Pk "$dir" | awk 'NR == 2 { print $4 }') / 1024))
[ "$free_mib" -ge "$need_mib" ] || fail "only $free_mib MiB free in $dir; the build needs $need_mib MiB"

# The work happens beside the output (one file system: the final rename is atomic) and is
# removed on every exit, Ctrl-C included.
work=$(mktemp -d "$dir/.build-image-XXXXXX")
# --one-file-system: never into a mount a killed mmdebstrap might have left in the tree.
cleanup() { rm -rf --one-file-system "$work"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# What a guest needs: cloud-init's NoCloud datasource and a DHCP client it can configure
# (ifupdown: its "eni" renderer), sshd with the sftp server (scp speaks SFTP since OpenSSH
# 9.0), resize2fs for cloud-init's resizefs, sudo for the default user, redis-server for
# io.redis (an offline guest cannot install it at first boot).
pkgs=systemd-sysv,udev,linux-image-cloud-amd64,initramfs-tools,cloud-init,openssh-server
pkgs+=,openssh-sftp-server,redis-server,ifupdown,isc-dhcp-client,iproute2,netbase,sudo,e2fsprogs
[ -z "$extra" ] || pkgs+=",$extra"
sources=("deb $mirror $suite main" "deb $mirror $suite-updates main")
[ "$security" = none ] || sources+=("deb $security $suite-security main")

root=$work/root
log=$work/mmdebstrap.log
t0=$(date +%s)
note "debootstrapping Debian $suite from $mirror into $work (a few minutes)"
# No documentation, manual pages or translations: a benchmark guest reads none of them.
if ! mmdebstrap --variant=minbase --mode=root --format=directory --include="$pkgs" \
	--dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
	--dpkgopt='path-include=/usr/share/doc/*/copyright' \
	--dpkgopt='path-exclude=/usr/share/locale/*' \
	"$suite" "$root" "${sources[@]}" >"$log" 2>&1; then
	missing=$(grep -oE "Unable to locate package [^ ]+|Package '?[^ ']+'? has no installation candidate" "$log" |
	          grep -oE "(package |Package '?)[^ ']+" | awk '{print $2}' | tr -d "'" | sort -u | paste -sd, - || true)
	if grep -qiE "Could not resolve|Failed to fetch|Temporary failure resolving|Could not connect|Connection (refused|timed out)|Unable to connect|No route to host|404 +Not Found|does not have a Release file" "$log"; then
		why=$(grep -m 1 -iE "Could not resolve|Failed to fetch|Temporary failure|Could not connect|Connection|Unable to connect|No route|404|Release file" "$log" | sed 's/^[A-Z]: //; s/^[[:space:]]*//' | cut -c1-160)
		fail "cannot reach Debian's archive for $suite at $mirror ($why); the image's packages come from there: $pkgs"
	fi
	[ -z "$missing" ] || fail "$suite at $mirror has no package $missing"
	tail -n 15 "$log" >&2
	fail "mmdebstrap failed (its last lines are above)"
fi
note "system unpacked in $(($(date +%s) - t0)) s"

# The root file system by label: the same command line works whatever the disk's name.
label=tinyben-root
echo "LABEL=$label / ext4 rw,errors=remount-ro 0 1" >"$root/etc/fstab"
# cloud-init names the guest (--hostname of make-seed.sh); no build host's name stays behind.
echo localhost >"$root/etc/hostname"
# Look for a NoCloud seed only: probing for a cloud's metadata server costs a minute of
# timeouts in a lab guest. "None" lets cloud-init finish without a seed.
# The image has no locale data (minbase): cloud-init's locale module would fail to make
# en_US.UTF-8 and mark the whole boot "error"; C.UTF-8 is built into the C library, and
# cloud-init generates nothing for it.
# manage_etc_hosts: the guest resolves its own name (sudo complains otherwise).
cat >"$root/etc/cloud/cloud.cfg.d/90-tinyben.cfg" <<'EOF'
# packaging/image/build-image.sh: a lab guest, seeded by packaging/cloud-init/make-seed.sh
datasource_list: [ NoCloud, None ]
locale: C.UTF-8
manage_etc_hosts: true
EOF
# apt in the guest (cloud-init's packages: runs apt-get update) fetches no translations:
# 6 MiB less to download and parse at first boot, which under TCG takes a minute.
echo 'Acquire::Languages "none";' >"$root/etc/apt/apt.conf.d/90tinyben-no-translations"
# Every guest gets its own SSH host keys at first boot (cloud-init's ssh module) and its own
# machine id (systemd): none of the build's may be shared by all guests of this image.
rm -f "$root"/etc/ssh/ssh_host_*
: >"$root/etc/machine-id"
rm -f "$root/var/lib/dbus/machine-id"
# tinyben starts its own redis-server for io.redis; a second one idling in the guest is noise.
systemctl --root="$root" disable redis-server.service >/dev/null 2>&1 || true

kernel=$(find "$root/boot" -maxdepth 1 -name 'vmlinuz-*' | sort -V | tail -n 1)
initrd=$root/boot/initrd.img-${kernel##*/vmlinuz-}
[ -n "$kernel" ] && [ -s "$initrd" ] || fail "no kernel and initrd in the image's /boot (did linux-image-cloud-amd64 install?)"
cp "$kernel" "$work/vmlinuz"
cp "$initrd" "$work/initrd"
chmod 0644 "$work/vmlinuz" "$work/initrd"
# no_timer_check: under TCG on a busy host the IO-APIC timer check can miss its window and
# panic; it proves nothing in a VM.
echo "root=LABEL=$label rw console=ttyS0 no_timer_check" >"$work/cmdline"

# mkfs.ext4 -d copies the tree with owners, modes, links and device nodes: no loop device, no
# mount. The raw file is sparse; qemu-img keeps only the blocks in use.
mkfs.ext4 -q -F -L "$label" -d "$root" "$work/root.raw" "${size_mib}M" >/dev/null ||
	fail "mkfs.ext4 could not make the $size file system"
rm -rf "$root"
qemu-img convert -q -O qcow2 "$work/root.raw" "$work/image.qcow2"
rm -f "$work/root.raw"

mv -f "$work/vmlinuz" "$base.vmlinuz"
mv -f "$work/initrd" "$base.initrd"
mv -f "$work/cmdline" "$base.cmdline"
mv -f "$work/image.qcow2" "$out"
note "$out ($(du -h "$out" | cut -f1) on disk, $size virtual), kernel ${kernel##*/vmlinuz-}, in $(($(date +%s) - t0)) s"
note "boot a thin copy: packaging/qemu/launch.sh plain --disk COPY.qcow2 --kernel $base.vmlinuz --initrd $base.initrd --seed SEED.iso"
