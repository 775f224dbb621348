# Sourced by the packaging scripts (bash; the package installs it beside their folders, as
# usr/share/tinyben/lib.sh): their one-line usage errors and the checks of what they hand to a
# guest. Source it as  . "$here/../lib.sh"  with here the script's own folder.

# die MESSAGE: "SCRIPT: MESSAGE" on stderr and exit 2 (bad usage).
die() { echo "${0##*/}: $*" >&2; exit 2; }

# needs WHAT OPTION [VALUE...]: the option's value is there and not empty, else one usage line
# and exit 2 (bash's own ${2:?} says "parameter null or not set" and exits 1).
needs() { [ $# -ge 3 ] && [ -n "$3" ] || die "$2 needs $1 (see --help)"; }

# check_run_args ARGS: the --run-args value, tinyben's arguments in the guest. They travel
# inside a double-quoted string (a YAML file, a shell line): plain words only.
check_run_args() {
	[[ $1 =~ ^[A-Za-z0-9\ ._,:=*/+-]+$ ]] || die "--run-args '$1': only letters, digits, spaces and ._,:=*/+- please"
}

# static_tinyben WHY: $tinyben (--tinyben), or when empty the tinyben on PATH, must be an
# executable and statically linked (a guest or an initramfs has no C library to give it);
# else one line, ending in WHY for a dynamic one, and exit 2. Sets $tinyben.
static_tinyben() {
	if [ -z "$tinyben" ]; then
		tinyben=$(command -v tinyben || true)
		[ -n "$tinyben" ] || die "no tinyben on PATH: pass --tinyben build/tinyben"
	fi
	[ -f "$tinyben" ] && [ -x "$tinyben" ] || die "--tinyben $tinyben is not an executable file"
	! ldd "$tinyben" >/dev/null 2>&1 || die "$tinyben is dynamically linked; $1"
}
