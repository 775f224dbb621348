/* mem.tmb's kernels do the work their names say: every copy leaves dst equal to src, every
 * fill leaves the 8-byte pattern everywhere, and no kernel writes outside [dst, dst + size).
 * Kernels the CPU cannot run are skipped (exit 77 if none could run). Output: TAP. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem/tmb_kernels.h"

#define GUARD 256               /* bytes checked on each side of dst */
#define CANARY 0x5aU

static bool cpu_has(enum tb_tmb_isa isa)
{
	__builtin_cpu_init();
	switch (isa) {
	case TB_ISA_AVX2:
		return __builtin_cpu_supports("avx2");
	case TB_ISA_AVX512:
		return __builtin_cpu_supports("avx512f");
	default:
		return true;
	}
}

/* Returns NULL when the kernel did its job, else what went wrong. */
static const char *check(const struct tb_tmb_kernel *k, size_t size)
{
	static char why[160];
	unsigned char *sbuf = aligned_alloc(64, size), *dbuf = aligned_alloc(64, size + 2 * GUARD);
	if (!sbuf || !dbuf)
		return "out of memory";
	int64_t *src = (int64_t *)sbuf, *dst = (int64_t *)(dbuf + GUARD);
	/* Every word different, so a skipped, repeated or misplaced word shows. */
	for (size_t i = 0; i < size / 8; i++)
		src[i] = (int64_t)(0x0102030405060708ULL * (i + 1) ^ (i << 40));
	memset(dbuf, CANARY, size + 2 * GUARD);
	k->fn(dst, src, size);
	const char *err = NULL;
	bool fill = strstr(k->variant, "fill") || strcmp(k->variant, "memset") == 0;
	for (size_t i = 0; i < size / 8 && !err; i++) {
		int64_t want = src[i];
		if (strcmp(k->variant, "memset") == 0)
			memset(&want, (int)(src[0] & 0xff), sizeof(want));
		else if (fill)
			want = src[0];
		if (dst[i] != want) {
			snprintf(why, sizeof(why), "size %zu: word %zu is %#llx, want %#llx", size, i,
				 (unsigned long long)dst[i], (unsigned long long)want);
			err = why;
		}
	}
	for (size_t i = 0; i < GUARD && !err; i++)
		if (dbuf[i] != CANARY || dbuf[GUARD + size + i] != CANARY) {
			snprintf(why, sizeof(why), "size %zu: wrote outside dst (guard byte %zu)",
				 size, i);
			err = why;
		}
	free(sbuf);
	free(dbuf);
	return err;
}

int main(void)
{
	/* The smallest size, the 2-pass block and a size that is no power of two. */
	static const size_t sizes[] = { 256, TB_TMB_BLOCK, 256 * 37 };
	int n = 0, ran = 0, failed = 0;
	printf("1..%zu\n", tb_tmb_kernel_count);
	for (size_t i = 0; i < tb_tmb_kernel_count; i++) {
		const struct tb_tmb_kernel *k = &tb_tmb_kernels[i];
		n++;
		if (!cpu_has(k->isa)) {
			printf("ok %d - %s # SKIP CPU lacks the instruction set\n", n, k->variant);
			continue;
		}
		const char *err = NULL;
		for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]) && !err; s++)
			err = check(k, sizes[s]);
		ran++;
		if (err) {
			failed++;
			printf("not ok %d - %s: %s\n", n, k->variant, err);
		} else {
			printf("ok %d - %s\n", n, k->variant);
		}
	}
	if (ran == 0)
		return 77;
	return failed ? 1 : 0;
}
