/* `tinyben scan`: host side of the memory-readability demonstration.
 *
 * Reads every readable mapping of a process (the VM's QEMU) through /proc/PID/maps and
 * process_vm_readv (falling back to /proc/PID/mem) and counts where the *planted* form of
 * the marker occurs. The printed form is never searched (marker.h): it is in the host's
 * memory anyway, having passed through the console or SSH in clear. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "guest/marker.h"
#include "tinyben/ctx.h"
#include "tinyben/util.h"
#include "tinyben/verb.h"

#define CHUNK (8u << 20)

struct scan {
	pid_t pid;
	int mem_fd;          /* /proc/PID/mem, opened only when process_vm_readv is missing */
	char needle[TB_MARKER_PLANTED_LEN + 1];
	size_t needle_len;
	char *buf;
	uint64_t scanned;    /* bytes actually read */
	uint64_t hits;
	unsigned mappings_hit;
};

static const char permission_hint[] =
	"run as root (CAP_SYS_PTRACE), or as the VM's user with kernel.yama.ptrace_scope=0";

/* Reads up to len bytes at addr; returns bytes read (stops at the first unreadable page),
 * or a negative errno when nothing could be read. */
static ssize_t read_remote(struct scan *s, uint64_t addr, size_t len)
{
	if (s->mem_fd < 0) {
		struct iovec local = { s->buf, len };
		struct iovec remote = { (void *)(uintptr_t)addr, len };
		ssize_t n = process_vm_readv(s->pid, &local, 1, &remote, 1, 0);
		if (n >= 0 || errno != ENOSYS)
			return n >= 0 ? n : -errno;
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/mem", (int)s->pid);
		s->mem_fd = open(path, O_RDONLY | O_CLOEXEC);
		if (s->mem_fd < 0)
			return -errno;
	}
	ssize_t n = pread(s->mem_fd, s->buf, len, (off_t)addr);
	return n >= 0 ? n : -errno;
}

/* Counts needles in one mapping; chunks overlap by needle_len - 1 bytes so a marker
 * straddling two chunks is seen once. Returns hits, or a negative errno for EPERM/ESRCH. */
static long long scan_range(struct scan *s, uint64_t start, uint64_t end)
{
	const long page = sysconf(_SC_PAGESIZE);
	long long hits = 0;
	uint64_t pos = start;
	while (pos < end && !tb_interrupted()) {
		size_t want = end - pos < CHUNK ? (size_t)(end - pos) : CHUNK;
		ssize_t got = read_remote(s, pos, want);
		if (got == -EPERM || got == -EACCES || got == -ESRCH)
			return got;
		if (got <= 0) {
			/* An unreadable page (guard page, I/O memory): step over it. */
			pos = (pos / (uint64_t)page + 1) * (uint64_t)page;
			continue;
		}
		s->scanned += (uint64_t)got;
		bool last = pos + (uint64_t)got >= end;
		size_t advance = (size_t)got;
		if (!last && (size_t)got >= s->needle_len)
			advance = (size_t)got - (s->needle_len - 1);
		const char *p = s->buf, *stop = s->buf + got;
		while ((p = memmem(p, (size_t)(stop - p), s->needle, s->needle_len))) {
			if ((size_t)(p - s->buf) < advance || last)
				hits++;
			p++;
		}
		if (advance == 0)
			advance = 1;
		pos += advance;
	}
	return hits;
}

/* Device mappings (other than shared memory) and the kernel's vvar/vsyscall pages are
 * not memory of the process: reading them is pointless or has side effects. */
static bool skip_mapping(const char *perms, const char *path)
{
	if (perms[0] != 'r')
		return true;
	if (!strcmp(path, "[vvar]") || !strcmp(path, "[vsyscall]") || !strcmp(path, "[vvar_vclock]"))
		return true;
	return !strncmp(path, "/dev/", 5) && strncmp(path, "/dev/shm/", 9) &&
	       strncmp(path, "/dev/zero", 9);
}

