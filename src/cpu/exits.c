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
struct exits_opts {
	long long fault_mib;
};

enum { M_NS, M_CYCLES };
static const struct tb_metric metrics[] = {
	[M_NS] = { "ns_per_op", "ns", TB_LOWER,
		   "time per operation, the empty loop's cost per iteration subtracted",
		   .how = TB_TIME_PER_OP, .primary = true },
	[M_CYCLES] = { "cycles_per_op", "cycles", TB_LOWER, "ns_per_op in TSC cycles",
		       .how = TB_TIME_PER_OP },
	{ 0 },
};

static const struct tb_option options[] = {
	TB_OPT_INT_FIELD(struct exits_opts, fault_mib, "64", "16", 1, 1 << 16,
		         "page_fault: size of each fresh mapping that is touched page by page, MiB"),
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

/* arg: the variant row's arg, the leaf. */
static int k_cpuid(void *arg, uint64_t n)
{
	uint32_t leaf = (uint32_t)*(const intptr_t *)arg;
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

/* Minor faults: fresh anonymous mappings touched once per 4 KiB page. One round of a
 * repetition is one mapping: mapped untimed, its pages faulted in under the runner's clock,
 * then touched again (the loop's own cost, subtracted) and unmapped; rounds go on until
 * --min-time of faults has passed. Transparent huge pages are refused so a fault is one
 * page. */
struct faults {
	size_t bytes;
	long page;
	volatile char *map;
	uint64_t pages;         /* this repetition */
	struct tb_timing *t;    /* the repetitions recorded */
	int measured;
	double ovh_sum;
	uint64_t ovh_pages;
};

static int faults_map(void *arg, int rep)
{
	(void)rep;
	struct faults *f = arg;
	f->map = mmap(NULL, f->bytes, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (f->map == MAP_FAILED)
		return -errno;
	madvise((void *)f->map, f->bytes, MADV_NOHUGEPAGE);
	return 0;
}

static int faults_touch(void *arg, int rep)
{
	(void)rep;
	struct faults *f = arg;
	for (size_t off = 0; off < f->bytes; off += (size_t)f->page)
		f->map[off] = 1;
	f->pages += f->bytes / (size_t)f->page;
	return 0;
}

/* The loop overhead: a second pass over the same, now present, pages. */
static void faults_unmap(void *arg, int rep)
{
	(void)rep;
	struct faults *f = arg;
	double t0 = tb_now();
	for (size_t off = 0; off < f->bytes; off += (size_t)f->page)
		f->map[off] = 2;
	f->ovh_sum += tb_now() - t0;
	f->ovh_pages += f->bytes / (size_t)f->page;
	munmap((void *)f->map, f->bytes);
}

/* Kept, not written yet: the rows subtract the overhead averaged over every repetition. */
static void faults_record(void *arg, int rep, double seconds)
{
	struct faults *f = arg;
	f->t[rep - 1] = (struct tb_timing){ .iters = f->pages, .seconds = seconds };
	f->pages = 0;
	f->measured = rep;
}

static void faults_reset(void *arg, int rep)
{
	struct faults *f = arg;
	faults_unmap(arg, rep);
	if (rep == 0)
		f->pages = f->ovh_pages = 0, f->ovh_sum = 0;
}

static int run_faults(struct tb_ctx *ctx, const struct exits *e, const char *variant)
{
	struct faults f = {
		.bytes = (size_t)TB_OPTS(ctx, struct exits_opts)->fault_mib << 20,
		.page = sysconf(_SC_PAGESIZE),
		.t = tb_timings(ctx, 0),
	};
	struct tb_rep_plan plan = { .warmup = true, .min_time_rounds = true,
				    .prepare = faults_map, .measure = faults_touch,
				    .finish = faults_reset, .record = faults_record };
	int rc = tb_reps_run(ctx, &plan, &f);
	if (f.measured > 0) {
		/* The overhead subtracted here is the second touch's, not the empty loop's. */
		struct tb_work w = { .offset_s = f.ovh_sum / (double)f.ovh_pages };
		char detail[200];
		snprintf(detail, sizeof(detail), "loop_overhead_ns=%.3f tsc_hz=%.0f page_bytes=%ld "
			 "mapping_mib=%zu thp=off", w.offset_s * 1e9, e->tsc_hz, f.page, f.bytes >> 20);
		w.detail = detail;
		tb_emit_reps(ctx, variant, 0, f.t, f.measured, 0, NULL, &w);
	}
	return rc;
}

/* page_fault faults in a whole mapping of fault_mib at a time. */
static uint64_t memory(struct tb_ctx *ctx, void *state, const struct tb_variant *v)
{
	(void)state;
	if (v->kernel)
		return 0;
	return (uint64_t)TB_OPTS(ctx, struct exits_opts)->fault_mib << 20;
}

static int run_pipe(struct tb_ctx *ctx, const char *variant, struct tb_work *w)
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
	char detail[400];
	snprintf(detail, sizeof(detail), "%s %s", w->detail, pinning);
	w->detail = detail;
	tb_emit_reps(ctx, variant, 0, t, p.measured, 0, NULL, w);
	return 0;
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

/* Each row carries its kernel; page_fault (no kernel) and pipe_roundtrip have plans of
 * their own. */
static const struct tb_variant variants[] = {
	{ "cpuid_0", .kernel = k_cpuid, .arg = 0 },
	{ "cpuid_1", .kernel = k_cpuid, .arg = 1 },
	{ "cpuid_b", .kernel = k_cpuid, .arg = 0xb },
	{ "cpuid_8000001f", .kernel = k_cpuid, .arg = 0x8000001f },
	{ "rdtsc", .kernel = k_rdtsc },
	{ "rdtscp", .kernel = k_rdtscp },
	{ "getppid", .kernel = k_getppid },
	{ "clock_gettime", .kernel = k_clock },
	{ "page_fault", .kernel = NULL },
	{ "mmap_munmap", .kernel = k_mmap },
	/* The two threads run on different CPUs. */
	{ "pipe_roundtrip", .kernel = k_pipe, .min_cpus = 2 },
	{ "sched_yield", .kernel = k_yield },
	{ 0 },
};

static int run(struct tb_ctx *ctx, void *state, const struct tb_variant *v)
{
	const struct exits *e = state;
	char detail[320];
	int len = snprintf(detail, sizeof(detail), "loop_overhead_ns=%.3f tsc_hz=%.0f",
			   e->overhead_ns, e->tsc_hz);
	if (v->kernel == k_cpuid) {
		uint32_t leaf = (uint32_t)v->arg;
		uint32_t a = leaf & 0x80000000u ? 0x80000000u : 0, b, c = 0, d;
		__asm__ __volatile__("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
		/* A leaf above the maximum still executes (and still exits); say so. */
		snprintf(detail + len, sizeof(detail) - (size_t)len, " leaf=0x%x max_leaf=0x%x",
			 leaf, a);
	} else if (v->kernel == k_clock) {
		snprintf(detail + len, sizeof(detail) - (size_t)len, " %s", e->extra);
	}
	struct tb_work w = { .offset_s = e->overhead_ns * 1e-9, .detail = detail };
	if (!v->kernel)
		return run_faults(ctx, e, v->name);
	if (v->kernel == k_pipe)
		return run_pipe(ctx, v->name, &w);
	return tb_calibrated(ctx, v->name, v->kernel, (void *)&v->arg, &w);
}

TB_BENCH(exits_bench, "cpu.exits",
	 "cost of CPUID, RDTSC(P), syscalls, vDSO, page faults, mmap, IPIs, yield",
	 struct exits_opts, .setup = setup, .memory = memory, .run = run,
	 .teardown = tb_free_state);
