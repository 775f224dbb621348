/* The free-memory check every benchmark goes through before it allocates its buffers, so
 * that a size or a thread count too large is a skipped row, not an OOM kill.
 *
 * Four limits, the tightest wins, and the skipped row gives its numbers: the machine's
 * MemAvailable, the cgroup's memory limit (cgroup_mem.c: a container, a systemd unit),
 * and RLIMIT_AS / RLIMIT_DATA (ulimit -v / -d: mmap fails past them). */
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>

#include "tinyben/ctx.h"
#include "cgroup_mem.h"

#define MIB(x) ((unsigned long long)(x) >> 20)

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

/* VmSize or VmData of this process, bytes (0 when unknown). */
static unsigned long long vm_bytes(const char *key)
{
	FILE *f = fopen("/proc/self/status", "r");
	if (!f)
		return 0;
	char line[128];
	unsigned long long kib = 0;
	size_t kl = strlen(key);
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, key, kl) == 0 && line[kl] == ':') {
			sscanf(line + kl + 1, "%llu", &kib);
			break;
		}
	fclose(f);
	return kib << 10;
}

static void rlimit_room(int resource, const char *name, const char *vm_key,
			unsigned long long *avail, char *why, size_t len)
{
	struct rlimit rl;
	if (getrlimit(resource, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
		return;
	unsigned long long used = vm_bytes(vm_key);
	unsigned long long room = rl.rlim_cur > used ? rl.rlim_cur - used : 0;
	if (room < *avail) {
		*avail = room;
		snprintf(why, len, "%s %llu MiB with %llu MiB mapped (%s)", name, MIB(rl.rlim_cur),
			 MIB(used), vm_key);
	}
}

bool tb_memory_fits(uint64_t bytes, char *out, size_t out_len)
{
	unsigned long long mem_available = available_bytes(), avail = mem_available;
	char why[320] = "";
	struct tb_cgroup_mem cg;
	uint64_t room;
	if (tb_cgroup_mem_room("", &cg, &room) && room < avail) {
		avail = room;
		char cache[64] = "";
		if (cg.reclaimable >= (1 << 20))
			snprintf(cache, sizeof(cache), " (%llu MiB of it reclaimable cache)",
				 MIB(cg.reclaimable));
		snprintf(why, sizeof(why), "cgroup %s %llu MiB with %llu MiB in use%s", cg.file,
			 MIB(cg.limit), MIB(cg.usage), cache);
	}
	rlimit_room(RLIMIT_AS, "RLIMIT_AS", "VmSize", &avail, why, sizeof(why));
	rlimit_room(RLIMIT_DATA, "RLIMIT_DATA", "VmData", &avail, why, sizeof(why));
	if (bytes <= avail)
		return true;
	if (why[0])
		snprintf(out, out_len, "needs %llu MiB of memory, only %llu MiB available: %s; "
			 "MemAvailable %llu MiB", MIB(bytes + (1 << 20) - 1), MIB(avail), why,
			 MIB(mem_available));
	else
		snprintf(out, out_len, "needs %llu MiB of memory, only %llu MiB available",
			 MIB(bytes + (1 << 20) - 1), MIB(avail));
	return false;
}

bool tb_memory_check(struct tb_ctx *ctx, const char *variant, uint64_t bytes)
{
	char why[512];
	if (tb_memory_fits(bytes, why, sizeof(why)))
		return true;
	tb_skip(ctx, variant, "%s", why);
	return false;
}
