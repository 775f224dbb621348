/* mem.tmb's copy and fill kernels (tinymembench's set), one table for the benchmark. */
#ifndef TB_MEM_TMB_KERNELS_H
#define TB_MEM_TMB_KERNELS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tinyben/bench.h"

/* size is a multiple of 256 bytes, dst and src are 64-byte aligned (AVX-512 aligned
 * loads); fills read only src[0] (the pattern). */
typedef void (*tb_tmb_fn)(int64_t *dst, const int64_t *src, size_t size);

enum tb_tmb_isa { TB_ISA_BASE, TB_ISA_AVX2, TB_ISA_AVX512 };

struct tb_tmb_kernel {
	const char *variant;   /* our name: no spaces, usable in -b mem.tmb:VARIANT */
	const char *tmb_name;  /* tinymembench's line label, for the README mapping */
	tb_tmb_fn fn;
	enum tb_tmb_isa isa;
	bool two_pass;         /* copy through a small buffer that stays in L1 */
};

extern const struct tb_tmb_kernel tb_tmb_kernels[];
extern const size_t tb_tmb_kernel_count;
/* The same kernels as variant rows: .data points to the kernel; terminated by { 0 }. */
extern const struct tb_variant tb_tmb_variants[];

/* Block of the 2-pass copies, as tinymembench's BLOCKSIZE. */
#define TB_TMB_BLOCK 2048

#endif
