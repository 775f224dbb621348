#!/usr/bin/env bash
# Builds a cloud-init NoCloud seed (ISO 9660, volume id "cidata") whose user-data embeds the
# static tinyben and runs it at first boot (see user-data.in).
#
# Usage: packaging/cloud-init/make-seed.sh -o SEED.iso [--tinyben PATH] [--hostname NAME]
#            [--run-args "run --quick --runs 3"] [--attest] [--ssh-key FILE.pub]
#            [--tinyben-on-seed] [--no-packages] [--user-data FILE] [--force]
#   --hostname   guest hostname, the first part of the CSV name (default tinyben-guest)
#   --run-args   tinyben's arguments at first boot (default "run --quick --runs 3": three runs,
#                the fewest for which compare gives a verdict)
#   --attest     also `tinyben attest --bind` the CSV (SEV-SNP / TDX guests)
#   --ssh-key    public key for the image's default user (ssh -p 2222 debian@127.0.0.1)
#   --tinyben-on-seed  put tinyben on the seed ISO as a file that first boot copies in,
#                instead of inside user-data: cloud-init then parses no 4 MiB of YAML in
#                each of its stages (minutes under TCG); only for a seed ISO, not for a cloud
#                that takes user-data alone
#   --no-packages  no cloud-init `packages: [redis-server]` (by default the guest installs
#                redis-server at first boot when its image lacks it, for io.redis; that needs
#                Debian's archive. Images from packaging/image/build-image.sh have it)
#   --user-data  also keep the generated user-data in FILE
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
out= tinyben= hostname=tinyben-guest run_args="run --quick --runs 3" attest=0 ssh_key= keep= force=0
on_seed=0 packages=1

while [ $# -gt 0 ]; do
	case "$1" in
	-o|--output) needs "a file" "$@"; out=$2; shift 2 ;;
	--tinyben) needs "a file" "$@"; tinyben=$2; shift 2 ;;
	--hostname) needs "a name" "$@"; hostname=$2
		[[ $hostname =~ ^[A-Za-z0-9][A-Za-z0-9-]{0,62}$ ]] || die "--hostname '$hostname' is not a host name"
		shift 2 ;;
	--run-args) needs "arguments" "$@"; run_args=$2; check_run_args "$run_args"; shift 2 ;;
	--attest) attest=1; shift ;;
	--ssh-key) needs "a file" "$@"; ssh_key=$2; shift 2 ;;
	--user-data) needs "a file" "$@"; keep=$2; shift 2 ;;
	--tinyben-on-seed) on_seed=1; shift ;;
	--no-packages) packages=0; shift ;;
	--force) force=1; shift ;;
	-h|--help) sed -n '5,23s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) die "unknown option '$1' (see --help)" ;;
	esac
done
[ -n "$out" ] || die "needs -o SEED.iso"
[ ! -e "$out" ] || [ $force = 1 ] || die "$out already exists (use --force to replace it)"
[ -z "$keep" ] || [ ! -e "$keep" ] || [ $force = 1 ] || die "$keep already exists (use --force)"
static_tinyben "the guest needs the static build"
keys=
if [ -n "$ssh_key" ]; then
	[ -r "$ssh_key" ] || die "--ssh-key $ssh_key: cannot read it"
	key=$(head -n 1 "$ssh_key")
	key=${key#$'\xef\xbb\xbf'} key=${key%$'\r'} # a Windows editor's byte-order mark, CRLF
	# One public key line, TYPE BASE64 [COMMENT]: not a private key, not an empty file.
	[[ $key =~ ^(ssh-[a-z0-9-]+|ecdsa-sha2-[a-z0-9-]+|sk-[a-z0-9@.-]+)[[:space:]]+[A-Za-z0-9+/]+=*([[:space:]].*)?$ ]] ||
		die "--ssh-key $ssh_key: not an SSH public key (a FILE.pub line: TYPE BASE64 [COMMENT])"
	# Single-quoted in YAML: a comment such as 'me: laptop #2' stays part of the key.
	keys="ssh_authorized_keys:"$'\n'"  - '${key//\'/\'\'}'"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tinyben-seed-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
if [ $on_seed = 0 ]; then
	{
		printf '%s\n' "  - path: /usr/local/bin/tinyben" "    permissions: '0755'" \
			"    encoding: gz+b64" "    content: |"
		gzip -9nc "$tinyben" | base64 -w 76 | sed 's/^/      /'
	} >"$tmp/content"
else
	: >"$tmp/content"
fi
pkgs=
# cloud-init's Debian package module runs apt-get update first: with packages on, the guest
# needs the archive even when redis-server is already there.
[ $packages = 0 ] || pkgs="packages:"$'\n'"  - redis-server"
awk -v host="$hostname" -v args="$run_args" -v attest="$attest" -v keys="$keys" \
    -v content="$tmp/content" -v pkgs="$pkgs" -v from_seed="$on_seed" '
	/^@TINYBEN_FILE@$/ { while ((getline l < content) > 0) print l; next }
	/^@SSH_KEYS@$/ { if (keys != "") print keys; next }
	/^@PACKAGES@$/ { if (pkgs != "") print pkgs; next }
	{ gsub(/@HOSTNAME@/, host); gsub(/@RUN_ARGS@/, args); gsub(/@ATTEST@/, attest);
	  gsub(/@FROM_SEED@/, from_seed); print }
' "$here/user-data.in" >"$tmp/user-data"
printf 'instance-id: tinyben-%s-%s\nlocal-hostname: %s\n' "$hostname" "$(date -u +%s)" \
	"$hostname" >"$tmp/meta-data"

if [ $on_seed = 1 ]; then
	# cloud-localds takes no extra files; Rock Ridge keeps the binary's mode.
	command -v genisoimage >/dev/null 2>&1 || die "--tinyben-on-seed needs genisoimage"
	cp "$tinyben" "$tmp/tinyben"
	genisoimage -quiet -output "$tmp/seed.iso" -volid cidata -joliet -rock \
		"$tmp/user-data" "$tmp/meta-data" "$tmp/tinyben"
elif command -v cloud-localds >/dev/null 2>&1; then
	cloud-localds "$tmp/seed.iso" "$tmp/user-data" "$tmp/meta-data"
elif command -v genisoimage >/dev/null 2>&1; then
	genisoimage -quiet -output "$tmp/seed.iso" -volid cidata -joliet -rock \
		"$tmp/user-data" "$tmp/meta-data"
else
	die "needs cloud-localds (cloud-image-utils) or genisoimage"
fi
mv -f "$tmp/seed.iso" "$out"
[ -z "$keep" ] || cp "$tmp/user-data" "$keep"
echo "make-seed.sh: $out (hostname $hostname, first boot: tinyben $run_args$([ $packages = 0 ] || echo ', installs redis-server if missing'))" >&2
