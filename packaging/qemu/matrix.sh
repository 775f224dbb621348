#!/usr/bin/env bash
# Runs tinyben on a matrix of guest configurations on this host, from one matrix file to one
# report: for each entry a thin overlay of the guest image, its own cloud-init seed and SSH
# port, tags naming the configuration; the guests run the fleet playbook (packaging/ansible).
#
# Usage: packaging/qemu/matrix.sh -m MATRIX --image IMAGE.qcow2 [options]
#   -m, --matrix FILE    the matrix: lines "modes: plain plain-swiotlb sev-snp", "vcpus: 1 2",
#                        "memory: 1024 2048" (MiB), "cmdline: \"\" \"idle=poll\"" (guest
#                        kernel arguments, quoted), "repetitions: 3" (boots of each entry:
#                        round 1 boots every entry once, in a random order, then round 2...)
#   --seed N             the seed of that order (default: random; printed and written to
#                        DIR/order-RUN.txt with the order, so that --seed N repeats it)
#   --image IMAGE        guest image (packaging/image/build-image.sh; its IMAGE.vmlinuz and
#                        IMAGE.initrd, when present, are booted directly)
#   --tinyben PATH       static tinyben (default: build/tinyben of this tree)
#   --run-args "ARGS"    what each guest runs (default "run --quick")
#   --parallel N         N guests at the same time (default 1: one after the other, the fair
#                        way to measure); tagged concurrency=parallel-N: that is contention
#   --results DIR        results folder (default results): DIR/<guest>/ (CSV, evidence, the
#                        boot log of docs/BOOT.md), report, summary, order-RUN.txt
#   --base-port PORT     SSH ports PORT, PORT+1, ... on 127.0.0.1 (default 10022)
#   --ovmf FILE          firmware for launch.sh (SEV modes need an OVMF built for SEV)
#   --boot-timeout S     seconds a guest may take to answer SSH (default 900; TCG is slow)
#   --timeout S          seconds the suite may run in each guest (default 3600)
#   --user NAME          the guest user the seed creates, with sudo (default tinyben)
#   --launcher PATH      starts one guest, taking launch.sh's arguments (default launch.sh)
#   --work DIR           where overlays, seeds, the SSH key and console logs go (default
#                        $TMPDIR); a folder of this run inside it is removed at the end
#   --keep-work          keep that folder (console logs of the guests)
#   --run-id ID          name of this run in every file (default: UTC time)
#   --dry-run            print the entries, their ports and tags, and start nothing
# Exit status: 0 every guest measured, 1 a guest or the report failed (the others' results
# are still fetched and reported), 2 bad usage, 130 interrupted. Every guest it started is
# stopped at the end, on error and on Ctrl-C.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
. "$here/../lib.sh"
fail() { echo "matrix.sh: $*" >&2; exit 1; }
note() { echo "matrix.sh: $*" >&2; }

matrix= image= tinyben=$root/build/tinyben run_args="run --quick" parallel=1 results=results
base_port=10022 ovmf= boot_timeout=900 timeout=3600 user=tinyben launcher=$here/launch.sh
work_parent=${TMPDIR:-/tmp} keep_work=0 run_id= dry_run=0 seed=

