/* The cgroup memory limit read from fake trees: v2 in a container (the mount's root is our
 * own cgroup), v2 with a tighter parent, v1 nested, none. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/cgroup_mem.h"
#include "../lib/check.h"

static char root[256];

static void put(const char *rel, const char *text)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (char *p = path + strlen(root) + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(path, 0755);
			*p = '/';
		}
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

static void fresh(void)
{
	char cmd[300];
	if (root[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
		if (system(cmd) != 0)
			abort();
	}
	snprintf(root, sizeof(root), "/tmp/tb-cgroup-XXXXXX");
	if (!mkdtemp(root))
		abort();
}

int main(void)
{
	struct tb_cgroup_mem cg;
	uint64_t room = 0;

	/* v2, a container: mountinfo's root is our cgroup, /proc/self/cgroup says "/". */
	fresh();
	put("proc/self/cgroup", "0::/\n");
	put("proc/self/mountinfo", "40 30 0:37 /kubepods/pod1 /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n");
	put("sys/fs/cgroup/memory.max", "125829120\n");
	put("sys/fs/cgroup/memory.current", "52428800\n");
	put("sys/fs/cgroup/memory.stat", "anon 1\ninactive_file 10485760\nactive_file 5\n");
	CHECK(tb_cgroup_mem_room(root, &cg, &room));
	CHECK(cg.limit == 125829120 && cg.usage == 52428800 && cg.reclaimable == 10485760);
	CHECK(room == 125829120 - (52428800 - 10485760));
	CHECK_STR(cg.file, "memory.max");

	/* v2 on the host: our leaf has no limit, its parent does. */
	fresh();
	put("proc/self/cgroup", "0::/user.slice/run.scope\n");
	put("proc/self/mountinfo", "40 30 0:37 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n");
	put("sys/fs/cgroup/user.slice/run.scope/memory.max", "max\n");
	put("sys/fs/cgroup/user.slice/run.scope/memory.current", "1000\n");
	put("sys/fs/cgroup/user.slice/memory.max", "1048576\n");
	put("sys/fs/cgroup/user.slice/memory.current", "524288\n");
	CHECK(tb_cgroup_mem_room(root, &cg, &room));
	CHECK(room == 524288);

	/* v1 nested, the leaf's limit the tighter; "no limit" written as a huge number above. */
	fresh();
	put("proc/self/cgroup", "4:memory:/a/b\n1:cpu:/\n0::/\n");
	put("proc/self/mountinfo", "34 30 0:31 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n");
	put("sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n");
	put("sys/fs/cgroup/memory/a/memory.limit_in_bytes", "9223372036854771712\n");
	put("sys/fs/cgroup/memory/a/b/memory.limit_in_bytes", "209715200\n");
	put("sys/fs/cgroup/memory/a/b/memory.usage_in_bytes", "104857600\n");
	put("sys/fs/cgroup/memory/a/b/memory.stat", "cache 9\ntotal_inactive_file 4194304\n");
	CHECK(tb_cgroup_mem_room(root, &cg, &room));
	CHECK_STR(cg.file, "memory.limit_in_bytes");
	CHECK(room == 209715200 - (104857600 - 4194304));

	/* No limit anywhere. */
	fresh();
	put("proc/self/cgroup", "0::/\n");
	put("proc/self/mountinfo", "40 30 0:37 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n");
	put("sys/fs/cgroup/memory.current", "5\n");
	CHECK(!tb_cgroup_mem_room(root, &cg, &room));

	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	if (system(cmd) != 0)
		return 1;
	return check_done();
}
