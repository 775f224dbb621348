/* mem.tmb's copy and fill kernels: tinymembench's C, libc, MOVSB/MOVSD and SSE2 kernels,
 * plus AVX2 and AVX-512 (compiled with target attributes, chosen at run time). */
#include <immintrin.h>
#include <string.h>

#include "mem/tmb_kernels.h"

/* Compilers recognise copy and fill loops and replace them with memcpy/memset calls or
 * vectorise, interleave or unroll them: each kernel must stay the instruction mix its name
 * says (and tinymembench's), so all of that is switched off for every kernel here.
 * GCC: the optimize attribute turns off the two passes (-ftree-loop-distribute-patterns,
 * -ftree-vectorize; GCC does not unroll these loops at -O3 without -funroll-loops).
 * clang has no optimize attribute (it warns "unknown attribute" and ignores it): there
 * no_builtin stops the loop-idiom pass from emitting library calls, and the loop pragma
 * before every loop (KEEP_LOOP) stops the vectoriser, the interleaver and the unroller,
 * as mem.mbw's DUMB loop does (src/mem/mbw.c). */
#if defined(__clang__)
#define KERNEL __attribute__((noinline, no_builtin))
#define KEEP_LOOP _Pragma("clang loop vectorize(disable) interleave(disable) unroll(disable)")
#else
#define KERNEL __attribute__((noinline, optimize("no-tree-loop-distribute-patterns", \
						 "no-tree-vectorize")))
#define KEEP_LOOP
#endif

/* tinymembench's C kernels (util.c) move half a cache line at a time: four 8-byte loads,
 * then four 8-byte stores, twice per 64 bytes; loading a whole line before storing any of
 * it (what this file did before) keeps more loads in flight and measured differently. The
 * destination is volatile so the compiler keeps exactly these scalar accesses. */
#define COPY_UP4(d, s)                                                        \
	do {                                                                  \
		int64_t a_ = (s)[0], b_ = (s)[1], c_ = (s)[2], e_ = (s)[3];   \
		(d)[0] = a_; (d)[1] = b_; (d)[2] = c_; (d)[3] = e_;           \
	} while (0)
/* The backwards copy walks every 8-byte word downwards, inside a line too. */
#define COPY_DOWN4(d, s)                                                      \
	do {                                                                  \
		int64_t a_ = (s)[3], b_ = (s)[2], c_ = (s)[1], e_ = (s)[0];   \
		(d)[3] = a_; (d)[2] = b_; (d)[1] = c_; (d)[0] = e_;           \
	} while (0)

/* Loops count the bytes left down to zero and bump both pointers (size is a multiple of
 * 256): per 64 bytes that is the moves plus two adds, a sub and a branch, as in
 * tinymembench's loops, not an index, a compare and address arithmetic. */
KERNEL static void c_copy(int64_t *dst_, const int64_t *src, size_t size)
{
	volatile int64_t *dst = dst_;
	KEEP_LOOP
	for (size_t left = size; left; left -= 64, src += 8, dst += 8) {
		COPY_UP4(dst, src);
		COPY_UP4(dst + 4, src + 4);
	}
}

KERNEL static void c_copy_backwards(int64_t *dst_, const int64_t *src, size_t size)
{
	volatile int64_t *dst = dst_ + size / 8;
	src += size / 8;
	KEEP_LOOP
	for (size_t left = size; left; left -= 64) {
		src -= 8;
		dst -= 8;
		COPY_DOWN4(dst + 4, src + 4);
		COPY_DOWN4(dst, src);
	}
}

/* tinymembench prefetches 256 bytes ahead of the source (hint 0 = no temporal locality,
 * prefetchnta), either before each 32-byte half (its "32 bytes step": two prefetches per
 * line, 256 and 288 bytes ahead) or once per 64-byte line ("64 bytes step"). */
#define PF_AHEAD 32 /* int64_t words: 256 bytes */
KERNEL static void c_copy_pf32(int64_t *dst_, const int64_t *src, size_t size)
{
	volatile int64_t *dst = dst_;
	KEEP_LOOP
	for (size_t left = size; left; left -= 64, src += 8, dst += 8) {
		__builtin_prefetch(src + PF_AHEAD, 0, 0);
		COPY_UP4(dst, src);
		__builtin_prefetch(src + 4 + PF_AHEAD, 0, 0);
		COPY_UP4(dst + 4, src + 4);
	}
}