# Decimal without leading zeros (bash arithmetic reads 010 as octal, 08 as an error), and
# short enough for [ -ge ] and $(( )).
is_uint() { [[ $1 =~ ^(0|[1-9][0-9]{0,17})$ ]]; }
while [ $# -gt 0 ]; do
	case "$1" in
	-m|--matrix) needs "a file" "$@"; matrix=$2; shift 2 ;;
	--image) needs "a file" "$@"; image=$2; shift 2 ;;
	--tinyben) needs "a file" "$@"; tinyben=$2; shift 2 ;;
	--run-args) needs "arguments" "$@"; run_args=$2; check_run_args "$run_args"; shift 2 ;;
	--parallel) needs "a count" "$@"; parallel=$2; is_uint "$parallel" && [ "$parallel" -ge 1 ] || die "--parallel '$parallel' is not a count"; shift 2 ;;
	--results) needs "a folder" "$@"; results=$2; shift 2 ;;
	--base-port) needs "a port" "$@"; base_port=$2; is_uint "$base_port" && [ "$base_port" -ge 1024 ] && [ "$base_port" -le 65000 ] || die "--base-port '$base_port' is not a port (1024..65000)"; shift 2 ;;
	--ovmf) needs "a file" "$@"; ovmf=$2; shift 2 ;;
	--boot-timeout) needs "seconds" "$@"; boot_timeout=$2; is_uint "$boot_timeout" && [ "$boot_timeout" -ge 1 ] || die "--boot-timeout '$boot_timeout' is not seconds"; shift 2 ;;
	--timeout) needs "seconds" "$@"; timeout=$2; is_uint "$timeout" && [ "$timeout" -ge 1 ] || die "--timeout '$timeout' is not seconds"; shift 2 ;;
	--user) needs "a user name" "$@"; user=$2; [[ $user =~ ^[a-z_][a-z0-9_-]{0,31}$ ]] || die "--user '$user' is not a user name"; shift 2 ;;
	--launcher) needs "a program" "$@"; launcher=$2; shift 2 ;;
	--work) needs "a folder" "$@"; work_parent=$2; shift 2 ;;
	--keep-work) keep_work=1; shift ;;
	--run-id) needs "a name" "$@"; run_id=$2; [[ $run_id =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ ]] || die "--run-id '$run_id': letters, digits and ._- only"; shift 2 ;;
	--seed) needs "a number" "$@"; seed=$2; is_uint "$seed" && [ ${#seed} -le 18 ] || die "--seed '$seed' is not a number"; shift 2 ;;
	--dry-run) dry_run=1; shift ;;
	-h|--help) sed -n '6,35s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) die "unknown argument '$1' (see --help)" ;;
	esac
done
[ -n "$matrix" ] || die "needs -m MATRIX (see --help)"
[ -r "$matrix" ] || die "--matrix $matrix: cannot read it"
[[ " $run_args " != *" -o"* && " $run_args " != *" --output"* ]] || die "--run-args: no -o, the playbook names each guest's CSV"
[ -n "$run_id" ] || run_id=$(date -u +%Y%m%dT%H%M%SZ)
# Each guest's tinyben reads the host's view of its boot from here (cc.boot's host-* rows).
guest_boot_log=/var/tmp/tinyben-host-boot.log host_log_arg=
[[ $run_args != run\ * ]] || host_log_arg=" --set cc.boot.host_log=$guest_boot_log"

# --- the matrix file --------------------------------------------------------------------------
modes=() vcpus=() memory=() cmdlines=() reps=1 have_cmdline=0
lineno=0
while IFS= read -r line || [ -n "$line" ]; do
	lineno=$((lineno + 1))
	# A file saved by a Windows editor: its byte-order mark and CRLF line ends are not text.
	[ $lineno != 1 ] || line=${line#$'\xef\xbb\xbf'}
	line=${line%$'\r'}
	line=${line%%#*}
	[[ $line =~ ^[[:space:]]*$ ]] && continue
	[[ $line =~ ^[[:space:]]*([a-z]+)[[:space:]]*:(.*)$ ]] || die "$matrix:$lineno: expected 'key: values', got '$line'"
	key=${BASH_REMATCH[1]}
	if [ "$key" = cmdline ]; then
		# Kernel arguments hold spaces and commas: "double-quoted" values ("" is the image's
		# own command line), or single words.
		vals=() rest=${BASH_REMATCH[2]}
		while [[ $rest =~ ^[[:space:]]*(\"([^\"]*)\"|([^[:space:]\"]+))(.*)$ ]]; do
			vals+=("${BASH_REMATCH[2]}${BASH_REMATCH[3]}")
			rest=${BASH_REMATCH[4]}
		done
		[[ $rest =~ ^[[:space:]]*$ ]] || die "$matrix:$lineno: cmdline: unbalanced quote in '$rest'"
	else
		read -r -a vals <<<"${BASH_REMATCH[2]//,/ }"
	fi
	[ ${#vals[@]} -gt 0 ] || die "$matrix:$lineno: '$key' has no values"
	for v in "${vals[@]}"; do
		case "$key" in
		modes) [[ $v =~ ^(plain|plain-swiotlb|sev|sev-es|sev-snp)$ ]] || die "$matrix:$lineno: mode '$v' is not plain, plain-swiotlb, sev, sev-es or sev-snp" ;;
		vcpus) is_uint "$v" && [ "$v" -ge 1 ] && [ "$v" -le 512 ] || die "$matrix:$lineno: vcpus '$v' is not a count (1..512)" ;;
		memory) is_uint "$v" && [ "$v" -ge 256 ] || die "$matrix:$lineno: memory '$v' is not MiB (at least 256: a Debian guest with cloud-init)" ;;
		repetitions) is_uint "$v" && [ "$v" -ge 1 ] && [ ${#vals[@]} = 1 ] || die "$matrix:$lineno: repetitions takes one count" ;;
		# They go into the inventory's YAML and onto QEMU's -append: plain words only.
		cmdline) [[ $v =~ ^[A-Za-z0-9\ ._,:=/+-]*$ ]] || die "$matrix:$lineno: cmdline '$v': only letters, digits, spaces and ._,:=/+- please" ;;
		*) die "$matrix:$lineno: unknown key '$key' (modes, vcpus, memory, cmdline, repetitions)" ;;
		esac
	done
	case "$key" in
	modes) modes+=("${vals[@]}") ;;
	vcpus) vcpus+=("${vals[@]}") ;;
	memory) memory+=("${vals[@]}") ;;
	cmdline) cmdlines+=("${vals[@]}"); have_cmdline=1 ;;
	repetitions) reps=${vals[0]} ;;
	esac
