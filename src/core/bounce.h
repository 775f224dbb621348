/* The guest's bounce buffers (swiotlb): every byte a virtio device moves in a confidential
 * guest is copied through them, so their state goes on record (detect) and their high-water
 * mark into the detail of every io.* row (the runner). */
#ifndef TB_CORE_BOUNCE_H
#define TB_CORE_BOUNCE_H

#include <stddef.h>

struct tb_ctx;

/* Where debugfs shows the swiotlb counters (Linux 6.x, kernel/dma/swiotlb.c). */
#define TB_SWIOTLB_DEBUGFS "/sys/kernel/debug/swiotlb"

/* Reads root/sys/kernel/debug/swiotlb/NAME as a number: 0, or -errno (debugfs is root-only
 * and often not mounted). */
int tb_swiotlb_counter(const char *root, const char *name, long long *out);

/* Does virtio device DIR (its sysfs features file, one '0'/'1' per bit) offer
 * VIRTIO_F_ACCESS_PLATFORM (bit 33, virtio 1.1 section 6): the device goes through the DMA
 * API, so through swiotlb when it is forced? 1 yes, 0 no, -errno unreadable. */
int tb_virtio_access_platform(const char *root, const char *dev);

/* Calls add(arg, key, value) for every item of the bounce-buffer state under root:
 * swiotlb.cmdline, swiotlb.io_tlb_{nslabs,used,used_hiwater} (or swiotlb.debugfs with why
 * not), virtio.DEV.access_platform per device and virtio.dma_api (all, none, some, or
 * no-devices). */
void tb_bounce_state(const char *root, void (*add)(void *arg, const char *key, const char *value),
		     void *arg);

/* The runner, before a variant runs: remembers the high-water mark for io.* benchmarks. */
void tb_bounce_mark(struct tb_ctx *ctx);
/* " swiotlb_hiwater_before=N swiotlb_hiwater_after=M" for rows of a marked variant where
 * the counter is readable, else "". */
void tb_bounce_detail(const struct tb_ctx *ctx, char *buf, size_t len);
/* Tests: where the runner reads debugfs from ("" by default). */
void tb_bounce_set_root(const char *root);

#endif
