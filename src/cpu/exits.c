/* cpu.exits: what one guest exit or kernel entry costs (CPUID, RDTSC, syscalls, faults, IPIs). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "tinyben/bench.h"
#include "tinyben/ctx.h"
#include "tinyben/threads.h"
#include "tinyben/timer.h"

/* In SEV-ES and SEV-SNP guests CPUID raises #VC: the guest kernel (or, in user space, the
 * kernel's #VC handler on the way) either answers from the SNP CPUID table or asks the
 * hypervisor through the GHCB. Leaf 0 vs leaf 1 vs 0xB vs 0x8000001F shows which is which.
 * Under TDX, CPUID leaves are either virtualised by the TDX module or cause #VE. */
static const char *const variants[] = {
	"cpuid_0", "cpuid_1", "cpuid_b", "cpuid_8000001f", "rdtsc", "rdtscp", "getppid",
	"clock_gettime", "page_fault", "mmap_munmap", "pipe_roundtrip", "sched_yield", NULL,
};

struct exits_opts {
	long long fault_mib;
};

enum { M_NS, M_CYCLES };
static const struct tb_metric metrics[] = {
	[M_NS] = { "ns_per_op", "ns", TB_LOWER,
		   "time per operation, the empty loop's cost per iteration subtracted",
			.primary = true },
	[M_CYCLES] = { "cycles_per_op", "cycles", TB_LOWER, "ns_per_op in TSC cycles",
		.primary = false },
	{ 0 },
};

static const struct tb_option options[] = {
	{ .name = "fault_mib", .type = TB_OPT_INT, .def = "64", .quick = "16",
	  .min = 1, .max = 1 << 16,
	  .offset = offsetof(struct exits_opts, fault_mib),
	  .help = "page_fault: size of each fresh mapping that is touched page by page, MiB" },
	{ 0 },
};

struct exits {
	double tsc_hz;
	double overhead_ns;      /* one iteration of the empty loop */
	char extra[160];         /* clocksource and vDSO, written in clock_gettime rows */
};

