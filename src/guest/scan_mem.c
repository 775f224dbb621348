/* Reading a process's memory for `tinyben scan`: which mappings, which pages, in chunks.
 *
 * Only pages that hold data are read. /proc/PID/smaps says how much of each mapping is
 * resident or swapped: private mappings with none are skipped, and large sparse ones are
 * walked with /proc/PID/pagemap (bit 63 present, bit 62 swapped; Documentation/admin-guide/
 * mm/pagemap.rst) so that reading never faults zero pages into a big VM's untouched RAM.
 * Address-space reservations of more than 1 TiB with almost nothing resident (a
 * sanitizer's shadow) are skipped and counted: their pagemap alone would take seconds. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "guest/scan_mem.h"
#include "tinyben/ctx.h"

#define CHUNK (8u << 20)
#define PM_BATCH 8192                 /* pagemap entries per read: 32 MiB of address space */
#define PM_PRESENT (1ull << 63)
#define PM_SWAPPED (1ull << 62)
#define SPARSE_MIN (64ull << 20)      /* below this, reading the whole mapping is cheap */
#define RESERVATION_MIN (1ull << 40)  /* 1 TiB */

struct walk {
	pid_t pid;
	int mem_fd;     /* /proc/PID/mem, only when process_vm_readv is missing */
	int pagemap_fd; /* opened on first need; -2: not available */
	const char *needle;
	size_t needle_len;
	char *buf;
	uint64_t *pm;
	long page;
	struct tb_scan_result *res;
};

/* Reads up to len bytes at addr; returns bytes read (stops at the first unreadable page),
 * or a negative errno when nothing could be read. */
static ssize_t read_remote(struct walk *w, uint64_t addr, size_t len)
{
	if (w->mem_fd < 0) {
		struct iovec local = { w->buf, len };
		struct iovec remote = { (void *)(uintptr_t)addr, len };
		ssize_t n = process_vm_readv(w->pid, &local, 1, &remote, 1, 0);
		if (n >= 0 || errno != ENOSYS)
			return n >= 0 ? n : -errno;
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/mem", (int)w->pid);
		w->mem_fd = open(path, O_RDONLY | O_CLOEXEC);
		if (w->mem_fd < 0)
			return -errno;
	}
	ssize_t n = pread(w->mem_fd, w->buf, len, (off_t)addr);
	return n >= 0 ? n : -errno;
}

/* Counts needles in [start, end); chunks overlap by needle_len - 1 bytes so a marker
 * straddling two chunks is seen once. Returns hits or a fatal negative errno. */
static long long scan_range(struct walk *w, uint64_t start, uint64_t end)
{
	long long hits = 0;
	uint64_t pos = start;
	while (pos < end) {
		if (tb_interrupted())
			return -EINTR;
		size_t want = end - pos < CHUNK ? (size_t)(end - pos) : CHUNK;
		ssize_t got = read_remote(w, pos, want);
		if (got == -EPERM || got == -EACCES || got == -ESRCH)
			return got;
		if (got <= 0) {
			/* An unreadable page (guard page, I/O memory): step over it. */
			pos = (pos / (uint64_t)w->page + 1) * (uint64_t)w->page;
			continue;
		}
		w->res->scanned += (uint64_t)got;
		bool last = pos + (uint64_t)got >= end;
		size_t advance = (size_t)got;
		if (!last && (size_t)got >= w->needle_len)
			advance = (size_t)got - (w->needle_len - 1);
		const char *p = w->buf, *stop = w->buf + got;
		while ((p = memmem(p, (size_t)(stop - p), w->needle, w->needle_len))) {
			if (last || (size_t)(p - w->buf) < advance)
				hits++;
			p++;
		}
		pos += advance ? advance : 1;
	}
	return hits;
}

/* Reads only the present or swapped runs of pages of [start, end). Returns hits, a fatal
 * negative errno, or -ENOENT when pagemap is not readable (the caller reads everything). */
static long long scan_present(struct walk *w, uint64_t start, uint64_t end)
{
	if (w->pagemap_fd == -1) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/pagemap", (int)w->pid);
		w->pagemap_fd = open(path, O_RDONLY | O_CLOEXEC);
		if (w->pagemap_fd < 0)
			w->pagemap_fd = -2;
	}
	if (w->pagemap_fd < 0)
		return -ENOENT;
	const uint64_t page = (uint64_t)w->page;
	long long hits = 0;
	uint64_t run = 0; /* start of the current run of data pages, 0: none */
	for (uint64_t addr = start; addr < end;) {
		if (tb_interrupted())
			return -EINTR;
		uint64_t n = (end - addr) / page;
		if (n > PM_BATCH)
			n = PM_BATCH;
		ssize_t got = pread(w->pagemap_fd, w->pm, n * sizeof(uint64_t),
				    (off_t)(addr / page * sizeof(uint64_t)));
		if (got <= 0)
			return run ? scan_range(w, run, end) + hits : -ENOENT;
		n = (uint64_t)got / sizeof(uint64_t);
		for (uint64_t i = 0; i < n; i++, addr += page) {
			bool data = w->pm[i] & (PM_PRESENT | PM_SWAPPED);
			if (data && !run) {
				run = addr;
			} else if (!data && run) {
				long long h = scan_range(w, run, addr);
				if (h < 0)
					return h;
				hits += h;
				run = 0;
			}
		}
	}
	if (run) {
		long long h = scan_range(w, run, end);
		if (h < 0)
			return h;
		hits += h;
	}
	return hits;
}