done <"$matrix"
[ ${#modes[@]} -gt 0 ] || modes=(plain)
[ ${#vcpus[@]} -gt 0 ] || die "$matrix: needs a 'vcpus:' line"
[ ${#memory[@]} -gt 0 ] || die "$matrix: needs a 'memory:' line"
[ ${#cmdlines[@]} -gt 0 ] || cmdlines=("")

# The configurations: every mode x vCPUs x memory x command line. The tag guest= names one;
# the report pools its boots.
c_conf=() c_mode=() c_vcpus=() c_mem=() c_cmdline=()
for m in "${modes[@]}"; do for v in "${vcpus[@]}"; do for mem in "${memory[@]}"; do for k in "${cmdlines[@]}"; do
	conf=$m-${v}c-${mem}m
	if [ -n "$k" ]; then
		# the arguments as a host-name part: idle=poll -> idle-poll
		slug=$(tr 'A-Z' 'a-z' <<<"$k" | tr -cs 'a-z0-9' '-' | sed 's/^-*//; s/-*$//' | cut -c1-32)
		conf+=-${slug%-}
	fi
	for c in "${c_conf[@]}"; do [ "$c" != "$conf" ] || die "$matrix: entry $conf is listed twice"; done
	c_conf+=("$conf") c_mode+=("$m") c_vcpus+=("$v") c_mem+=("$mem") c_cmdline+=("$k")
done; done; done; done

# Boots go round by round, every configuration once a round, in an order drawn anew each
# round: a drift of the host over the hours (temperature, neighbours, a daemon) then falls on
# every configuration alike instead of on the one booted last. The generator is MINSTD
# (Park and Miller, x' = 48271 x mod 2^31-1), written here so that a seed gives the same
# order with every bash; Fisher-Yates draws the permutation.
[ -n "$seed" ] || seed=$(od -An -tu4 -N4 /dev/urandom | tr -d ' ')
prng=$((seed % 2147483646 + 1))
next_random() { prng=$((prng * 48271 % 2147483647)); }
names=() e_mode=() e_vcpus=() e_mem=() e_rep=() e_port=() e_conf=() e_cmdline=()
concurrency=sequential
[ "$parallel" = 1 ] || concurrency=parallel-$parallel
nconf=${#c_conf[@]}
for ((r = 1; r <= reps; r++)); do
	order=()
	for ((c = 0; c < nconf; c++)); do order+=("$c"); done
	for ((c = nconf - 1; c > 0; c--)); do
		next_random
		j=$((prng % (c + 1)))
		t=${order[c]} order[c]=${order[j]} order[j]=$t
	done
	for c in "${order[@]}"; do
		name=${c_conf[c]}
		[ "$reps" = 1 ] || name=${c_conf[c]}-r$r
		e_port+=($((base_port + ${#names[@]})))
		names+=("$name") e_conf+=("${c_conf[c]}") e_mode+=("${c_mode[c]}") e_vcpus+=("${c_vcpus[c]}")
		e_mem+=("${c_mem[c]}") e_rep+=("$r") e_cmdline+=("${c_cmdline[c]}")
	done
done
count=${#names[@]}
[ "${e_port[count - 1]}" -le 65535 ] || die "--base-port $base_port: $count guests need ports up to ${e_port[count - 1]}"

tags_of() { # index -> the guest's tags as YAML flow mapping
	local i=$1 extra=
	[ $have_cmdline = 0 ] || extra=", cmdline: \"${e_cmdline[i]}\""
	# boot: the configuration's N-th boot, which is round N (every round boots each once)
	printf '{guest: %s, mode: %s, vcpus: "%s", memory_mib: "%s"%s, boot: "%s", round: "%s", concurrency: %s}' \
		"${e_conf[i]}" "${e_mode[i]}" "${e_vcpus[i]}" "${e_mem[i]}" "$extra" "${e_rep[i]}" "${e_rep[i]}" "$concurrency"
}
if [ $dry_run = 1 ]; then
	note "boot order of seed $seed (--seed $seed repeats it)"
	for ((i = 0; i < count; i++)); do
		printf '%s\tport %s\t%s\n' "${names[i]}" "${e_port[i]}" "$(tags_of "$i")"
	done
	exit 0
fi

# --- what must be there before any guest starts ----------------------------------------------
[ -n "$image" ] || die "needs --image IMAGE.qcow2 (packaging/image/build-image.sh)"
[ -r "$image" ] || die "--image $image: cannot read it"
image=$(cd "$(dirname "$image")" && pwd)/$(basename "$image")
kernel_args=()
if [ -r "${image%.qcow2}.vmlinuz" ] && [ -r "${image%.qcow2}.initrd" ]; then
	kernel_args=(--kernel "${image%.qcow2}.vmlinuz" --initrd "${image%.qcow2}.initrd")
fi
for ((i = 0; i < count; i++)); do
	[ ${#kernel_args[@]} = 0 ] || break
	[ "${e_mode[i]}" != plain-swiotlb ] && [ -z "${e_cmdline[i]}" ] ||
		die "${names[i]}: a guest kernel command line (plain-swiotlb, cmdline:) needs direct kernel boot: ${image%.qcow2}.vmlinuz and .initrd beside the image (build-image.sh writes them)"
done
[ -x "$tinyben" ] || die "--tinyben $tinyben is not an executable file (build it: ninja -C build)"
tinyben=$(cd "$(dirname "$tinyben")" && pwd)/$(basename "$tinyben")
[ -x "$launcher" ] || die "--launcher $launcher is not an executable file"
[ -z "$ovmf" ] || [ -r "$ovmf" ] || die "--ovmf $ovmf: cannot read it"
for tool in qemu-img:qemu-utils ansible-playbook:ansible-core ssh:openssh-client ssh-keygen:openssh-client; do
	command -v "${tool%%:*}" >/dev/null 2>&1 || fail "no ${tool%%:*} (apt-get install ${tool#*:})"
done
command -v cloud-localds >/dev/null 2>&1 || command -v genisoimage >/dev/null 2>&1 ||
	fail "no cloud-localds or genisoimage to make the seeds (apt-get install cloud-image-utils)"
fmt=$(qemu-img info --output=json "$image" 2>/dev/null | sed -n 's/^ *"format": "\(.*\)",*$/\1/p' | head -n 1)
[ -n "$fmt" ] || die "--image $image: qemu-img cannot read it"
for ((i = 0; i < count; i++)); do
	# bash's /dev/tcp: a connection that succeeds means something already listens there
	if (exec 3<>"/dev/tcp/127.0.0.1/${e_port[i]}") 2>/dev/null; then
		fail "port ${e_port[i]} (for ${names[i]}) is in use: choose another --base-port"
	fi
done
# A batch that does not fit in memory would swap or be killed: that measures nothing.
avail=$(awk '/^MemAvailable:/ { print int($2 / 1024) }' /proc/meminfo)
for ((i = 0; i < count; i += parallel)); do
	need=0
	for ((j = i; j < i + parallel && j < count; j++)); do need=$((need + e_mem[j] + 256)); done
	[ -z "$avail" ] || [ "$need" -le "$avail" ] ||
		fail "guests ${names[i]}.. need $need MiB at the same time (memory + 256 MiB for QEMU each), $avail MiB are available"
done
# These paths go into the inventory inside YAML double quotes, where a line break would fold
# into a space (another folder) and " or \ would end or escape the string: refused before
# anything is made.
inventory_path_ok() { [[ $1 != *[\"\\[:cntrl:]]* ]] || die "'${1//[[:cntrl:]]/?}': a path with \", \\ or a control character cannot go into the inventory"; }
for p in "$results" "$work_parent" "$tinyben" "$image"; do inventory_path_ok "$p"; done
mkdir -p "$results" || die "--results $results: cannot make it"
results=$(cd "$results" && pwd)
inventory=$results/inventory-$run_id.yml
[ ! -e "$inventory" ] || die "$inventory already exists: run $run_id was made before (--run-id)"
[ ! -e "$results/order-$run_id.txt" ] || die "$results/order-$run_id.txt already exists: run $run_id was made before (--run-id)"

# Made absolute, they hold the working folder's name too.
for p in "$results" "$work_parent" "$tinyben" "$image"; do inventory_path_ok "$p"; done


# --- clean-up: every guest, the playbook, the work folder -------------------------------------
mkdir -p "$work_parent" || die "--work $work_parent: cannot make it"
work=$(mktemp -d "$work_parent/tinyben-matrix-$run_id-XXXXXX")
pids=() child=
serve_pid=   # the host's `tinyben serve` (below)
stop_serve() {
	[ -z "$serve_pid" ] || { kill -TERM "$serve_pid" 2>/dev/null; wait "$serve_pid" 2>/dev/null; } || true
	serve_pid=
}
# A stopped child stays a zombie until waited for, and kill -0 still finds it: look at its state.
running() { [ -e "/proc/$1" ] && [ "$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)" != Z ]; }
stop_guests() {
	local p
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do
		# QEMU quits on SIGTERM at once; a launcher that ignores it gets SIGKILL after 10 s.
		for _ in $(seq 100); do running "$p" || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	pids=()
}
cleanup() {
	trap '' INT TERM
	if [ -n "$child" ]; then
		# The playbook and every worker it forked (they poll the guests' suites) are one group.
		kill -TERM -- "-$child" 2>/dev/null || true
		for _ in $(seq 100); do running "$child" || break; sleep 0.1; done
		kill -KILL -- "-$child" 2>/dev/null || true
		wait "$child" 2>/dev/null || true
	fi
	stop_guests
	stop_serve
	if [ $keep_work = 1 ]; then note "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'note "interrupted: stopping the guests"; exit 130' INT TERM

# Runs a command in the background, in a process group of its own that cleanup can end as a
# whole, and waits for it, so that Ctrl-C reaches the trap at once.
run_child() {
	setsid "$@" &
	child=$!
	local rc=0
	wait "$child" || rc=$?
	child=
	return $rc
}

ssh-keygen -q -t ed25519 -N '' -C "tinyben-matrix-$run_id" -f "$work/id"
# The guests are new machines with new host keys on loopback ports that the next run reuses:
# there is no key to check them against, and remembering them would only break the next run.
# IdentitiesOnly: only our key, not an agent's dozen first (sshd stops after MaxAuthTries).
ssh_opts="-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o IdentitiesOnly=yes"

# A seed of our own rather than make-seed.sh's: that one runs the suite at first boot, and
# here the playbook runs it, once, after cloud-init has finished.
make_seed() { # index dir
	local i=$1 d=$2
	cat >"$d/user-data" <<-EOF
	#cloud-config
	hostname: ${names[i]}
	users:
	  - name: $user
	    gecos: tinyben matrix
	    sudo: "ALL=(ALL) NOPASSWD:ALL"
	    shell: /bin/sh
	    lock_passwd: true
	    ssh_authorized_keys:
	      - $(cat "$work/id.pub")
	EOF
	printf 'instance-id: tinyben-%s-%s\nlocal-hostname: %s\n' "${names[i]}" "$run_id" "${names[i]}" >"$d/meta-data"
	if command -v cloud-localds >/dev/null 2>&1; then
		cloud-localds "$d/seed.iso" "$d/user-data" "$d/meta-data"
	else
		genisoimage -quiet -output "$d/seed.iso" -volid cidata -joliet -rock "$d/user-data" "$d/meta-data"
	fi
}

# --- the host's end of io.net: one `tinyben serve` for the whole run ---------------------------
# On the host's loopback, which QEMU's user networking shows every guest as 10.0.2.2: the
# guests' io.net rows then cross virtio-net (docs/NET.md). Each `run` gets --peer to it.
"$tinyben" serve --listen 127.0.0.1:0 2>"$work/serve.log" </dev/null &
serve_pid=$!
serve_port=
for _ in $(seq 100); do
	serve_port=$(sed -n 's/^tinyben serve: listening on 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$work/serve.log")
	[ -z "$serve_port" ] && running "$serve_pid" || break
	sleep 0.1
done
[ -n "$serve_port" ] || fail "tinyben serve did not start: $(tail -n 1 "$work/serve.log")"
note "tinyben serve on 127.0.0.1:$serve_port: the guests measure io.net against 10.0.2.2:$serve_port"
[[ $run_args != run\ * || " $run_args " == *" --peer "* ]] || run_args+=" --peer 10.0.2.2:$serve_port"

{
	echo "# packaging/qemu/matrix.sh run $run_id: $count guest(s) of $matrix, $concurrency"
	echo "all:"
	echo "  vars:"
	echo "    tinyben_binary: \"$tinyben\""
	echo "    tinyben_args: \"$run_args$host_log_arg\""
	echo "    tinyben_timeout: $timeout"
	echo "    tinyben_results_dir: \"$results\""
	echo "    tinyben_report_by: tag.guest"
	# each confidential (or plain-swiotlb) entry against the plain one of the same shape and boot
	pairs=
	for ((i = 0; i < count; i++)); do
		[ "${e_mode[i]}" != plain ] || continue
		for ((j = 0; j < count; j++)); do
			if [ "${e_mode[j]}" = plain ] && [ "${e_vcpus[j]}" = "${e_vcpus[i]}" ] &&
			   [ "${e_mem[j]}" = "${e_mem[i]}" ] && [ "${e_rep[j]}" = "${e_rep[i]}" ] &&
			   [ "${e_cmdline[j]}" = "${e_cmdline[i]}" ]; then
				pairs+="${pairs:+, }[${names[j]}, ${names[i]}]"
			fi
		done
	done
	echo "    tinyben_compare_pairs: [$pairs]"
	echo "  children:"
	echo "    tinyben:"
	echo "      vars:"
	echo "        ansible_host: 127.0.0.1"
	echo "        ansible_user: $user"
	echo "        ansible_ssh_private_key_file: \"$work/id\""
	echo "        ansible_ssh_common_args: \"$ssh_opts\""
	echo "        ansible_python_interpreter: /usr/bin/python3"
	echo "        tinyben_become: $([ "$user" = root ] && echo false || echo true)"
	echo "        tinyben_connect_timeout: 60"
	echo "      hosts:"
	for ((i = 0; i < count; i++)); do
		echo "        ${names[i]}:"
		echo "          ansible_port: ${e_port[i]}"
		echo "          tinyben_tags: $(tags_of "$i")"
	done
} >"$inventory"
note "run $run_id: $count guest(s), $concurrency; inventory $inventory"
{
	echo "# packaging/qemu/matrix.sh run $run_id: the boot order (--seed $seed repeats it)"
	echo "seed $seed"
	printf 'boot\tround\tguest\n'
	for ((i = 0; i < count; i++)); do printf '%s\t%s\t%s\n' "$((i + 1))" "${e_rep[i]}" "${names[i]}"; done
} >"$results/order-$run_id.txt"
note "boot order of seed $seed (--seed $seed repeats it): $results/order-$run_id.txt"

elapsed() { echo "$(($(date +%s) - $1)) s"; }
uptime_s() { local up rest; read -r up rest </proc/uptime; echo "$up"; } # launch.sh's clock
start_guest() { # index
	local i=$1
	local d=$work/${names[i]}
	mkdir "$d"
	qemu-img create -q -f qcow2 -F "$fmt" -b "$image" "$d/disk.qcow2"
	make_seed "$i" "$d"
	local args=("${e_mode[i]}" --disk "$d/disk.qcow2" --seed "$d/seed.iso" --vcpus "${e_vcpus[i]}"
	            --memory "${e_mem[i]}" --ssh-port "${e_port[i]}" --pidfile "$d/qemu.pid" "${kernel_args[@]}")
	[ -z "$ovmf" ] || args+=(--ovmf "$ovmf")
	[ -z "${e_cmdline[i]}" ] || args+=(--kernel-args "${e_cmdline[i]}")
	# The boot's timeline (docs/BOOT.md): launch.sh dates the console's milestones from QEMU's
	# start; a launcher that does not leaves this line, the time it was started.
	echo "qemu-start $(uptime_s)" >"$d/boot.log"
	args+=(--boot-log "$d/boot.log")
	"$launcher" "${args[@]}" </dev/null >"$d/console.log" 2>&1 &
	pids+=($!)
	e_pid[i]=$!
}
# Ready means: SSH lets our user in and cloud-init has finished (its first-boot work would
# otherwise run beside the benchmarks). The first login goes into the boot log, which then
# goes into the guest for cc.boot's host-* rows and into the results.
wait_guest() { # index deadline
	local i=$1 deadline=$2 why= logged=0
	local d=$work/${names[i]}
	# shellcheck disable=SC2086 # ssh_opts are words
	guest_ssh() { timeout 300 ssh $ssh_opts -o BatchMode=yes -o ConnectTimeout=5 -i "$work/id" -p "${e_port[i]}" \
		"$user@127.0.0.1" "$@" </dev/null >/dev/null 2>&1; }
	while :; do
		if ! running "${e_pid[i]}"; then
			why="the guest stopped before answering SSH"
			break
		fi
		if [ $logged = 0 ] && guest_ssh true; then
			echo "ssh-login $(uptime_s)" >>"$d/boot.log"
			logged=1
		fi
		if [ $logged = 1 ] && guest_ssh 'command -v cloud-init >/dev/null 2>&1 && cloud-init status --wait >/dev/null 2>&1; true'; then
			sleep 1 # the console watcher's last line
			mkdir -p "$results/${names[i]}"
			cp "$d/boot.log" "$results/${names[i]}/${names[i]}-$run_id.boot.log"
			# shellcheck disable=SC2086 # ssh_opts are words
			if timeout 120 scp -q $ssh_opts -o BatchMode=yes -i "$work/id" -P "${e_port[i]}" "$d/boot.log" \
				"$user@127.0.0.1:$guest_boot_log" </dev/null >/dev/null 2>&1; then
				return 0
			fi
			why="cannot copy the boot log into the guest (scp)"
			break
		fi
		if [ "$(date +%s)" -ge "$deadline" ]; then
			why="no SSH on port ${e_port[i]} after $boot_timeout s"
			break
		fi
		sleep 2
	done
	note "${names[i]}: $why; its console's last lines:"
	tail -n 15 "$work/${names[i]}/console.log" >&2
	# The playbook never sees this guest: its status file, which the report reads, says why.
	local last
	last=$(grep -v '^[[:space:]]*$' "$work/${names[i]}/console.log" | tail -n 1 | tr -d '"\\' | tr -cd '[:print:]' | cut -c1-200 || true)
	mkdir -p "$results/${names[i]}"
	printf '{"host": "%s", "status": "failed", "reason": "%s%s", "cc_level": "", "tinyben_exit": null, "attested": false}\n' \
		"${names[i]}" "$why" "${last:+ (console: $last)}" >"$results/${names[i]}/${names[i]}-$run_id.status.json"
	return 1
}

playbook=$root/packaging/ansible/fleet.yml
e_pid=()
failed=0
for ((i = 0; i < count; i += parallel)); do
	batch=() t0=$(date +%s)
	for ((j = i; j < i + parallel && j < count; j++)); do
		start_guest "$j"
		batch+=("$j")
	done
	up=()
	deadline=$(($(date +%s) + boot_timeout))
	for j in "${batch[@]}"; do
		if wait_guest "$j" "$deadline"; then up+=("${names[j]}"); else failed=1; fi
	done
	note "stage boot of ${#batch[@]} guest(s) (${names[i]}..): $(elapsed "$t0"), ${#up[@]} up"
	t0=$(date +%s)
	if [ ${#up[@]} -gt 0 ]; then
		limit=localhost
		for n in "${up[@]}"; do limit+=",$n"; done
		run_child ansible-playbook -i "$inventory" "$playbook" --limit "$limit" --skip-tags report \
			-e "tinyben_run_id=$run_id" || { note "the playbook failed for ${limit#localhost,}"; failed=1; }
		note "stage playbook on ${#up[@]} guest(s): $(elapsed "$t0")"
	fi
	t0=$(date +%s)
	stop_guests
	note "stage stop: $(elapsed "$t0")"
done

t0=$(date +%s)
rc=0
run_child ansible-playbook -i "$inventory" "$playbook" --tags report -e "tinyben_run_id=$run_id" || rc=$?
note "stage report: $(elapsed "$t0")"
[ $rc = 0 ] && [ $failed = 0 ] || { note "run $run_id: some guests failed (see $results/summary-$run_id.txt)"; exit 1; }
note "run $run_id: $results/report-$run_id.html"
