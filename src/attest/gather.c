/* Gathers detection evidence from the running system: CPUID, the SEV_STATUS MSR, the kernel
 * log and the device paths. Quiet by design (it runs inside `tinyben run`): every failure
 * becomes an evidence item saying what could not be read and why. */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "attest/evidence.h"
#include "attest/gather_boot.h"

extern char **environ;

#define MSR_SEV_STATUS 0xc0010131u

#if defined(__x86_64__) || defined(__i386__)
/* Executes CPUID leaf (subleaf 0) into r and adds the registers named in which as evidence
 * items cpuid.0xLEAF.REG. */
static void read_leaf(struct tb_evidence *ev, unsigned leaf, unsigned r[4], const char *which)
{
	static const char names[4][4] = { "eax", "ebx", "ecx", "edx" };
	__cpuid_count(leaf, 0, r[0], r[1], r[2], r[3]);
	for (int i = 0; i < 4; i++) {
		if (!strstr(which, names[i]))
			continue;
		char key[64];
		snprintf(key, sizeof(key), "cpuid.0x%x.%s", leaf, names[i]);
		tb_ev_addf(ev, key, "0x%08x", r[i]);
	}
}

/* Whether leaf exists, given max, the highest leaf of its range (0x4000xxxx, 0x8000xxxx)
 * as the range's first leaf reported it: a max outside the range means no such range. */
static bool has_leaf(unsigned max, unsigned leaf)
{
	return max >= leaf && max < (leaf & 0xffff0000u) + 0x10000;
}

/* Returns true when the CPU vendor is AMD (only then is SEV_STATUS worth reading). */
static bool gather_cpuid(struct tb_evidence *ev)
{
	unsigned r[4];
	read_leaf(ev, 0, r, "eax ebx ecx edx");
	unsigned max_basic = r[0];
	bool amd = r[1] == 0x68747541 && r[3] == 0x69746e65 && r[2] == 0x444d4163;
	read_leaf(ev, 1, r, "ecx"); /* bit 31: running under a hypervisor */
	bool hv = r[2] & (1u << 31);
	/* Intel answers an out-of-range basic leaf with the highest one: never read 0x21 then. */
	if (max_basic >= 0x21)
		read_leaf(ev, 0x21, r, "eax ebx ecx edx");
	if (hv) {
		read_leaf(ev, 0x40000000, r, "eax ebx ecx edx");
		unsigned max_hv = r[0];
		/* Hyper-V isolation (Azure SNP/TDX guests under a paravisor hide 0x8000001F):
		 * 0x40000003 EBX bit 22 = isolation, 0x4000000C EBX[3:0] = isolation type. */
		if (has_leaf(max_hv, 0x40000003))
			read_leaf(ev, 0x40000003, r, "ebx");
		if (has_leaf(max_hv, 0x4000000c))
			read_leaf(ev, 0x4000000c, r, "eax ebx");
	}
	read_leaf(ev, 0x80000000, r, "eax");
	if (has_leaf(r[0], 0x8000001f))
		read_leaf(ev, 0x8000001f, r, "eax ebx");
	return amd;
}
#else
static bool gather_cpuid(struct tb_evidence *ev)
{
	tb_ev_add(ev, "cpuid.error", "not an x86 CPU");
	return false;
}
#endif

/* `modprobe -q msr`, quietly; the module is not loaded on many cloud images. Spawning
 * modprobe costs tens of ms, so only where it can work: a kernel with modules (/proc/modules)
 * and a module tree for it. */
static void load_msr_module(void)
{
	struct utsname u;
	char dir[300];
	if (access("/proc/modules", F_OK) != 0 || uname(&u) != 0)
		return;
	snprintf(dir, sizeof(dir), "/lib/modules/%s", u.release);
	if (access(dir, F_OK) != 0)
		return;
	posix_spawn_file_actions_t fa;
	if (posix_spawn_file_actions_init(&fa))
		return;
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	char *argv[] = { "modprobe", "-q", "msr", NULL };
	pid_t pid;
	if (posix_spawnp(&pid, "modprobe", &fa, NULL, argv, environ) == 0) {
		int st;
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
	}
	posix_spawn_file_actions_destroy(&fa);
}

