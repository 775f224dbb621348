/* Boot facts in detect's evidence: the time since boot at detect's start and the memory a
 * confidential guest has still to accept. Together with cc.boot's rows they say whether a
 * run began while the guest was still accepting its memory (lazy acceptance: Unaccepted
 * shrinks as memory is first touched, and that touch costs more than in a plain guest). */
#include <time.h>

#include "attest/gather_boot.h"
#include "mem/procfs.h"

void tb_ev_gather_boot(struct tb_evidence *ev)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_BOOTTIME, &ts) == 0)
		tb_ev_addf(ev, "boot.since_boot_s", "%.3f", (double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
	long long kib = tb_proc_kib("/proc/meminfo", "Unaccepted:");
	if (kib >= 0)
		tb_ev_addf(ev, "boot.unaccepted_kib", "%lld", kib);
	else
		tb_ev_add(ev, "boot.unaccepted_kib", "unknown");
}