KERNEL static void c_copy_pf64(int64_t *dst_, const int64_t *src, size_t size)
{
	volatile int64_t *dst = dst_;
	KEEP_LOOP
	for (size_t left = size; left; left -= 64, src += 8, dst += 8) {
		__builtin_prefetch(src + PF_AHEAD, 0, 0);
		COPY_UP4(dst, src);
		COPY_UP4(dst + 4, src + 4);
	}
}

KERNEL static void c_fill(int64_t *dst_, const int64_t *src, size_t size)
{
	volatile int64_t *dst = dst_;
	int64_t v = src[0];
	KEEP_LOOP
	for (size_t left = size; left; left -= 64, dst += 8) {
		dst[0] = v; dst[1] = v; dst[2] = v; dst[3] = v;
		dst[4] = v; dst[5] = v; dst[6] = v; dst[7] = v;
	}
}

/* The C library's own routines, called as any program would (glibc picks its
 * ERMS/AVX/non-temporal strategy by size and CPU). */
static void libc_memcpy(int64_t *dst, const int64_t *src, size_t size)
{
	memcpy(dst, src, size);
}

static void libc_memset(int64_t *dst, const int64_t *src, size_t size)
{
	memset(dst, (int)(src[0] & 0xff), size);
}

static void movsb_copy(int64_t *dst, const int64_t *src, size_t size)
{
	__asm__ __volatile__("rep movsb" : "+D"(dst), "+S"(src), "+c"(size) : : "memory");
}