static int scan_maps(struct scan *s, FILE *maps)
{
	char line[4096 + 256];
	while (fgets(line, sizeof(line), maps)) {
		uint64_t start, end;
		char perms[8] = "", path[4096] = "";
		int consumed = 0;
		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %*s %*s %*s%n", &start, &end, perms,
			   &consumed) < 3)
			continue;
		const char *rest = line + consumed;
		rest += strspn(rest, " \t");
		snprintf(path, sizeof(path), "%s", rest);
		path[strcspn(path, "\n")] = '\0';
		if (skip_mapping(perms, path))
			continue;
		long long hits = scan_range(s, start, end);
		if (hits < 0)
			return (int)hits;
		if (hits > 0) {
			s->hits += (uint64_t)hits;
			s->mappings_hit++;
			printf("%016" PRIx64 "-%016" PRIx64 " %s %7.1f MiB  %lld x  %s\n", start, end,
			       perms, (double)(end - start) / (1 << 20), hits,
			       path[0] ? path : "[anonymous]");
		}
		if (tb_interrupted())
			break;
	}
	return 0;
}

static int scan_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "marker", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	long long pid = 0;
	const char *marker = NULL;
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (tb_parse_ll(optarg, 1, INT32_MAX, &pid)) {
				tb_error("scan: --pid '%s' is not a process id", optarg);
				return TB_EXIT_USAGE;
			}
			break;
		case 'm': marker = optarg; break;
		case 'h':
			puts("usage: tinyben scan --pid PID --marker TBMARK-<32 hex>   (the line canary printed)");
			return TB_EXIT_OK;
		default:
			tb_error("scan: unknown option '%s'", argv[optind - 1]);
			return TB_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		tb_error("scan: unexpected argument '%s'", argv[optind]);
		return TB_EXIT_USAGE;
	}
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

	char path[64];
	snprintf(path, sizeof(path), "/proc/%lld/maps", pid);
	FILE *maps = fopen(path, "re");
	if (!maps) {
		if (errno == ENOENT)
			tb_error("scan: no process with pid %lld", pid);
		else if (errno == EACCES || errno == EPERM)
			tb_error("scan: cannot read %s: permission denied; %s", path, permission_hint);
		else
			tb_error("scan: cannot read %s: %s", path, strerror(errno));
		return TB_EXIT_USAGE;
	}

	struct scan s = { .pid = (pid_t)pid, .mem_fd = -1, .needle_len = TB_MARKER_PLANTED_LEN };
	tb_marker_planted(value, s.needle);
	s.buf = malloc(CHUNK);
	if (!s.buf) {
		fclose(maps);
		tb_error("scan: out of memory");
		return TB_EXIT_FAILED;
	}
	int err = scan_maps(&s, maps);
	fclose(maps);
	free(s.buf);
	explicit_bzero(s.needle, sizeof(s.needle));
	if (s.mem_fd >= 0)
		close(s.mem_fd);
	if (err == -ESRCH) {
		tb_error("scan: process %lld exited during the scan", pid);
		return TB_EXIT_USAGE;
	}
	if (err) {
		tb_error("scan: cannot read the memory of pid %lld: %s; %s", pid, strerror(-err),
			 permission_hint);
		return TB_EXIT_USAGE;
	}
	if (tb_interrupted()) {
		tb_error("scan: interrupted after %.1f MiB", (double)s.scanned / (1 << 20));
		return TB_EXIT_INTERRUPTED;
	}
	double mib = (double)s.scanned / (1 << 20);
	if (s.hits) {
		printf("marker visible: this guest's memory is readable by the host "
		       "(%" PRIu64 " occurrence%s in %u mapping%s, %.0f MiB scanned)\n",
		       s.hits, s.hits == 1 ? "" : "s", s.mappings_hit, s.mappings_hit == 1 ? "" : "s",
		       mib);
		return TB_EXIT_OK;
	}
	printf("marker not found in %.0f MiB scanned\n", mib);
	return TB_EXIT_FAILED;
}

static const struct tb_verb scan_verb = {
	.name = "scan",
	.synopsis = "scan --pid PID --marker M",
	.summary = "host side: search a VM process's memory for canary's marker",
	.main = scan_main,
	.order = 100,
};
TB_REGISTER_VERB(scan_verb);
