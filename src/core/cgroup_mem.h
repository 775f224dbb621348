/* What limits the memory this process may still take besides the machine's free memory:
 * its cgroup (v1 or v2, every level up to the mount point) and RLIMIT_AS / RLIMIT_DATA. */
#ifndef TB_CORE_CGROUP_MEM_H
#define TB_CORE_CGROUP_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tb_cgroup_mem {
	uint64_t limit, usage, reclaimable; /* bytes, of the level that binds */
	char file[32];                      /* "memory.max" or "memory.limit_in_bytes" */
};

/* root prefixes every path read ("" for this system; a fake tree in tests). True when a
 * cgroup memory limit applies; *room is then limit - (usage - reclaimable page cache) at
 * the tightest level. */
bool tb_cgroup_mem_room(const char *root, struct tb_cgroup_mem *cg, uint64_t *room);

#endif