static void movsd_copy(int64_t *dst, const int64_t *src, size_t size)
{
	size_t n = size / 4;
	__asm__ __volatile__("rep movsl" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
}

/* The vector kernels: per step four registers of T, aligned loads, stores either through
 * the cache or non-temporal (write-combining; sfence at the end so the stores are globally
 * visible before the timer stops, which tinymembench leaves out: one sfence per call, it
 * costs nothing at these sizes). SSE2 (every x86-64 CPU) moves 64 bytes a step as
 * tinymembench's x86-sse2.S, AVX2 128 and AVX-512F 256 (one cache line per register);
 * AVX kernels end with vzeroupper so later SSE code pays no transition penalty. */
#define VEC_COPY(name, attr, T, load, store, tail)                                    \
	KERNEL attr static void name(int64_t *dst, const int64_t *src, size_t size)   \
	{                                                                             \
		T *d = (T *)dst;                                                      \
		const T *s = (const T *)src;                                          \
		KEEP_LOOP                                                             \
		for (size_t left = size; left; left -= 4 * sizeof(T), s += 4, d += 4) { \
			T a = load(s), b = load(s + 1), c = load(s + 2), e = load(s + 3); \
			store(d, a); store(d + 1, b); store(d + 2, c); store(d + 3, e); \
		}                                                                     \
		tail                                                                  \
	}
#define VEC_FILL(name, attr, T, splat, store, tail)                                   \
	KERNEL attr static void name(int64_t *dst, const int64_t *src, size_t size)   \
	{                                                                             \
		T *d = (T *)dst;                                                      \
		T v = splat(src[0]);                                                  \
		KEEP_LOOP                                                             \
		for (size_t left = size; left; left -= 4 * sizeof(T), d += 4) {       \
			store(d, v); store(d + 1, v); store(d + 2, v); store(d + 3, v); \
		}                                                                     \
		tail                                                                  \
	}

#define SSE2
#define AVX2 __attribute__((target("avx2")))
#define AVX512 __attribute__((target("avx512f")))
#define NT_END _mm_sfence();
#define AVX_END _mm256_zeroupper();

VEC_COPY(sse2_copy, SSE2, __m128i, _mm_load_si128, _mm_store_si128, )
VEC_COPY(sse2_nt_copy, SSE2, __m128i, _mm_load_si128, _mm_stream_si128, NT_END)
VEC_FILL(sse2_fill, SSE2, __m128i, _mm_set1_epi64x, _mm_store_si128, )
VEC_FILL(sse2_nt_fill, SSE2, __m128i, _mm_set1_epi64x, _mm_stream_si128, NT_END)

VEC_COPY(avx2_copy, AVX2, __m256i, _mm256_load_si256, _mm256_store_si256, AVX_END)
VEC_COPY(avx2_nt_copy, AVX2, __m256i, _mm256_load_si256, _mm256_stream_si256, NT_END AVX_END)
VEC_FILL(avx2_fill, AVX2, __m256i, _mm256_set1_epi64x, _mm256_store_si256, AVX_END)
VEC_FILL(avx2_nt_fill, AVX2, __m256i, _mm256_set1_epi64x, _mm256_stream_si256, NT_END AVX_END)

VEC_COPY(avx512_copy, AVX512, __m512i, _mm512_load_si512, _mm512_store_si512, AVX_END)
VEC_COPY(avx512_nt_copy, AVX512, __m512i, _mm512_load_si512, _mm512_stream_si512,
	 NT_END AVX_END)
VEC_FILL(avx512_fill, AVX512, __m512i, _mm512_set1_epi64, _mm512_store_si512, AVX_END)
VEC_FILL(avx512_nt_fill, AVX512, __m512i, _mm512_set1_epi64, _mm512_stream_si512,
	 NT_END AVX_END)

/* One list, two tables: the kernels, and the variant rows of the descriptor (each row
 * carries its kernel). */
#define TMB_KERNELS(X) \
	X("c-copy-backwards", "C copy backwards", c_copy_backwards, TB_ISA_BASE, false) \
	X("c-copy", "C copy", c_copy, TB_ISA_BASE, false) \
	X("c-copy-pf32", "C copy prefetched (32 bytes step)", c_copy_pf32, TB_ISA_BASE, false) \
	X("c-copy-pf64", "C copy prefetched (64 bytes step)", c_copy_pf64, TB_ISA_BASE, false) \
	X("c-2pass-copy", "C 2-pass copy", c_copy, TB_ISA_BASE, true) \
	X("c-fill", "C fill", c_fill, TB_ISA_BASE, false) \
	X("memcpy", "standard memcpy", libc_memcpy, TB_ISA_BASE, false) \
	X("memset", "standard memset", libc_memset, TB_ISA_BASE, false) \
	X("movsb-copy", "MOVSB copy", movsb_copy, TB_ISA_BASE, false) \
	X("movsd-copy", "MOVSD copy", movsd_copy, TB_ISA_BASE, false) \
	X("sse2-copy", "SSE2 copy", sse2_copy, TB_ISA_BASE, false) \
	X("sse2-nt-copy", "SSE2 nontemporal copy", sse2_nt_copy, TB_ISA_BASE, false) \
	X("sse2-2pass-copy", "SSE2 2-pass copy", sse2_copy, TB_ISA_BASE, true) \
	X("sse2-fill", "SSE2 fill", sse2_fill, TB_ISA_BASE, false) \
	X("sse2-nt-fill", "SSE2 nontemporal fill", sse2_nt_fill, TB_ISA_BASE, false) \
	X("avx2-copy", "AVX2 copy", avx2_copy, TB_ISA_AVX2, false) \
	X("avx2-nt-copy", "AVX2 nontemporal copy", avx2_nt_copy, TB_ISA_AVX2, false) \
	X("avx2-fill", "AVX2 fill", avx2_fill, TB_ISA_AVX2, false) \
	X("avx2-nt-fill", "AVX2 nontemporal fill", avx2_nt_fill, TB_ISA_AVX2, false) \
	X("avx512-copy", "AVX-512 copy", avx512_copy, TB_ISA_AVX512, false) \
	X("avx512-nt-copy", "AVX-512 nontemporal copy", avx512_nt_copy, TB_ISA_AVX512, false) \
	X("avx512-fill", "AVX-512 fill", avx512_fill, TB_ISA_AVX512, false) \
	X("avx512-nt-fill", "AVX-512 nontemporal fill", avx512_nt_fill, TB_ISA_AVX512, false)

#define AS_KERNEL(v, t, f, isa, two) { v, t, f, isa, two },
#define AS_INDEX(v, t, f, isa, two) K_##f##_##two,
#define AS_VARIANT(v, t, f, isa, two) { v, .data = &tb_tmb_kernels[K_##f##_##two] },
enum { TMB_KERNELS(AS_INDEX) };
const struct tb_tmb_kernel tb_tmb_kernels[] = { TMB_KERNELS(AS_KERNEL) };
const size_t tb_tmb_kernel_count = sizeof(tb_tmb_kernels) / sizeof(tb_tmb_kernels[0]);
const struct tb_variant tb_tmb_variants[] = { TMB_KERNELS(AS_VARIANT) { 0 } };
