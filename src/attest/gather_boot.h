/* Boot facts in detect's evidence (docs/BOOT.md): when, after boot, tinyben ran. */
#ifndef TB_ATTEST_GATHER_BOOT_H
#define TB_ATTEST_GATHER_BOOT_H

#include "attest/evidence.h"

/* Adds boot.since_boot_s (CLOCK_BOOTTIME now, at detect's start) and boot.unaccepted_kib
 * (/proc/meminfo Unaccepted:, "unknown" without the line: no /proc or a kernel before 6.5). */
void tb_ev_gather_boot(struct tb_evidence *ev);

#endif
