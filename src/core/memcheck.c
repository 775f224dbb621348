/* The free-memory check every benchmark goes through before it allocates its buffers, so
 * that a size or a thread count too large is a skipped row, not an OOM kill. */
#include <stdio.h>
#include <string.h>
#include <sys/sysinfo.h>

#include "tinyben/ctx.h"

/* MemAvailable counts the page cache the kernel can drop; without /proc (a minimal
 * guest), free + buffer memory from sysinfo() is the estimate we have. */
static unsigned long long available_bytes(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	if (f) {
		char line[128];
		unsigned long long kib;
		while (fgets(line, sizeof(line), f)) {
			if (sscanf(line, "MemAvailable: %llu kB", &kib) == 1) {
				fclose(f);
				return kib << 10;
			}
		}
		fclose(f);
	}
	struct sysinfo si;
	if (sysinfo(&si) != 0)
		return ~0ull;
	return (unsigned long long)(si.freeram + si.bufferram) * si.mem_unit;
}

bool tb_memory_check(struct tb_ctx *ctx, const char *variant, uint64_t bytes)
{
	unsigned long long avail = available_bytes();
	if (bytes <= avail)
		return true;
	tb_skip(ctx, variant, "needs %llu MiB of memory, only %llu MiB available",
		(unsigned long long)(bytes + (1 << 20) - 1) >> 20, avail >> 20);
	return false;
}
