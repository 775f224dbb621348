/* Parsing the records of a boot into its milestones (bootlog.h, docs/BOOT.md). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cc/bootlog.h"

/* Each phase: the message's start, and a text it must also hold (or NULL). The first
 * message of the kernel's log is its banner (init/main.c prints linux_banner first); init
 * starting is run_init_process()'s "Run %s as init process" (init/main.c), the initramfs's
 * /init or, without one, the root's; the root mount is the kernel's own "VFS: Mounted root"
 * (init/do_mounts.c, no initramfs) or the file system's first mount line. */
struct marker {
	enum tb_boot_kmsg_phase phase;
	const char *starts, *holds;
};
static const struct marker markers[] = {
	{ TB_BOOT_KERNEL, "Linux version ", NULL },
	{ TB_BOOT_INIT, "Run ", " as init process" },
	{ TB_BOOT_ROOT_MOUNT, "VFS: Mounted root (", NULL },
	{ TB_BOOT_ROOT_MOUNT, "EXT4-fs (", "): mounted filesystem" },
	{ TB_BOOT_ROOT_MOUNT, "XFS (", "): Ending clean mount" },
	{ TB_BOOT_ROOT_MOUNT, "BTRFS info (device ", "): first mount of filesystem" },
};

static const char *const names[TB_BOOT_KMSG_PHASES] = {
	[TB_BOOT_KERNEL] = "kernel",
	[TB_BOOT_INIT] = "init",
	[TB_BOOT_ROOT_MOUNT] = "root-mount",
};
static const char *const described[TB_BOOT_KMSG_PHASES] = {
	[TB_BOOT_KERNEL] = "'Linux version ...' (the kernel's first line)",
	[TB_BOOT_INIT] = "'Run PATH as init process'",
	[TB_BOOT_ROOT_MOUNT] = "root mount ('VFS: Mounted root', or an ext4, XFS or Btrfs mount)",
};

const char *tb_boot_kmsg_phase_name(enum tb_boot_kmsg_phase p)
{
	return names[p];
}

const char *tb_boot_kmsg_phase_marker(enum tb_boot_kmsg_phase p)
{
	return described[p];
}

/* memmem for a NUL-terminated needle within n bytes. */
static bool holds(const char *msg, size_t n, const char *what)
{
	size_t w = strlen(what);
	for (size_t i = 0; i + w <= n; i++)
		if (memcmp(msg + i, what, w) == 0)
			return true;
	return false;
}

void tb_boot_kmsg_message(struct tb_boot_kmsg *k, const char *msg, size_t n, double t)
{
	for (size_t i = 0; i < sizeof(markers) / sizeof(markers[0]); i++) {
		const struct marker *m = &markers[i];
		size_t s = strlen(m->starts);
		if (k->seen[m->phase] || n < s || memcmp(msg, m->starts, s) != 0)
			continue;
		if (m->holds && !holds(msg, n, m->holds))
			continue;
		k->seen[m->phase] = true;
		k->t[m->phase] = t;
	}
}

int tb_boot_kmsg_record(struct tb_boot_kmsg *k, const char *rec, size_t n)
{
	/* PRIO,SEQ,USEC,FLAGS[,...];TEXT (Documentation/ABI/testing/dev-kmsg) */
	const char *semi = memchr(rec, ';', n);
	if (!semi)
		return -EINVAL;
	const char *f = rec;
	for (int i = 0; i < 2; i++) {
		f = memchr(f, ',', (size_t)(semi - f));
		if (!f)
			return -EINVAL;
		f++;
	}
	char *end;
	unsigned long long usec = strtoull(f, &end, 10);
	if (end == f || (*end != ',' && *end != ';'))
		return -EINVAL;
	const char *msg = semi + 1;
	size_t len = n - (size_t)(msg - rec);
	const char *nl = memchr(msg, '\n', len);
	if (nl)
		len = (size_t)(nl - msg);
	tb_boot_kmsg_message(k, msg, len, (double)usec / 1e6);
	return 0;
}

void tb_boot_kmsg_text(struct tb_boot_kmsg *k, const char *text)
{
	for (const char *line = text; line && *line;) {
		const char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) : strlen(line);
		const char *p = line, *stop = line + n;
		if (p < stop && *p == '<') { /* klogctl's "<6>" */
			const char *gt = memchr(p, '>', n);
			p = gt ? gt + 1 : stop;
		}
		if (p < stop && *p == '[') {
			char *end;
			double t = strtod(p + 1, &end);
			if (end > p + 1 && end < stop && *end == ']') {
				p = end + 1;
				if (p < stop && *p == ' ')
					p++;
				tb_boot_kmsg_message(k, p, (size_t)(stop - p), t);
			}
		}
		line = nl ? nl + 1 : NULL;
	}
}

int tb_boot_finished_uptime(const char *text, double *out)
{
	char *end;
	double v = strtod(text, &end);
	if (end == text || v < 0 || strncmp(end, " - ", 3) != 0)
		return -EINVAL;
	*out = v;
	return 0;
}

const char *tb_boot_text(const char *text)
{
	return strncmp(text, "\xef\xbb\xbf", 3) == 0 ? text + 3 : text;
}

int tb_boot_host_phase(const char *text, const char *phase, double *out, char *err, size_t err_len)
{
	int found = 0;
	unsigned lineno = 0;
	text = text ? tb_boot_text(text) : NULL;
	for (const char *line = text; line && *line;) {
		const char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) : strlen(line);
		char buf[256];
		lineno++;
		if (n >= sizeof(buf)) {
			snprintf(err, err_len, "line %u: longer than %zu bytes", lineno, sizeof(buf) - 1);
			return -EINVAL;
		}
		memcpy(buf, line, n);
		buf[n] = '\0';
		line = nl ? nl + 1 : NULL;
		if (n && buf[n - 1] == '\r')
			buf[--n] = '\0';
		if (buf[0] == '#' || strspn(buf, " \t") == n)
			continue;
		char name[64], rest[2];
		double t;
		if (sscanf(buf, "%63s %lf %1s", name, &t, rest) != 2 || !(t >= 0 && t < 1e9)) {
			snprintf(err, err_len, "line %u: expected 'PHASE SECONDS', got '%.60s'", lineno, buf);
			return -EINVAL;
		}
		if (!found && strcmp(name, phase) == 0) {
			*out = t;
			found = 1;
		}
	}
	return found;
}
