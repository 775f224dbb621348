#!/usr/bin/env bash
# Stands in for packaging/qemu/launch.sh in the fleet tests (matrix.sh --launcher): takes its
# arguments and "boots" a guest that is an sshd on --ssh-port, as PID 1 of its own PID and
# mount namespaces with its own /var/tmp. So, like a VM, the guest's files are its own, and
# stopping it (SIGTERM to this process) ends everything that ran in it, async jobs included.
# The key it accepts is matrix.sh's (WORK/id.pub, beside the guest's folder WORK/NAME/).
set -euo pipefail
mode=$1; shift
disk= port= pidfile= vcpus= memory=
while [ $# -gt 0 ]; do
	case "$1" in
	--disk) disk=$2; shift 2 ;;
	--ssh-port) port=$2; shift 2 ;;
	--pidfile) pidfile=$2; shift 2 ;;
	--vcpus) vcpus=$2; shift 2 ;;
	--memory) memory=$2; shift 2 ;;
	--dry-run) echo "sshd_guest.sh: no dry run" >&2; exit 2 ;;
	--*) shift 2 ;;
	*) echo "sshd_guest.sh: unexpected '$1'" >&2; exit 2 ;;
	esac
done
dir=$(dirname "$disk")
# A guest that cannot start, as QEMU says it (the tests' failing entry).
if [ -n "${TB_FAKE_GUEST_FAIL_VCPUS:-}" ] && [ "$vcpus" = "$TB_FAKE_GUEST_FAIL_VCPUS" ]; then
	echo "qemu-system-x86_64: cannot set up guest memory 'pc.ram': Cannot allocate memory" >&2
	exit 1
fi
echo "mode=$mode vcpus=$vcpus memory=$memory port=$port" >"$dir/launched"
ssh-keygen -q -t ed25519 -N '' -f "$dir/hostkey"
cat >"$dir/sshd_config" <<CFG
ListenAddress 127.0.0.1:$port
HostKey $dir/hostkey
AuthorizedKeysFile $(dirname "$dir")/id.pub
PidFile none
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UsePAM no
StrictModes no
Subsystem sftp internal-sftp
CFG
mkdir -p /run/sshd
echo $$ >"$pidfile"
# This machine's shell start-up files are not the guest's: a guest has none (and a host's
# may run slow things, such as pyenv's rehash, that a killed guest would leave half done).
mask=
for f in "$HOME/.bashrc" "$HOME/.profile" "$HOME/.bash_profile" "$HOME/.bash_login"; do
	[ ! -e "$f" ] || mask+="mount --bind /dev/null '$f' && "
done
# --kill-child: when unshare dies, the namespace's PID 1 gets SIGKILL, and with it every
# process of the namespace. unshare itself ignores SIGTERM while it waits, so this script
# turns a SIGTERM (how matrix.sh stops a guest, as QEMU quits on it) into its SIGKILL.
unshare --pid --fork --kill-child --mount --propagation private \
	sh -c "$mask"'mount -t tmpfs -o size=256m tmpfs /var/tmp && exec /usr/sbin/sshd -D -e -f "$1"' sh "$dir/sshd_config" &
child=$!
trap 'kill -KILL $child 2>/dev/null; wait $child; exit 143' TERM INT
wait $child
