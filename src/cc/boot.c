/* cc.boot: the guest's boot timeline, one row per phase (docs/BOOT.md). A confidential guest
 * pays much of its cost before any benchmark runs: the host validates the initial image,
 * the firmware and the kernel accept memory. The guest's own records date its milestones in
 * seconds since boot: the kernel log (its first line, init starting, the root mount),
 * cloud-init's boot-finished file, and this process's start; /proc/meminfo Unaccepted: in
 * detail says how much memory is still to accept. The host's view (QEMU's start, the first
 * byte on the console, ... the first SSH login: launch.sh --boot-log, matrix.sh) becomes
 * host-* rows of the same run with --set cc.boot.host_log=FILE. A boot happens once: one
 * sample per phase, whatever -r says. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <time.h>
#include <unistd.h>

#include "attest/fileio.h"
#include "cc/bootlog.h"
#include "mem/procfs.h"
#include "tinyben/bench.h"
#include "tinyben/ctx.h"
#include "tinyben/util.h"

#define CLOUD_INIT_FINISHED "/var/lib/cloud/instance/boot-finished"
#define TEXT_MAX (64u << 20) /* a recorded kernel log or host log larger than this is not one */

/* A row's arg: the kernel log's phase (enum tb_boot_kmsg_phase), or where else its time
 * comes from; data: a host-* row's phase name in the host's boot log. */
enum { FROM_CLOUD_INIT = TB_BOOT_KMSG_PHASES, FROM_START, FROM_HOST };
static const struct tb_variant variants[] = {
	{ "kernel", .arg = TB_BOOT_KERNEL }, { "init", .arg = TB_BOOT_INIT },
	{ "root-mount", .arg = TB_BOOT_ROOT_MOUNT },
	{ "cloud-init-final", .arg = FROM_CLOUD_INIT }, { "tinyben-start", .arg = FROM_START },
	{ "host-first-serial-byte", .arg = FROM_HOST, .data = "first-serial-byte" },
	{ "host-kernel", .arg = FROM_HOST, .data = "kernel" },
	{ "host-init", .arg = FROM_HOST, .data = "init" },
	{ "host-ssh-login", .arg = FROM_HOST, .data = "ssh-login" },
	{ "host-cloud-init-final", .arg = FROM_HOST, .data = "cloud-init-final" },
	{ 0 },
};

static const struct tb_metric metrics[] = {
	{ "elapsed", "s", TB_LOWER,
	  "seconds from the boot's start to the phase (guest: since the kernel started; "
	  "host-*: since QEMU started)", .primary = true },
	{ 0 },
};

struct boot_opts {
	const char *kmsg, *cloud_init, *host_log;
};

static const struct tb_option options[] = {
	{ TB_OPT_FIELD(struct boot_opts, kmsg), .type = TB_OPT_STR, .def = "",
	  .check = tb_check_input_file,
	  .help = "a recorded kernel log (dmesg's output) to read instead of this system's" },
	{ TB_OPT_FIELD(struct boot_opts, cloud_init), .type = TB_OPT_STR, .def = "",
	  .check = tb_check_input_file,
	  .help = "cloud-init's boot-finished file (default " CLOUD_INIT_FINISHED ")" },
	{ TB_OPT_FIELD(struct boot_opts, host_log), .type = TB_OPT_STR, .def = "",
	  .check = tb_check_input_file,
	  .help = "the host's boot log of this guest (launch.sh --boot-log, matrix.sh): host-* rows" },
	{ 0 },
};

struct boot {
	struct tb_boot_kmsg kmsg;
	char kmsg_from[64];       /* /dev/kmsg, klogctl or the file: for detail */
	char kmsg_why[192];       /* why the kernel log could not be read ("" when read) */
	double finished;          /* cloud-init's boot-finished uptime, < 0 when unknown */
	char finished_why[192];
	double started;           /* this process's start, seconds since boot */
	const char *started_from;
	long long unaccepted_kib; /* -1: no Unaccepted: line (no /proc, kernel < 6.5) */
	char *host;               /* the host's boot log, NULL without one */
};

static bool planned(const struct tb_ctx *ctx, const struct tb_variant *v)
{
	return v->arg != FROM_HOST || TB_OPTS(ctx, struct boot_opts)->host_log[0];
}

