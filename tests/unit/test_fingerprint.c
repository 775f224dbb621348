/* The environment fingerprint and the bounce-buffer state read from a fake /proc and /sys. */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tinyben/bench.h"
#include "core/bounce.h"
#include "core/ctx_impl.h"
#include "core/fingerprint.h"
#include "../lib/check.h"

static char root[64];

/* Writes root/path (making its directories) with text. */
static void put(const char *path, const char *text)
{
	char full[512];
	snprintf(full, sizeof(full), "%s%s", root, path);
	for (char *p = full + strlen(root) + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		mkdir(full, 0755);
		*p = '/';
	}
	FILE *f = fopen(full, "w");
	if (!f)
		abort();
	fputs(text, f);
	fclose(f);
}

static int rm(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(p);
}

/* The facts read from /proc and /sys that fp must hold (isa comes from the caller). */
struct facts {
	const char *ucode, *cmdline, *swiotlb, *thp, *cpuidle, *numa;
};

static void check_facts(const struct tb_fingerprint *fp, struct facts want)
{
	CHECK_STR(fp->ucode, want.ucode);
	CHECK_STR(fp->cmdline, want.cmdline);
	CHECK_STR(fp->swiotlb, want.swiotlb);
	CHECK_STR(fp->thp, want.thp);
	CHECK_STR(fp->cpuidle, want.cpuidle);
	CHECK_STR(fp->numa, want.numa);
}

static void test_facts(void)
{
	put("/proc/cpuinfo", "processor\t: 0\nvendor_id\t: AuthenticAMD\nmicrocode\t: 0xa0011d1\n"
			     "processor\t: 1\nmicrocode\t: 0xa0011d1\n");
	put("/proc/cmdline", "console=ttyS0,115200 swiotlb=262144,force quiet 100%\n");
	put("/sys/kernel/mm/transparent_hugepage/enabled", "always [madvise] never\n");
	put("/sys/devices/system/cpu/cpuidle/current_driver", "haltpoll\n");
	put("/sys/devices/system/cpu/cpuidle/current_governor_ro", "haltpoll\n");
	put("/sys/devices/system/node/node0/x", "");
	put("/sys/devices/system/node/node1/x", "");
	put("/sys/devices/system/node/possible", "0-1\n");
	put("/sys/devices/system/clocksource/clocksource0/current_clocksource", "tsc\n");
	struct tb_fingerprint fp;
	tb_fingerprint_collect(&fp, root, "sse4.2+avx2");
	CHECK_STR(fp.isa, "sse4.2+avx2");
	check_facts(&fp, (struct facts){
		.ucode = "0xa0011d1",
		.cmdline = "console=ttyS0%2C115200%20swiotlb=262144%2Cforce%20quiet%20100%25",
		.swiotlb = "262144,force", .thp = "madvise", .cpuidle = "haltpoll/haltpoll", .numa = "2" });
	CHECK_STR(fp.clocksource, "tsc");
	char d[2048];
	tb_fingerprint_detail(&fp, d, sizeof(d));
	CHECK(strncmp(d, "env.fp=", 7) == 0);
	/* Nine key=value pairs: no value holds a space. */
	int spaces = 0;
	for (const char *p = d; *p; p++)
		spaces += *p == ' ';
	CHECK(spaces == 8);
	CHECK(strstr(d, " env.swiotlb=262144,force") != NULL);
	/* The hash changes with any fact. */
	struct tb_fingerprint other;
	put("/sys/kernel/mm/transparent_hugepage/enabled", "[always] madvise never\n");
	tb_fingerprint_collect(&other, root, "sse4.2+avx2");
	CHECK(strcmp(fp.hash, other.hash) != 0);
	/* Nothing readable: every fact says unknown, none is made up. */
	char empty[80];
	snprintf(empty, sizeof(empty), "%s/none", root);
	tb_fingerprint_collect(&fp, empty, "none");
	check_facts(&fp, (struct facts){ .ucode = "unknown", .cmdline = "unknown", .swiotlb = "unknown",
				       .thp = "unknown", .cpuidle = "unknown/unknown", .numa = "unknown" });
	char s[64];
	tb_swiotlb_arg("quiet", s, sizeof(s));
	CHECK_STR(s, "default");
	tb_swiotlb_arg("noswiotlb=1 swiotlb=force", s, sizeof(s));
	CHECK_STR(s, "force");
}

