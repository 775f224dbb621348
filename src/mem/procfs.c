/* Reading "Key:   123 kB" lines from /proc files (meminfo, smaps_rollup). */
#include <stdio.h>
#include <string.h>

#include "mem/procfs.h"

long long tb_proc_kib(const char *path, const char *key)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	char line[256];
	long long v = -1;
	size_t klen = strlen(key);
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, klen) == 0) {
			if (sscanf(line + klen, "%lld", &v) != 1)
				v = -1;
			break;
		}
	}
	fclose(f);
	return v;
}

bool tb_thp_usable(char *mode, int mode_len)
{
	snprintf(mode, (size_t)mode_len, "unknown");
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
	if (!f)
		return true; /* cannot tell: madvise decides, the smaps figure shows the outcome */
	char line[128] = "";
	if (!fgets(line, sizeof(line), f))
		line[0] = '\0';
	fclose(f);
	char *l = strchr(line, '['), *r = l ? strchr(l, ']') : NULL;
	if (l && r)
		snprintf(mode, (size_t)mode_len, "%.*s", (int)(r - l - 1), l + 1);
	return strcmp(mode, "never") != 0;
}