/* The live kernel log: /dev/kmsg (records with microsecond stamps), else klogctl. */
static void read_live_kmsg(struct boot *b)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	int dev_err = fd < 0 ? errno : 0;
	if (fd >= 0) {
		char rec[8192];
		size_t records = 0;
		for (;;) {
			ssize_t n = read(fd, rec, sizeof(rec));
			if (n < 0 && (errno == EPIPE || errno == EINTR))
				continue; /* overwritten while we read: the next one */
			if (n <= 0) {
				if (n < 0 && errno != EAGAIN && records == 0)
					dev_err = errno;
				break;
			}
			records++;
			tb_boot_kmsg_record(&b->kmsg, rec, (size_t)n);
		}
		close(fd);
		if (!dev_err) {
			snprintf(b->kmsg_from, sizeof(b->kmsg_from), "/dev/kmsg");
			return;
		}
	}
	int size = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
	char *buf = size > 0 ? malloc((size_t)size + 1) : NULL;
	int n = buf ? klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, size) : -1;
	if (n < 0) {
		int e = size < 0 || n < 0 ? errno : ENOMEM;
		snprintf(b->kmsg_why, sizeof(b->kmsg_why),
			 "kernel log unreadable: /dev/kmsg: %s; klogctl: %s%s", strerror(dev_err),
			 strerror(e), e == EPERM ? " (dmesg_restrict: needs root)" : "");
		free(buf);
		return;
	}
	buf[n] = '\0';
	tb_boot_kmsg_text(&b->kmsg, buf);
	free(buf);
	snprintf(b->kmsg_from, sizeof(b->kmsg_from), "klogctl");
}

static void read_kmsg(struct boot *b, const char *file)
{
	if (!file[0]) {
		read_live_kmsg(b);
		return;
	}
	unsigned char *text;
	size_t len;
	int rc = tb_read_file(file, TEXT_MAX, &text, &len);
	if (rc < 0) {
		snprintf(b->kmsg_why, sizeof(b->kmsg_why), "%s: %s", file, strerror(-rc));
		return;
	}
	tb_boot_kmsg_text(&b->kmsg, tb_boot_text((const char *)text));
	free(text);
	snprintf(b->kmsg_from, sizeof(b->kmsg_from), "file");
}

static void read_finished(struct boot *b, const char *file)
{
	const char *path = file[0] ? file : CLOUD_INIT_FINISHED;
	unsigned char *text;
	size_t len;
	b->finished = -1;
	int rc = tb_read_file(path, 4096, &text, &len);
	if (rc == -ENOENT) {
		snprintf(b->finished_why, sizeof(b->finished_why),
			 "no %s: cloud-init is not here, or has not finished yet", path);
		return;
	}
	if (rc < 0) {
		snprintf(b->finished_why, sizeof(b->finished_why), "%s: %s", path, strerror(-rc));
		return;
	}
	if (tb_boot_finished_uptime(tb_boot_text((const char *)text), &b->finished) < 0)
		snprintf(b->finished_why, sizeof(b->finished_why),
			 "%s: not 'UPTIME - TIMESTAMP - v. VERSION'", path);
	free(text);
}

/* Field 22 of /proc/self/stat is the process's start in clock ticks since boot (proc(5)). */
static void read_started(struct boot *b)
{
	unsigned char *stat;
	size_t len;
	if (tb_read_file("/proc/self/stat", 4096, &stat, &len) == 0) {
		const char *p = strrchr((const char *)stat, ')');
		unsigned long long ticks = 0;
		int field = 2;
		for (; p && *p && field < 22; p++)
			if (*p == ' ')
				field++;
		long hz = sysconf(_SC_CLK_TCK);
		if (p && field == 22 && sscanf(p, "%llu", &ticks) == 1 && hz > 0) {
			b->started = (double)ticks / (double)hz;
			b->started_from = "proc-self-stat";
			free(stat);
			return;
		}
		free(stat);
	}
	/* No /proc: now, which is close to the start since setup runs first. */
	struct timespec ts;
	clock_gettime(CLOCK_BOOTTIME, &ts);
	b->started = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	b->started_from = "clock-boottime";
}

