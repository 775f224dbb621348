/* Reading "Key:   123 kB" lines from /proc files (meminfo, smaps_rollup). */
#ifndef TB_MEM_PROCFS_H
#define TB_MEM_PROCFS_H

#include <stdbool.h>

/* The value of the line starting with key (e.g. "Unaccepted:") in path, in kB as the
 * kernel prints it; -1 when the file or the line is missing (no /proc, older kernel). */
long long tb_proc_kib(const char *path, const char *key);

/* Transparent huge pages: false when /sys/kernel/mm/transparent_hugepage/enabled says
 * [never]; mode receives the bracketed word, or "unknown" without /sys. */
bool tb_thp_usable(char *mode, int mode_len);

#endif
