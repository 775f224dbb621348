/* The round-trip check of cpu.lz4: a fast decompressor of garbage is wrong, so every
 * stream's output is compared with the input before any figure is written. */
#ifndef TB_CPU_ROUNDTRIP_H
#define TB_CPU_ROUNDTRIP_H

#include <stddef.h>

/* The first of n outputs (each len bytes) that differs from src: its index, or -1 when
 * all of them are the input again. */
int tb_roundtrip_mismatch(const unsigned char *const *outputs, int n, const unsigned char *src,
			  size_t len);

#endif