static char seen[2048];

static void collect(void *arg, const char *key, const char *value)
{
	(void)arg;
	size_t n = strlen(seen);
	snprintf(seen + n, sizeof(seen) - n, "%s=%s\n", key, value);
}

static void test_bounce(void)
{
	char bits[80];
	memset(bits, '0', 64);
	bits[64] = '\0';
	put("/sys/bus/virtio/devices/virtio0/features", bits);
	bits[33] = '1'; /* VIRTIO_F_ACCESS_PLATFORM */
	put("/sys/bus/virtio/devices/virtio1/features", bits);
	CHECK(tb_virtio_access_platform(root, "virtio0") == 0);
	CHECK(tb_virtio_access_platform(root, "virtio1") == 1);
	CHECK(tb_virtio_access_platform(root, "virtio9") == -2);
	put("/sys/bus/virtio/devices/virtio2/features", "01x");
	CHECK(tb_virtio_access_platform(root, "virtio2") == -22);
	/* Without debugfs: the reason, and the virtio devices (two of three with bits). */
	seen[0] = '\0';
	tb_bounce_state(root, collect, NULL);
	CHECK(strstr(seen, "swiotlb.cmdline=262144,force\n") != NULL);
	CHECK(strstr(seen, "swiotlb.debugfs=/sys/kernel/debug/swiotlb/io_tlb_nslabs: No such "
			   "file or directory\n") != NULL);
	CHECK(strstr(seen, "virtio.virtio1.access_platform=yes\n") != NULL);
	CHECK(strstr(seen, "virtio.virtio0.access_platform=no\n") != NULL);
	CHECK(strstr(seen, "virtio.virtio2.access_platform=unknown\n") != NULL);
	CHECK(strstr(seen, "virtio.dma_api=some\n") != NULL);
	put("/sys/kernel/debug/swiotlb/io_tlb_nslabs", "32768\n");
	put("/sys/kernel/debug/swiotlb/io_tlb_used", "12\n");
	put("/sys/kernel/debug/swiotlb/io_tlb_used_hiwater", "345\n");
	seen[0] = '\0';
	tb_bounce_state(root, collect, NULL);
	CHECK(strstr(seen, "swiotlb.io_tlb_nslabs=32768\nswiotlb.io_tlb_used=12\n"
			   "swiotlb.io_tlb_used_hiwater=345\n") != NULL);
	CHECK(strstr(seen, "swiotlb.debugfs") == NULL);

	/* The runner: the variants of an io benchmark get the high-water mark before and
	 * after, others not (the flag decides, not the name). */
	tb_bounce_set_root(root);
	struct tb_ctx ctx = { 0 };
	struct tb_bench io = { .name = "x.y", .io = true }, cpu = { .name = "io.x" };
	char d[128];
	ctx.bench = &io;
	tb_bounce_mark(&ctx);
	put("/sys/kernel/debug/swiotlb/io_tlb_used_hiwater", "400\n");
	tb_bounce_detail(&ctx, d, sizeof(d));
	CHECK_STR(d, " swiotlb_hiwater_before=345 swiotlb_hiwater_after=400");
	ctx.bench = &cpu;
	tb_bounce_mark(&ctx);
	tb_bounce_detail(&ctx, d, sizeof(d));
	CHECK_STR(d, "");
	/* Unreadable (no debugfs, or not root): nothing written. */
	ctx.bench = &io;
	put("/sys/kernel/debug/swiotlb/io_tlb_used_hiwater", "garbage\n");
	tb_bounce_mark(&ctx);
	tb_bounce_detail(&ctx, d, sizeof(d));
	CHECK_STR(d, "");
	tb_bounce_set_root("");
}

int main(void)
{
	snprintf(root, sizeof(root), "/tmp/tb-fp-XXXXXX");
	if (!mkdtemp(root))
		return 1;
	test_facts();
	test_bounce();
	nftw(root, rm, 16, FTW_DEPTH | FTW_PHYS);
	return check_done();
}
