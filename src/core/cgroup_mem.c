/* The cgroup's memory limit, the one a container or a systemd unit sets: MemAvailable
 * knows nothing of it, so a run in a 120 MiB cgroup was OOM-killed whole (issue 24.2).
 *
 * Where: /proc/self/cgroup names our cgroup ("0::/path" for v2, "N:memory:/path" for v1),
 * /proc/self/mountinfo where that hierarchy is mounted (field 4 is the root of the mount,
 * which a container sets to its own cgroup). Every level from ours up to the mount point
 * may carry a limit (v2 memory.max, "max" for none; v1 memory.limit_in_bytes, a huge
 * number for none); the tightest wins. Usage counts page cache the kernel can reclaim
 * first (inactive_file in memory.stat, as `docker stats` subtracts it). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup_mem.h"

static bool read_u64(const char *path, uint64_t *v)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	char buf[64] = "";
	bool ok = fgets(buf, sizeof(buf), f) != NULL;
	fclose(f);
	if (!ok || strncmp(buf, "max", 3) == 0)
		return false;
	char *end;
	unsigned long long x = strtoull(buf, &end, 10);
	if (end == buf)
		return false;
	*v = x;
	return true;
}

static uint64_t stat_value(const char *dir, const char *key)
{
	char path[4300];
	snprintf(path, sizeof(path), "%s/memory.stat", dir);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	char line[256];
	uint64_t v = 0;
	size_t kl = strlen(key);
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, key, kl) == 0 && line[kl] == ' ') {
			v = strtoull(line + kl + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

/* What /proc/self says of one hierarchy: v2, or v1's memory controller. */
struct hierarchy {
	bool v2;
	char cg[1024];    /* our cgroup's path in it */
	char point[1024]; /* its mount point */
	char mroot[1024]; /* the cgroup path that mount shows as its root */
};

/* Reads /proc/self/NAME below root (a test's fake root, or "" for this system's) until
 * found() says a line is the one; whether one was. */
static bool find_line(const char *root, const char *name, struct hierarchy *h,
		      bool (*found)(char *line, struct hierarchy *h))
{
	char path[512];
	snprintf(path, sizeof(path), "%s/proc/self/%s", root, name);
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	char line[2048];
	bool any = false;
	while (!any && fgets(line, sizeof(line), f))
		any = found(line, h);
	fclose(f);
	return any;
}

/* A line of /proc/self/cgroup: our cgroup's path, when it is of h's hierarchy. */
static bool own_path(char *line, struct hierarchy *h)
{
	line[strcspn(line, "\n")] = '\0';
	char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	if (!c2)
		return false;
	*c1 = *c2 = '\0';
	const char *ctrls = c1 + 1;
	bool match = false;
	if (h->v2) {
		match = strcmp(line, "0") == 0 && *ctrls == '\0';
	} else {
		for (char *save, *t = strtok_r((char *)ctrls, ",", &save); t;
		     t = strtok_r(NULL, ",", &save))
			match |= strcmp(t, "memory") == 0;
	}
	if (match)
		snprintf(h->cg, sizeof(h->cg), "%s", c2 + 1);
	return match;
}

/* A line of /proc/self/mountinfo: the mount of h's hierarchy, its mount point and the
 * cgroup path it shows as its root. */
static bool mount_of(char *line, struct hierarchy *h)
{
	char r[1024], mp[1024];
	if (sscanf(line, "%*s %*s %*s %1023s %1023s", r, mp) != 2)
		return false;
	const char *dash = strstr(line, " - ");
	if (!dash)
		return false;
	char fstype[64], src[256], opts[1024] = "";
	if (sscanf(dash + 3, "%63s %255s %1023s", fstype, src, opts) < 2)
		return false;
	bool match = h->v2 ? strcmp(fstype, "cgroup2") == 0
			   : strcmp(fstype, "cgroup") == 0 &&
				     (strstr(opts, ",memory") || strncmp(opts, "memory", 6) == 0);
	if (match) {
		snprintf(h->point, sizeof(h->point), "%s", mp);
		snprintf(h->mroot, sizeof(h->mroot), "%s", r);
	}
	return match;
}

static bool hierarchy_room(const char *root, bool v2, struct tb_cgroup_mem *best, uint64_t *room)
{
	struct hierarchy h = { .v2 = v2 };
	if (!find_line(root, "cgroup", &h, own_path) || !find_line(root, "mountinfo", &h, mount_of))
		return false;
	const char *cg = h.cg, *point = h.point, *mroot = h.mroot;
	/* The part of our path below the mount's root ("/" or the container's own cgroup). */
	const char *rel = cg;
	size_t rl = strlen(mroot);
	if (strcmp(mroot, "/") != 0) {
		if (strncmp(cg, mroot, rl) == 0 && (cg[rl] == '/' || cg[rl] == '\0'))
			rel = cg + rl;
		else
			rel = ""; /* a namespace shows "/..": only the mount point's own level */
	}
	if (strncmp(rel, "/..", 3) == 0)
		rel = "";
	const char *limit_file = v2 ? "memory.max" : "memory.limit_in_bytes";
	const char *usage_file = v2 ? "memory.current" : "memory.usage_in_bytes";
	const char *cache_key = v2 ? "inactive_file" : "total_inactive_file";
	char dir[4200];
	snprintf(dir, sizeof(dir), "%s%s%s", root, point, rel);
	size_t floor_len = strlen(root) + strlen(point);
	bool any = false;
	for (;;) {
		char path[4300];
		uint64_t limit, usage;
		snprintf(path, sizeof(path), "%s/%s", dir, limit_file);
		/* v1 writes "no limit" as the largest page-aligned int64. */
		if (read_u64(path, &limit) && limit < (1ull << 62)) {
			snprintf(path, sizeof(path), "%s/%s", dir, usage_file);
			if (!read_u64(path, &usage))
				usage = 0;
			uint64_t cache = stat_value(dir, cache_key);
			uint64_t used = usage > cache ? usage - cache : 0;
			uint64_t r = limit > used ? limit - used : 0;
			if (!any || r < *room) {
				*room = r;
				best->limit = limit;
				best->usage = usage;
				best->reclaimable = cache;
				snprintf(best->file, sizeof(best->file), "%s", limit_file);
			}
			any = true;
		}
		char *slash = strrchr(dir, '/');
		if (strlen(dir) <= floor_len || !slash || (size_t)(slash - dir) < floor_len)
			break;
		*slash = '\0';
	}
	return any;
}

bool tb_cgroup_mem_room(const char *root, struct tb_cgroup_mem *cg, uint64_t *room)
{
	struct tb_cgroup_mem c1 = { 0 }, c2 = { 0 };
	uint64_t r1 = 0, r2 = 0;
	bool v2 = hierarchy_room(root, true, &c2, &r2);
	bool v1 = hierarchy_room(root, false, &c1, &r1);
	if (v1 && (!v2 || r1 < r2)) {
		*cg = c1;
		*room = r1;
	} else if (v2) {
		*cg = c2;
		*room = r2;
	}
	return v1 || v2;
}
