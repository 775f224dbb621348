/* Bounce-buffer (swiotlb) state: the counters debugfs shows, the command line's swiotlb=,
 * which virtio devices use the DMA API, and the high-water mark around the variants of the
 * benchmarks that do I/O (the descriptor's io flag). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tinyben/bench.h"
#include "bounce.h"
#include "ctx_impl.h"
#include "fingerprint.h"

int tb_swiotlb_counter(const char *root, const char *name, long long *out)
{
	char path[256], line[64];
	snprintf(path, sizeof(path), TB_SWIOTLB_DEBUGFS "/%s", name);
	int rc = tb_read_line(root, path, line, sizeof(line));
	if (rc)
		return rc;
	char *end;
	errno = 0;
	long long v = strtoll(line, &end, 10);
	if (end == line || *end || errno || v < 0)
		return -EINVAL;
	*out = v;
	return 0;
}

int tb_virtio_access_platform(const char *root, const char *dev)
{
	char path[512], bits[160];
	snprintf(path, sizeof(path), "/sys/bus/virtio/devices/%s/features", dev);
	int rc = tb_read_line(root, path, bits, sizeof(bits));
	if (rc)
		return rc;
	if (strspn(bits, "01") != strlen(bits))
		return -EINVAL;
	return strlen(bits) > 33 && bits[33] == '1';
}

void tb_bounce_state(const char *root, void (*add)(void *arg, const char *key, const char *value),
		     void *arg)
{
	char line[1024], v[128];
	if (tb_read_line(root, "/proc/cmdline", line, sizeof(line)) == 0) {
		tb_swiotlb_arg(line, v, sizeof(v));
		add(arg, "swiotlb.cmdline", v);
	}
	static const char *const counters[] = { "io_tlb_nslabs", "io_tlb_used",
						"io_tlb_used_hiwater" };
	for (size_t i = 0; i < sizeof(counters) / sizeof(*counters); i++) {
		long long n;
		int rc = tb_swiotlb_counter(root, counters[i], &n);
		if (rc) {
			snprintf(line, sizeof(line), "%s/%s: %s%s", TB_SWIOTLB_DEBUGFS, counters[i],
				 strerror(-rc), rc == -EACCES ? " (debugfs needs root)" : "");
			add(arg, "swiotlb.debugfs", line);
			break;
		}
		char key[64];
		snprintf(key, sizeof(key), "swiotlb.%s", counters[i]);
		snprintf(v, sizeof(v), "%lld", n);
		add(arg, key, v);
	}
	snprintf(line, sizeof(line), "%s/sys/bus/virtio/devices", root);
	DIR *d = opendir(line);
	int yes = 0, no = 0;
	for (struct dirent *e; d && (e = readdir(d)) != NULL;) {
		if (e->d_name[0] == '.')
			continue;
		int ap = tb_virtio_access_platform(root, e->d_name);
		char key[320];
		snprintf(key, sizeof(key), "virtio.%s.access_platform", e->d_name);
		add(arg, key, ap < 0 ? "unknown" : ap ? "yes" : "no");
		yes += ap == 1;
		no += ap == 0;
	}
	if (d)
		closedir(d);
	add(arg, "virtio.dma_api", !d ? "unknown" : yes && no ? "some" : yes ? "all"
				    : no ? "none" : "no-devices");
}

/* "" in a run; a fake /sys in unit tests (tb_bounce_set_root). */
static const char *runner_root = "";

void tb_bounce_set_root(const char *root)
{
	runner_root = root;
}

void tb_bounce_mark(struct tb_ctx *ctx)
{
	ctx->swiotlb_mark = 0;
	if (!ctx->bench->io)
		return;
	long long v;
	if (tb_swiotlb_counter(runner_root, "io_tlb_used_hiwater", &v) == 0)
		ctx->swiotlb_mark = v + 1;
}

void tb_bounce_detail(const struct tb_ctx *ctx, char *buf, size_t len)
{
	long long after;
	buf[0] = '\0';
	if (ctx->swiotlb_mark > 0 && tb_swiotlb_counter(runner_root, "io_tlb_used_hiwater", &after) == 0)
		snprintf(buf, len, " swiotlb_hiwater_before=%lld swiotlb_hiwater_after=%lld",
			 ctx->swiotlb_mark - 1, after);
}