static int setup(struct tb_ctx *ctx, void **state)
{
	const struct boot_opts *o = TB_OPTS(ctx, struct boot_opts);
	struct boot *b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	*state = b;
	read_started(b);
	read_kmsg(b, o->kmsg);
	read_finished(b, o->cloud_init);
	b->unaccepted_kib = tb_proc_kib("/proc/meminfo", "Unaccepted:");
	if (o->host_log[0]) {
		size_t len;
		int rc = tb_read_file(o->host_log, TEXT_MAX, (unsigned char **)&b->host, &len);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int kmsg_phase(const struct tb_variant *v)
{
	return v->arg < TB_BOOT_KMSG_PHASES ? (int)v->arg : -1;
}

static bool supported(struct tb_ctx *ctx, void *state, const struct tb_variant *variant, char *why,
		      size_t why_len)
{
	(void)ctx;
	struct boot *b = state;
	int p = kmsg_phase(variant);
	if (p >= 0 && b->kmsg_why[0]) {
		snprintf(why, why_len, "%s", b->kmsg_why);
		return false;
	}
	/* Without the banner the log has lost its start: a later mount would pass for the root's. */
	if (p >= 0 && !b->kmsg.seen[TB_BOOT_KERNEL]) {
		snprintf(why, why_len, "the kernel log no longer starts at boot (no 'Linux version' "
			 "line: the ring buffer wrapped)");
		return false;
	}
	if (p >= 0 && !b->kmsg.seen[p]) {
		snprintf(why, why_len, "no %s line in the kernel log", tb_boot_kmsg_phase_marker(p));
		return false;
	}
	if (variant->arg == FROM_CLOUD_INIT && b->finished < 0) {
		snprintf(why, why_len, "%s", b->finished_why);
		return false;
	}
	return true;
}

static int run(struct tb_ctx *ctx, void *state, const struct tb_variant *v)
{
	struct boot *b = state;
	const char *variant = v->name;
	char detail[160], unacc[32] = "unknown";
	if (b->unaccepted_kib >= 0)
		snprintf(unacc, sizeof(unacc), "%lld", b->unaccepted_kib);
	int p = kmsg_phase(v);
	if (p >= 0) {
		snprintf(detail, sizeof(detail), "source=%s unaccepted_kib=%s", b->kmsg_from, unacc);
		tb_emit(ctx, variant, &metrics[0], 1, b->kmsg.t[p], detail);
	} else if (v->arg == FROM_CLOUD_INIT) {
		snprintf(detail, sizeof(detail), "source=boot-finished unaccepted_kib=%s", unacc);
		tb_emit(ctx, variant, &metrics[0], 1, b->finished, detail);
	} else if (v->arg == FROM_START) {
		snprintf(detail, sizeof(detail), "source=%s unaccepted_kib=%s", b->started_from, unacc);
		tb_emit(ctx, variant, &metrics[0], 1, b->started, detail);
	} else {
		char err[160];
		double t, origin = 0;
		int rc = tb_boot_host_phase(b->host, "qemu-start", &origin, err, sizeof(err));
		if (rc == 0) {
			rc = -EINVAL;
			snprintf(err, sizeof(err), "no 'qemu-start' line, the origin of its times");
		}
		if (rc > 0)
			rc = tb_boot_host_phase(b->host, v->data, &t, err, sizeof(err));
		if (rc < 0) {
			tb_fail(ctx, variant, "host boot log %s: %s",
				TB_OPTS(ctx, struct boot_opts)->host_log, err);
			return rc;
		}
		if (rc == 0) {
			tb_skip(ctx, variant, "the host's boot log has no '%s' line (the console never "
				"showed it, or nobody logged in)", (const char *)v->data);
			return 0;
		}
		/* A phase before QEMU started is a log of another boot, or a mangled one. */
		if (t < origin) {
			tb_fail(ctx, variant, "host boot log %s: '%s %g' is before 'qemu-start %g'",
				TB_OPTS(ctx, struct boot_opts)->host_log, variant + 5, t, origin);
			return -EINVAL;
		}
		tb_emit(ctx, variant, &metrics[0], 1, t - origin, "source=host-log");
	}
	return 0;
}

static void teardown(struct tb_ctx *ctx, void *state)
{
	(void)ctx;
	struct boot *b = state;
	free(b->host);
	free(b);
}

TB_BENCH(boot_bench, "cc.boot",
	 "the boot's timeline: kernel, init, root mount, cloud-init, tinyben "
	 "(and the host's view with host_log), seconds since boot",
	 struct boot_opts, .planned = planned, .setup = setup, .supported = supported, .run = run,
	 .teardown = teardown);