static void gather_msr(struct tb_evidence *ev, bool amd)
{
	const char *key = "msr.0xc0010131.error";
	if (!amd) {
		tb_ev_add(ev, key, "not read: not an AMD CPU");
		return;
	}
	const char *dev = "/dev/cpu/0/msr";
	int fd = open(dev, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && geteuid() == 0) {
		load_msr_module();
		fd = open(dev, O_RDONLY | O_CLOEXEC);
	}
	if (fd < 0) {
		int e = errno;
		tb_ev_addf(ev, key, "%s: %s%s", dev, strerror(e),
			   e == ENOENT && geteuid() != 0 ? " (msr module not loaded; needs root)"
			   : e == ENOENT ? " (msr module unavailable)"
			   : e == EACCES || e == EPERM ? " (needs root)" : "");
		return;
	}
	uint64_t v;
	ssize_t n = pread(fd, &v, sizeof(v), MSR_SEV_STATUS);
	int e = errno;
	close(fd);
	if (n != (ssize_t)sizeof(v)) {
		/* EIO: the (hyper)visor raised #GP, i.e. the MSR does not exist for this guest. */
		tb_ev_addf(ev, key, "%s: %s", dev, n < 0 ? strerror(e) : "short read");
		return;
	}
	tb_ev_addf(ev, "msr.0xc0010131", "0x%016llx", (unsigned long long)v);
}

/* Kernel log lines that speak about memory encryption (old and new wordings). */
static bool relevant(const char *msg)
{
	static const char *const pats[] = {
		"Memory Encryption Features active",  /* 5.11+ (AMD ...), 6.x (plain, + TDX) */
		"SEV: Status:",                        /* 6.9+: every SEV_STATUS feature */
		"tdx: Guest detected",
		"Secure Encrypted Virtualization",     /* <= 5.10: "AMD Secure Encrypted ..." */
		"Secure Memory Encryption",            /* <= 5.10 host SME */
		"Hyper-V: Isolation Config",           /* Azure CVM: Group B = 0x4000000C EBX */
	};
	for (size_t i = 0; i < sizeof(pats) / sizeof(pats[0]); i++)
		if (strstr(msg, pats[i]))
			return true;
	return false;
}

static void add_kmsg_line(struct tb_evidence *ev, const char *msg, size_t n, bool *boot)
{
	char line[1024];
	if (n >= sizeof(line))
		n = sizeof(line) - 1;
	memcpy(line, msg, n);
	line[n] = '\0';
	if (strncmp(line, "Linux version ", 14) == 0)
		*boot = true;
	if (relevant(line))
		tb_ev_add(ev, "kmsg", line);
	if (strstr(line, "software IO TLB")) /* "software IO TLB: mapped [mem ...] (64MB)" */
		tb_ev_add(ev, "swiotlb.kmsg", line);
}

/* /dev/kmsg, non-blocking: one record per read(), "prio,seq,usec,flags;text\n". */
static int read_devkmsg(struct tb_evidence *ev, bool *boot)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	char buf[8192];
	int rc = 0;
	for (size_t records = 0;; records++) {
		ssize_t n = read(fd, buf, sizeof(buf) - 1);
		if (n < 0) {
			if (errno == EPIPE || errno == EINTR)
				continue; /* record overwritten while reading: skip it */
			if (errno != EAGAIN && records == 0)
				rc = -errno; /* unreadable after all: let klogctl try */
			break;       /* EAGAIN: no more records */
		}
		if (n == 0)
			break;
		buf[n] = '\0';
		char *semi = strchr(buf, ';');
		if (!semi)
			continue;
		if (strtoull(strchr(buf, ',') ? strchr(buf, ',') + 1 : "1", NULL, 10) == 0)
			*boot = true; /* sequence 0: the log still starts at boot */
		char *msg = semi + 1;
		char *nl = strchr(msg, '\n');
		add_kmsg_line(ev, msg, nl ? (size_t)(nl - msg) : strlen(msg), boot);
	}
	close(fd);
	return rc;
}

