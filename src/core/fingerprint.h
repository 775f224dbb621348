/* The environment fingerprint: the facts that make two runs comparable (DESIGN.md
 * "Comparability"), read from a root directory so that tests can fake /proc and /sys. */
#ifndef TB_CORE_FINGERPRINT_H
#define TB_CORE_FINGERPRINT_H

#include <stddef.h>

struct tb_fingerprint {
	char isa[64];          /* visible extensions, '+'-joined: sse4.2+avx2+avx512f+aes+sha */
	char ucode[32];        /* microcode revision from /proc/cpuinfo */
	char cmdline[1024];    /* /proc/cmdline, percent-encoded (' ' -> %20, '%' -> %25) */
	char thp[24];          /* the [selected] word of transparent_hugepage/enabled */
	char cpuidle[96];      /* driver/governor */
	char numa[12];         /* NUMA nodes */
	char clocksource[48];
	char swiotlb[64];      /* the swiotlb= argument of the command line, or "default" */
	char hash[12];         /* FNV-1a 32 of all the above, 8 hex digits */
};

/* Reads every fact; root "" for this system (CPUID is never faked: the isa comes from the
 * CPU unless isa is given). A fact that cannot be read is "unknown". */
void tb_fingerprint_collect(struct tb_fingerprint *fp, const char *root, const char *isa);

/* The facts as detail pairs: "env.fp=HASH env.isa=... env.ucode=... env.cmdline=...
 * env.thp=... env.cpuidle=... env.numa=... env.clocksource=... env.swiotlb=...". */
void tb_fingerprint_detail(const struct tb_fingerprint *fp, char *buf, size_t len);

/* This system's fingerprint as detail pairs (the one call in tb_env_collect). */
void tb_env_fingerprint(char *buf, size_t len);

/* The value of swiotlb= on a kernel command line (plain text), or "default". */
void tb_swiotlb_arg(const char *cmdline, char *buf, size_t len);

/* Reads root+path's first line into buf (newline cut); 0 or -errno. */
int tb_read_line(const char *root, const char *path, char *buf, size_t len);

#endif