/* Device mappings (other than shared memory) and the kernel's vvar/vsyscall pages are
 * not memory of the process: reading them is pointless or has side effects. */
static bool not_memory(const char *perms, const char *path)
{
	if (perms[0] != 'r')
		return true;
	if (!strcmp(path, "[vvar]") || !strcmp(path, "[vsyscall]") || !strcmp(path, "[vvar_vclock]"))
		return true;
	return !strncmp(path, "/dev/", 5) && strncmp(path, "/dev/shm/", 9) &&
	       strncmp(path, "/dev/zero", 9);
}

struct mapping {
	uint64_t start, end;
	char perms[8];
	char path[4096];
	uint64_t resident_kib; /* Rss + Swap */
};

static int scan_mapping(struct walk *w, const struct mapping *m, FILE *out)
{
	if (not_memory(m->perms, m->path))
		return 0;
	bool private = m->perms[3] == 'p';
	uint64_t size = m->end - m->start, resident = m->resident_kib << 10;
	if (private && resident == 0)
		return 0; /* nothing in memory: reading would only fault in zero pages */
	long long hits = -ENOENT;
	if (private && size >= SPARSE_MIN && resident * 4 < size) {
		if (size >= RESERVATION_MIN && resident * 1024 < size) {
			w->res->skipped += size;
			return 0;
		}
		hits = scan_present(w, m->start, m->end);
	}
	if (hits == -ENOENT)
		hits = scan_range(w, m->start, m->end);
	if (hits < 0)
		return (int)hits;
	if (hits > 0) {
		w->res->hits += (uint64_t)hits;
		w->res->mappings_hit++;
		fprintf(out, "%016" PRIx64 "-%016" PRIx64 " %s %9.1f MiB  %lld x  %s\n", m->start,
			m->end, m->perms, (double)size / (1 << 20), hits,
			m->path[0] ? m->path : "[anonymous]");
	}
	return 0;
}

/* A mapping's header line of smaps (the same format as maps); false for field lines. */
static bool parse_header(const char *line, struct mapping *m)
{
	int consumed = 0;
	if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %*s %*s %*s%n", &m->start, &m->end,
		   m->perms, &consumed) < 3 || consumed == 0)
		return false;
	const char *rest = line + consumed;
	rest += strspn(rest, " \t");
	snprintf(m->path, sizeof(m->path), "%s", rest);
	m->path[strcspn(m->path, "\n")] = '\0';
	m->resident_kib = 0;
	return true;
}

int tb_scan_process(pid_t pid, const char *needle, size_t needle_len, FILE *out,
		    struct tb_scan_result *res)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/smaps", (int)pid);
	FILE *smaps = fopen(path, "re");
	if (!smaps)
		return errno == ENOENT ? -ESRCH : -errno;
	struct walk w = {
		.pid = pid, .mem_fd = -1, .pagemap_fd = -1, .needle = needle,
		.needle_len = needle_len, .page = sysconf(_SC_PAGESIZE), .res = res,
		.buf = malloc(CHUNK), .pm = malloc(PM_BATCH * sizeof(uint64_t)),
	};
	int err = (!w.buf || !w.pm) ? -ENOMEM : 0;
	struct mapping cur, next;
	bool have = false;
	char line[4096 + 256];
	while (!err && fgets(line, sizeof(line), smaps)) {
		unsigned long long kib;
		if (sscanf(line, "Rss: %llu kB", &kib) == 1 || sscanf(line, "Swap: %llu kB", &kib) == 1) {
			cur.resident_kib += kib;
			continue;
		}
		if (!parse_header(line, &next))
			continue;
		if (have)
			err = scan_mapping(&w, &cur, out);
		cur = next;
		have = true;
	}
	if (!err && have)
		err = scan_mapping(&w, &cur, out);
	/* smaps of a process that exited mid-read simply ends: check it is still there. */
	if (!err && kill(pid, 0) && errno == ESRCH)
		err = -ESRCH;
	fclose(smaps);
	free(w.buf);
	free(w.pm);
	if (w.mem_fd >= 0)
		close(w.mem_fd);
	if (w.pagemap_fd >= 0)
		close(w.pagemap_fd);
	return err;
}