/* klogctl(2) fallback (no /dev): lines "<6>[    1.234] text". */
static int read_klogctl(struct tb_evidence *ev, bool *boot)
{
	int size = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
	if (size <= 0)
		return size < 0 ? -errno : -ENODATA;
	if (size > (64 << 20))
		size = 64 << 20;
	char *buf = malloc((size_t)size + 1);
	if (!buf)
		return -ENOMEM;
	int n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, size);
	if (n < 0) {
		int e = errno;
		free(buf);
		return -e;
	}
	buf[n] = '\0';
	for (char *line = buf; line && *line;) {
		char *nl = strchr(line, '\n');
		char *msg = line;
		if (*msg == '<' && strchr(msg, '>'))
			msg = strchr(msg, '>') + 1;
		if (*msg == '[' && strstr(msg, "] "))
			msg = strstr(msg, "] ") + 2;
		add_kmsg_line(ev, msg, nl ? (size_t)(nl - msg) : strlen(msg), boot);
		line = nl ? nl + 1 : NULL;
	}
	free(buf);
	return 0;
}

static void gather_kmsg(struct tb_evidence *ev)
{
	bool boot = false;
	int rc = read_devkmsg(ev, &boot);
	const char *how = "/dev/kmsg";
	if (rc < 0) {
		int rc2 = read_klogctl(ev, &boot);
		if (rc2 < 0) {
			tb_ev_addf(ev, "kmsg.status", "unreadable: /dev/kmsg: %s; klogctl: %s%s",
				   strerror(-rc), strerror(-rc2),
				   rc2 == -EPERM ? " (dmesg_restrict: needs root)" : "");
			return;
		}
		how = "klogctl";
	}
	tb_ev_addf(ev, "kmsg.status", "read (%s)", how);
	tb_ev_add(ev, "kmsg.boot", boot ? "present" : "absent");
}

/* present | absent | unknown (the filesystem that would hold it is not there). */
static void gather_path(struct tb_evidence *ev, const char *path, const char *witness)
{
	struct stat st, up;
	const char *v;
	if (stat(path, &st) == 0)
		v = "present";
	else if (errno != ENOENT || stat(witness, &st) != 0)
		v = "unknown";
	else if (strcmp(witness, "/sys/kernel/config") == 0 &&
		 (stat("/sys/kernel", &up) != 0 || up.st_dev == st.st_dev))
		v = "unknown"; /* configfs not mounted: its tsm directory cannot show */
	else
		v = "absent";
	char key[256];
	snprintf(key, sizeof(key), "path.%s", path);
	tb_ev_add(ev, key, v);
}

static void gather_paths(struct tb_evidence *ev)
{
	/* The witness proves the filesystem is mounted, so "absent" means absent. */
	gather_path(ev, "/dev/sev-guest", "/dev/null");
	gather_path(ev, "/sys/devices/platform/sev-guest", "/sys/devices/platform");
	gather_path(ev, "/sys/devices/system/cpu/sev", "/sys/devices/system/cpu");
	gather_path(ev, "/sys/kernel/config/tsm/report", "/sys/kernel/config");
	gather_path(ev, "/dev/tdx_guest", "/dev/null");
	gather_path(ev, "/sys/firmware/acpi/tables/CCEL", "/sys/firmware/acpi/tables");
}

void tb_ev_gather(struct tb_evidence *ev)
{
	tb_ev_gather_boot(ev); /* first: "at detect's start" */
	bool amd = gather_cpuid(ev);
	gather_msr(ev, amd);
	gather_kmsg(ev);
	gather_paths(ev);
	tb_ev_gather_env(ev, "");
}
