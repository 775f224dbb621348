/* mem.tmb's copy and fill kernels: tinymembench's C, libc, MOVSB/MOVSD and SSE2 kernels,
 * plus AVX2 and AVX-512 (compiled with target attributes, chosen at run time). */
#include <immintrin.h>
#include <string.h>

#include "mem/tmb_kernels.h"

/* GCC recognises copy and fill loops and replaces them with memcpy/memset calls
 * (-ftree-loop-distribute-patterns) or vectorises them: each kernel must stay the
 * instruction mix its name says, so both are switched off for every kernel here. */
#define KERNEL __attribute__((noinline, optimize("no-tree-loop-distribute-patterns", \
						 "no-tree-vectorize")))

/* tinymembench's C kernels move 64 bytes per loop as eight 8-byte loads then eight stores,
 * through a volatile destination so the compiler keeps exactly those scalar accesses. */
#define LOAD8(s)                                                                  \
	int64_t t0 = (s)[0], t1 = (s)[1], t2 = (s)[2], t3 = (s)[3], t4 = (s)[4], \
		t5 = (s)[5], t6 = (s)[6], t7 = (s)[7]
#define STORE8(d)                                                               \
	do {                                                                    \
		(d)[0] = t0; (d)[1] = t1; (d)[2] = t2; (d)[3] = t3;             \
		(d)[4] = t4; (d)[5] = t5; (d)[6] = t6; (d)[7] = t7;             \
	} while (0)

KERNEL static void c_copy(int64_t *dst_, const int64_t *src, size_t size)
{
	volatile int64_t *dst = dst_;
	for (size_t i = 0; i < size / 8; i += 8) {
		LOAD8(src + i);
		STORE8(dst + i);
	}
}

KERNEL static void c_copy_backwards(int64_t *dst_, const int64_t *src, size_t size)
{
	volatile int64_t *dst = dst_;
	for (size_t i = size / 8; i >= 8; i -= 8) {
		LOAD8(src + i - 8);
		STORE8(dst + i - 8);
	}
}

/* tinymembench prefetches 256 bytes ahead of the source, once per 32 or once per 64
 * bytes copied (its "32/64 bytes step"); hint 0 = no temporal locality (prefetchnta). */
KERNEL static void c_copy_pf32(int64_t *dst_, const int64_t *src, size_t size)
{
	volatile int64_t *dst = dst_;
	for (size_t i = 0; i < size / 8; i += 8) {
		__builtin_prefetch(src + i + 32, 0, 0);
		__builtin_prefetch(src + i + 36, 0, 0);
		LOAD8(src + i);
		STORE8(dst + i);
	}
}

KERNEL static void c_copy_pf64(int64_t *dst_, const int64_t *src, size_t size)
{
	volatile int64_t *dst = dst_;
	for (size_t i = 0; i < size / 8; i += 8) {
		__builtin_prefetch(src + i + 32, 0, 0);
		LOAD8(src + i);
		STORE8(dst + i);
	}
}

