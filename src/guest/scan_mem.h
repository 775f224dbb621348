/* Searching another process's memory for a byte string (the host side of canary/scan). */
#ifndef TB_GUEST_SCAN_MEM_H
#define TB_GUEST_SCAN_MEM_H

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

struct tb_scan_result {
	uint64_t scanned;        /* bytes read */
	uint64_t hits;           /* occurrences */
	unsigned mappings_hit;
	uint64_t skipped;        /* bytes of huge, almost untouched reservations not read */
};

/* Walks /proc/PID/smaps and reads every mapping that can hold data (see scan_mem.c),
 * printing one line per mapping with hits to out. Returns 0, -ESRCH when the process
 * went away, -EACCES/-EPERM without the rights to read it, -EINTR on Ctrl-C, or another
 * negative errno. */
int tb_scan_process(pid_t pid, const char *needle, size_t needle_len, FILE *out,
		    struct tb_scan_result *res);

#endif
