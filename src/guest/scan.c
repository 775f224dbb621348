/* `tinyben scan`: host side of the memory-readability demonstration.
 *
 * Reads the memory of a process (the VM's QEMU; scan_mem.c says which pages) and counts
 * where the *planted* form of the marker occurs. The printed form is never searched
 * (marker.h): it is in the host's memory anyway, having passed through the console or SSH
 * in clear. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "guest/marker.h"
#include "guest/scan_mem.h"
#include "tinyben/ctx.h"
#include "tinyben/cli.h"
#include "tinyben/util.h"
#include "tinyben/verb.h"

static const char permission_hint[] =
	"run as root (CAP_SYS_PTRACE), or as the VM's user with kernel.yama.ptrace_scope=0";

struct scan_args {
	long long pid;
	const char *marker;
};

static int on_option(void *user, int id, const char *v)
{
	struct scan_args *a = user;
	if (id == 'm') {
		a->marker = v;
		return 0;
	}
	if (tb_parse_ll(v, 1, INT32_MAX, &a->pid)) {
		tb_error("scan: --pid '%s' is not a process id", v);
		return -1;
	}
	return 0;
}

static int scan_main(int argc, char **argv)
{
	static const struct tb_arg opts[] = {
		{ .name = "pid", .value = true, .id = 'p' },
		{ .name = "marker", .value = true, .id = 'm' },
		{ 0 },
	};
	struct scan_args a = { 0 };
	struct tb_args spec = {
		.verb = "scan", .table = opts,
		.usage = "usage: tinyben scan --pid PID --marker TBMARK-<32 hex>   "
			 "(the line canary printed)\n",
	};
	TB_ARGS_OR_RETURN(&spec, argc, argv, on_option, &a);
	long long pid = a.pid;
	const char *marker = a.marker;
	if (!pid || !marker) {
		tb_error("scan: needs --pid PID (the VM process) and --marker M (what canary printed)");
		return TB_EXIT_USAGE;
	}
	uint8_t value[TB_MARKER_BYTES];
	if (tb_marker_parse(marker, value)) {
		tb_error("scan: --marker '%s' is not what canary prints (%s followed by 32 hex digits)",
			 marker, TB_MARKER_PRINTED_PREFIX);
		return TB_EXIT_USAGE;
	}
	if (pid == getpid()) {
		tb_error("scan: --pid %lld is this scan itself", pid);
		return TB_EXIT_USAGE;
	}

	char needle[TB_MARKER_PLANTED_LEN + 1];
	tb_marker_planted(value, needle);
	struct tb_scan_result res = { 0 };
	int err = tb_scan_process((pid_t)pid, needle, TB_MARKER_PLANTED_LEN, stdout, &res);
	explicit_bzero(needle, sizeof(needle));
	double mib = (double)res.scanned / (1 << 20);
	switch (err) {
	case 0:
		break;
	case -ESRCH:
		tb_error("scan: no process with pid %lld (or it exited during the scan)", pid);
		return TB_EXIT_USAGE;
	case -EACCES:
	case -EPERM:
		tb_error("scan: cannot read the memory of pid %lld: permission denied; %s", pid,
			 permission_hint);
		return TB_EXIT_USAGE;
	case -EINTR:
		tb_error("scan: interrupted after %.1f MiB", mib);
		return TB_EXIT_INTERRUPTED;
	default:
		tb_error("scan: cannot read the memory of pid %lld: %s", pid, strerror(-err));
		return TB_EXIT_FAILED;
	}
	if (res.skipped)
		fprintf(stderr, "tinyben: scan: skipped %.1f TiB of address-space reservations with "
				"almost nothing resident\n", (double)res.skipped / (1ull << 40));
	if (res.hits) {
		printf("marker visible: this guest's memory is readable by the host "
		       "(%" PRIu64 " occurrence%s in %u mapping%s, %.0f MiB scanned)\n",
		       res.hits, res.hits == 1 ? "" : "s", res.mappings_hit,
		       res.mappings_hit == 1 ? "" : "s",
		       mib);
		return TB_EXIT_OK;
	}
	printf("marker not found in %.0f MiB scanned\n", mib);
	return TB_EXIT_FAILED;
}

TB_VERB(scan,
	.order = 100,
	.synopsis = "scan --pid PID --marker M",
	.summary = "host side: search a VM process's memory for canary's marker");