KERNEL static void c_fill(int64_t *dst_, const int64_t *src, size_t size)
{
	volatile int64_t *dst = dst_;
	int64_t v = src[0];
	for (size_t i = 0; i < size / 8; i += 8) {
		dst[i] = v; dst[i + 1] = v; dst[i + 2] = v; dst[i + 3] = v;
		dst[i + 4] = v; dst[i + 5] = v; dst[i + 6] = v; dst[i + 7] = v;
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

/* SSE2 (every x86-64 CPU): 64 bytes per loop in four 16-byte registers, aligned loads;
 * stores either through the cache or non-temporal (movntdq, write-combining, then sfence
 * so the stores are globally visible before the timer stops). */
KERNEL static void sse2_copy(int64_t *dst, const int64_t *src, size_t size)
{
	__m128i *d = (__m128i *)dst;
	const __m128i *s = (const __m128i *)src;
	for (size_t i = 0; i < size / 16; i += 4) {
		__m128i a = _mm_load_si128(s + i), b = _mm_load_si128(s + i + 1);
		__m128i c = _mm_load_si128(s + i + 2), e = _mm_load_si128(s + i + 3);
		_mm_store_si128(d + i, a); _mm_store_si128(d + i + 1, b);
		_mm_store_si128(d + i + 2, c); _mm_store_si128(d + i + 3, e);
	}
}

KERNEL static void sse2_nt_copy(int64_t *dst, const int64_t *src, size_t size)
{
	__m128i *d = (__m128i *)dst;
	const __m128i *s = (const __m128i *)src;
	for (size_t i = 0; i < size / 16; i += 4) {
		__m128i a = _mm_load_si128(s + i), b = _mm_load_si128(s + i + 1);
		__m128i c = _mm_load_si128(s + i + 2), e = _mm_load_si128(s + i + 3);
		_mm_stream_si128(d + i, a); _mm_stream_si128(d + i + 1, b);
		_mm_stream_si128(d + i + 2, c); _mm_stream_si128(d + i + 3, e);
	}
	_mm_sfence();
}

KERNEL static void sse2_fill(int64_t *dst, const int64_t *src, size_t size)
{
	__m128i *d = (__m128i *)dst;
	__m128i v = _mm_set1_epi64x(src[0]);
	for (size_t i = 0; i < size / 16; i += 4) {
		_mm_store_si128(d + i, v); _mm_store_si128(d + i + 1, v);
		_mm_store_si128(d + i + 2, v); _mm_store_si128(d + i + 3, v);
	}
}

KERNEL static void sse2_nt_fill(int64_t *dst, const int64_t *src, size_t size)
{
	__m128i *d = (__m128i *)dst;
	__m128i v = _mm_set1_epi64x(src[0]);
	for (size_t i = 0; i < size / 16; i += 4) {
		_mm_stream_si128(d + i, v); _mm_stream_si128(d + i + 1, v);
		_mm_stream_si128(d + i + 2, v); _mm_stream_si128(d + i + 3, v);
	}
	_mm_sfence();
}

/* AVX2: 128 bytes per loop in four 32-byte registers. */
#define AVX2 __attribute__((target("avx2")))
KERNEL AVX2 static void avx2_copy(int64_t *dst, const int64_t *src, size_t size)
{
	__m256i *d = (__m256i *)dst;
	const __m256i *s = (const __m256i *)src;
	for (size_t i = 0; i < size / 32; i += 4) {
		__m256i a = _mm256_load_si256(s + i), b = _mm256_load_si256(s + i + 1);
		__m256i c = _mm256_load_si256(s + i + 2), e = _mm256_load_si256(s + i + 3);
		_mm256_store_si256(d + i, a); _mm256_store_si256(d + i + 1, b);
		_mm256_store_si256(d + i + 2, c); _mm256_store_si256(d + i + 3, e);
	}
	_mm256_zeroupper();
}

KERNEL AVX2 static void avx2_nt_copy(int64_t *dst, const int64_t *src, size_t size)
{
	__m256i *d = (__m256i *)dst;
	const __m256i *s = (const __m256i *)src;
	for (size_t i = 0; i < size / 32; i += 4) {
		__m256i a = _mm256_load_si256(s + i), b = _mm256_load_si256(s + i + 1);
		__m256i c = _mm256_load_si256(s + i + 2), e = _mm256_load_si256(s + i + 3);
		_mm256_stream_si256(d + i, a); _mm256_stream_si256(d + i + 1, b);
		_mm256_stream_si256(d + i + 2, c); _mm256_stream_si256(d + i + 3, e);
	}
	_mm_sfence();
	_mm256_zeroupper();
}

KERNEL AVX2 static void avx2_fill(int64_t *dst, const int64_t *src, size_t size)
{
	__m256i *d = (__m256i *)dst;
	__m256i v = _mm256_set1_epi64x(src[0]);
	for (size_t i = 0; i < size / 32; i += 4) {
		_mm256_store_si256(d + i, v); _mm256_store_si256(d + i + 1, v);
		_mm256_store_si256(d + i + 2, v); _mm256_store_si256(d + i + 3, v);
	}
	_mm256_zeroupper();
}

KERNEL AVX2 static void avx2_nt_fill(int64_t *dst, const int64_t *src, size_t size)
{
	__m256i *d = (__m256i *)dst;
	__m256i v = _mm256_set1_epi64x(src[0]);
	for (size_t i = 0; i < size / 32; i += 4) {
		_mm256_stream_si256(d + i, v); _mm256_stream_si256(d + i + 1, v);
		_mm256_stream_si256(d + i + 2, v); _mm256_stream_si256(d + i + 3, v);
	}
	_mm_sfence();
	_mm256_zeroupper();
}

/* AVX-512F: 256 bytes per loop in four 64-byte registers (one cache line each). */
#define AVX512 __attribute__((target("avx512f")))
KERNEL AVX512 static void avx512_copy(int64_t *dst, const int64_t *src, size_t size)
{
	__m512i *d = (__m512i *)dst;
	const __m512i *s = (const __m512i *)src;
	for (size_t i = 0; i < size / 64; i += 4) {
		__m512i a = _mm512_load_si512(s + i), b = _mm512_load_si512(s + i + 1);
		__m512i c = _mm512_load_si512(s + i + 2), e = _mm512_load_si512(s + i + 3);
		_mm512_store_si512(d + i, a); _mm512_store_si512(d + i + 1, b);
		_mm512_store_si512(d + i + 2, c); _mm512_store_si512(d + i + 3, e);
	}
	_mm256_zeroupper();
}

KERNEL AVX512 static void avx512_nt_copy(int64_t *dst, const int64_t *src, size_t size)
{
	__m512i *d = (__m512i *)dst;
	const __m512i *s = (const __m512i *)src;
	for (size_t i = 0; i < size / 64; i += 4) {
		__m512i a = _mm512_load_si512(s + i), b = _mm512_load_si512(s + i + 1);
		__m512i c = _mm512_load_si512(s + i + 2), e = _mm512_load_si512(s + i + 3);
		_mm512_stream_si512(d + i, a); _mm512_stream_si512(d + i + 1, b);
		_mm512_stream_si512(d + i + 2, c); _mm512_stream_si512(d + i + 3, e);
	}
	_mm_sfence();
	_mm256_zeroupper();
}

KERNEL AVX512 static void avx512_fill(int64_t *dst, const int64_t *src, size_t size)
{
	__m512i *d = (__m512i *)dst;
	__m512i v = _mm512_set1_epi64(src[0]);
	for (size_t i = 0; i < size / 64; i += 4) {
		_mm512_store_si512(d + i, v); _mm512_store_si512(d + i + 1, v);
		_mm512_store_si512(d + i + 2, v); _mm512_store_si512(d + i + 3, v);
	}
	_mm256_zeroupper();
}

KERNEL AVX512 static void avx512_nt_fill(int64_t *dst, const int64_t *src, size_t size)
{
	__m512i *d = (__m512i *)dst;
	__m512i v = _mm512_set1_epi64(src[0]);
	for (size_t i = 0; i < size / 64; i += 4) {
		_mm512_stream_si512(d + i, v); _mm512_stream_si512(d + i + 1, v);
		_mm512_stream_si512(d + i + 2, v); _mm512_stream_si512(d + i + 3, v);
	}
	_mm_sfence();
	_mm256_zeroupper();
}

/* One list, two tables: the kernels, and the variant names the descriptor needs. */
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
#define AS_NAME(v, t, f, isa, two) v,
const struct tb_tmb_kernel tb_tmb_kernels[] = { TMB_KERNELS(AS_KERNEL) };
const size_t tb_tmb_kernel_count = sizeof(tb_tmb_kernels) / sizeof(tb_tmb_kernels[0]);
const char *const tb_tmb_variants[] = { TMB_KERNELS(AS_NAME) NULL };