static inline void cpuid(uint32_t leaf)
{
	uint32_t a = leaf, b, c = 0, d;
	__asm__ __volatile__("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
}

static int k_empty(void *arg, uint64_t n)
{
	(void)arg;
	for (uint64_t i = 0; i < n; i++)
		__asm__ __volatile__("" ::: "memory");
	return 0;
}

static uint32_t leaf_of(const char *v)
{
	return (uint32_t)strtoul(v + strlen("cpuid_"), NULL, 16);
}

static int k_cpuid(void *arg, uint64_t n)
{
	uint32_t leaf = *(const uint32_t *)arg;
	for (uint64_t i = 0; i < n; i++)
		cpuid(leaf);
	return 0;
}

static int k_rdtsc(void *arg, uint64_t n)
{
	(void)arg;
	for (uint64_t i = 0; i < n; i++) {
		uint32_t lo, hi;
		__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	}
	return 0;
}

static int k_rdtscp(void *arg, uint64_t n)
{
	(void)arg;
	for (uint64_t i = 0; i < n; i++) {
		uint32_t lo, hi, aux;
		__asm__ __volatile__("rdtscp" : "=a"(lo), "=d"(hi), "=c"(aux));
	}
	return 0;
}

/* glibc's getppid() is a plain system call (nothing cached); syscall() makes it explicit. */
static int k_getppid(void *arg, uint64_t n)
{
	(void)arg;
	for (uint64_t i = 0; i < n; i++)
		syscall(SYS_getppid);
	return 0;
}

static int k_clock(void *arg, uint64_t n)
{
	(void)arg;
	struct timespec ts;
	for (uint64_t i = 0; i < n; i++)
		clock_gettime(CLOCK_MONOTONIC, &ts);
	return 0;
}

static int k_yield(void *arg, uint64_t n)
{
	(void)arg;
	for (uint64_t i = 0; i < n; i++)
		sched_yield();
	return 0;
}

static int k_mmap(void *arg, uint64_t n)
{
	(void)arg;
	for (uint64_t i = 0; i < n; i++) {
		void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return -errno;
		munmap(p, 4096);
	}
	return 0;
}

/* Pipe round trip: thread 0 writes a byte, thread 1 (another CPU) echoes it back. Each
 * direction wakes a sleeping thread on the other CPU: a context switch and an IPI, and in
 * a confidential guest the IPI is a (#VC-mediated) exit. */
struct pipes {
	int ping[2], pong[2];
	struct tb_ctx *ctx;
	struct tb_timing *t;
	int measured;
};

static int k_pipe(void *arg, uint64_t n)
{
	struct pipes *p = arg;
	char c = 'x';
	for (uint64_t i = 0; i < n; i++) {
		if (write(p->ping[1], &c, 1) != 1 || read(p->pong[0], &c, 1) != 1)
			return errno == EINTR ? -EINTR : -EIO;
	}
	return 0;
}

static int pipe_worker(struct tb_team *team, int index, void *arg)
{
	(void)team;
	struct pipes *p = arg;
	if (index == 1) {
		char c;
		/* Until thread 0 closes its end: read() returns 0. */
		while (read(p->ping[0], &c, 1) == 1)
			if (write(p->pong[1], &c, 1) != 1)
				break;
		return 0;
	}
	p->measured = tb_time_reps(p->ctx, k_pipe, p, p->t);
	close(p->ping[1]);
	p->ping[1] = -1;
	return 0;
}

static void emit(struct tb_ctx *ctx, const struct exits *e, const char *variant,
		 const struct tb_timing *t, int measured, double overhead_ns, const char *extra)
{
	char detail[512];
	for (int r = 0; r < measured; r++) {
		double raw = t[r].seconds * 1e9 / (double)t[r].iters;
		double ns = raw - overhead_ns;
		snprintf(detail, sizeof(detail),
			 "ops=%llu raw_ns=%.3f loop_overhead_ns=%.3f tsc_hz=%.0f%s%s",
			 (unsigned long long)t[r].iters, raw, overhead_ns, e->tsc_hz,
			 extra ? " " : "", extra ? extra : "");
		tb_emit(ctx, variant, &metrics[M_NS], r + 1, ns, detail);
		tb_emit(ctx, variant, &metrics[M_CYCLES], r + 1, ns * e->tsc_hz / 1e9, detail);
	}
}

/* Minor faults: fresh anonymous mappings touched once per 4 KiB page, self-timed so that
 * mmap and munmap stay outside the clock; the loop overhead is a second pass over the
 * same, now present, pages. Transparent huge pages are refused so a fault is one page. */
struct faults {
	size_t bytes;
	long page;
	double min_time;
	double faults, touch;   /* this repetition */
	uint64_t pages;
	struct tb_timing *t;    /* the repetitions recorded */
	int measured;
	double ovh_sum;
	uint64_t ovh_pages;
};

/* One repetition: fresh mappings faulted in until min_time of faults has passed. */
static int faults_measure(void *arg, int rep)
{
	(void)rep;
	struct faults *f = arg;
	f->faults = f->touch = 0;
	f->pages = 0;
	do {
		if (tb_interrupted())
			return -EINTR;
		volatile char *p = mmap(NULL, f->bytes, PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (p == MAP_FAILED)
			return -errno;
		madvise((void *)p, f->bytes, MADV_NOHUGEPAGE);
		double t0 = tb_now();
		for (size_t off = 0; off < f->bytes; off += (size_t)f->page)
			p[off] = 1;
		double t1 = tb_now();
		for (size_t off = 0; off < f->bytes; off += (size_t)f->page)
			p[off] = 2;
		double t2 = tb_now();
		munmap((void *)p, f->bytes);
		f->faults += t1 - t0;
		f->touch += t2 - t1;
		f->pages += f->bytes / (size_t)f->page;
	} while (f->faults < f->min_time);
	return 0;
}

/* Kept, not written yet: the rows subtract the overhead averaged over every repetition. */
static void faults_record(void *arg, int rep)
{
	struct faults *f = arg;
	f->t[rep - 1] = (struct tb_timing){ .iters = f->pages, .seconds = f->faults };
	f->ovh_sum += f->touch;
	f->ovh_pages += f->pages;
	f->measured = rep;
}

static int run_faults(struct tb_ctx *ctx, const struct exits *e, const char *variant)
{
	struct faults f = {
		.bytes = (size_t)TB_OPTS(ctx, struct exits_opts)->fault_mib << 20,
		.page = sysconf(_SC_PAGESIZE),
		.min_time = tb_settings(ctx)->min_time,
		.t = tb_timings(ctx, 0),
	};
	struct tb_rep_plan plan = { .warmup = true, .measure = faults_measure,
				    .record = faults_record };
	int rc = tb_reps_run(ctx, &plan, &f);
	if (f.measured > 0) {
		char extra[64];
		snprintf(extra, sizeof(extra), "page_bytes=%ld mapping_mib=%zu thp=off", f.page,
			 f.bytes >> 20);
		emit(ctx, e, variant, f.t, f.measured, f.ovh_sum * 1e9 / (double)f.ovh_pages,
		     extra);
	}
	return rc;
}

static bool supported(struct tb_ctx *ctx, void *state, const char *variant, char *why,
		      size_t len)
{
	(void)ctx;
	(void)state;
	if (strcmp(variant, "pipe_roundtrip") == 0 && tb_cpu_count_allowed() < 2) {
		snprintf(why, len, "needs 2 CPUs (the two threads run on different CPUs)");
		return false;
	}
	return true;
}

/* page_fault faults in a whole mapping of fault_mib at a time. */
static uint64_t memory(struct tb_ctx *ctx, void *state, const char *variant)
{
	(void)state;
	if (strcmp(variant, "page_fault") != 0)
		return 0;
	return (uint64_t)TB_OPTS(ctx, struct exits_opts)->fault_mib << 20;
}

static int run_pipe(struct tb_ctx *ctx, const struct exits *e, const char *variant)
{
	struct tb_timing *t = tb_timings(ctx, 0);
	struct pipes p = { .ctx = ctx, .t = t };
	if (pipe2(p.ping, O_CLOEXEC) != 0)
		return -errno;
	if (pipe2(p.pong, O_CLOEXEC) != 0) {
		int err = errno;
		close(p.ping[0]);
		close(p.ping[1]);
		return -err;
	}
	char pinning[64];
	int rc = tb_team_run(2, pipe_worker, &p, pinning, sizeof(pinning));
	close(p.ping[0]);
	if (p.ping[1] >= 0)
		close(p.ping[1]);
	close(p.pong[0]);
	close(p.pong[1]);
	if (rc < 0)
		return rc;
	if (p.measured < 0)
		return p.measured;
	emit(ctx, e, variant, t, p.measured, e->overhead_ns, pinning);
	return tb_interrupted() ? -EINTR : 0;
}

static void read_clocksource(char *buf, size_t len)
{
	FILE *f = fopen("/sys/devices/system/clocksource/clocksource0/current_clocksource", "r");
	buf[0] = '\0';
	if (f) {
		if (fgets(buf, (int)len, f))
			buf[strcspn(buf, "\n")] = '\0';
		fclose(f);
	}
	if (!buf[0])
		snprintf(buf, len, "unknown");
}

static int setup(struct tb_ctx *ctx, void **state)
{
	struct exits *e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	*state = e;
	e->tsc_hz = tb_tsc_hz();
	/* The empty loop, timed like every kernel: its per-iteration cost is subtracted. */
	struct tb_timing *t = tb_timings(ctx, 0);
	int n = tb_time_reps(ctx, k_empty, NULL, t);
	if (n <= 0)
		return n < 0 ? n : -EINTR;
	e->overhead_ns = 1e300;
	for (int r = 0; r < n; r++) {
		double ns = t[r].seconds * 1e9 / (double)t[r].iters;
		if (ns < e->overhead_ns)
			e->overhead_ns = ns;
	}
	/* clock_gettime stays in user space only when the vDSO is mapped and the clocksource
	 * is one it can read (tsc, kvm-clock); otherwise it is a system call. */
	char cs[48];
	read_clocksource(cs, sizeof(cs));
	snprintf(e->extra, sizeof(e->extra), "clock=CLOCK_MONOTONIC vdso=%s clocksource=%s",
		 getauxval(AT_SYSINFO_EHDR) ? "mapped" : "absent", cs);
	return 0;
}

static int run(struct tb_ctx *ctx, void *state, const char *variant)
{
	struct exits *e = state;
	if (strcmp(variant, "page_fault") == 0)
		return run_faults(ctx, e, variant);
	if (strcmp(variant, "pipe_roundtrip") == 0)
		return run_pipe(ctx, e, variant);

	tb_kernel_fn k;
	uint32_t leaf = 0;
	const char *extra = NULL;
	char leafinfo[48];
	if (strncmp(variant, "cpuid_", 6) == 0) {
		leaf = leaf_of(variant);
		uint32_t max = leaf & 0x80000000u ? 0x80000000u : 0;
		uint32_t a = max, b, c = 0, d;
		__asm__ __volatile__("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
		/* A leaf above the maximum still executes (and still exits); say so. */
		snprintf(leafinfo, sizeof(leafinfo), "leaf=0x%x max_leaf=0x%x", leaf, a);
		extra = leafinfo;
		k = k_cpuid;
	} else if (strcmp(variant, "rdtsc") == 0) {
		k = k_rdtsc;
	} else if (strcmp(variant, "rdtscp") == 0) {
		k = k_rdtscp;
	} else if (strcmp(variant, "getppid") == 0) {
		k = k_getppid;
	} else if (strcmp(variant, "clock_gettime") == 0) {
		k = k_clock;
		extra = e->extra;
	} else if (strcmp(variant, "mmap_munmap") == 0) {
		k = k_mmap;
	} else {
		k = k_yield;
	}
	struct tb_timing *t = tb_timings(ctx, 0);
	int measured = tb_time_reps(ctx, k, &leaf, t);
	if (measured < 0)
		return measured;
	emit(ctx, e, variant, t, measured, e->overhead_ns, extra);
	return tb_interrupted() ? -EINTR : 0;
}

static const struct tb_bench exits_bench = {
	.name = "cpu.exits",
	.description = "cost of CPUID, RDTSC(P), syscalls, vDSO, page faults, mmap, IPIs, yield",
	.variants = variants, .metrics = metrics, .options = options,
	.opts_size = sizeof(struct exits_opts),
	.setup = setup, .supported = supported, .memory = memory, .run = run,
	.teardown = tb_free_state,
};
TB_REGISTER_BENCH(exits_bench);
