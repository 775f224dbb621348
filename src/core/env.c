/* Environment columns, read with system calls and CPUID first so that a guest without
 * /proc or /sys still gets host, kernel, CPU, vCPUs and memory. */
#include <cpuid.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <time.h>

#include "tinyben/csv.h"
#include "tinyben/util.h"
#include "env.h"
#include "fingerprint.h"
#include "version.h"

static tb_cc_probe_fn cc_probe;

void tb_env_set_cc_probe(tb_cc_probe_fn probe)
{
	cc_probe = probe;
}

void tb_cpu_brand(char *buf, size_t len)
{
	unsigned int regs[12], max = __get_cpuid_max(0x80000000, NULL);
	if (max < 0x80000004) {
		snprintf(buf, len, "unknown");
		return;
	}
	for (unsigned int i = 0; i < 3; i++)
		__cpuid(0x80000002 + i, regs[4 * i], regs[4 * i + 1], regs[4 * i + 2], regs[4 * i + 3]);
	char brand[49];
	memcpy(brand, regs, 48);
	brand[48] = '\0';
	char *s = brand;
	while (*s == ' ')
		s++;
	size_t n = strlen(s);
	while (n && s[n - 1] == ' ')
		s[--n] = '\0';
	snprintf(buf, len, "%s", *s ? s : "unknown");
}

/* Online CPUs from sysfs; without sysfs the affinity mask (a system call) is the best we know. */
static int vcpu_count(void)
{
	FILE *f = fopen("/sys/devices/system/cpu/online", "r");
	if (f) {
		int total = 0, a, b;
		char sep;
		while (fscanf(f, "%d", &a) == 1) {
			b = a;
			if (fscanf(f, "%c", &sep) == 1 && sep == '-') {
				if (fscanf(f, "%d", &b) != 1)
					break;
				if (fscanf(f, "%c", &sep) != 1)
					sep = '\n';
			}
			total += b - a + 1;
			if (sep != ',')
				break;
		}
		fclose(f);
		if (total > 0)
			return total;
	}
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		return CPU_COUNT(&set);
	return 0;
}

/* A host name is whatever bytes sethostname() was given; rows are UTF-8 text (CSV readers
 * decode it, JSON requires it), so a byte outside valid UTF-8 becomes '?'. */
static void keep_utf8(char *s)
{
	for (unsigned char *p = (unsigned char *)s; *p;) {
		size_t n = tb_utf8_valid_len(p);
		if (n == 0) {
			*p++ = '?';
			continue;
		}
		p += n;
	}
}

/* The kernel's random id of this boot: rows of runs in one guest boot share it, so compare
 * can tell replicates of a boot from replicates of the guest (DESIGN.md "Comparing"). A
 * kernel without procfs gives "". Only [0-9a-f-] is kept: it is a UUID. */
static void read_boot_id(char *buf, size_t len)
{
	buf[0] = '\0';
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");
	if (!f)
		return;
	if (!fgets(buf, (int)len, f))
		buf[0] = '\0';
	fclose(f);
	size_t n = strspn(buf, "0123456789abcdef-");
	buf[n] = '\0';
}

void tb_env_stamp(struct tb_env *env)
{
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(env->timestamp, sizeof(env->timestamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void tb_env_collect(struct tb_env *env)
{
	memset(env, 0, sizeof(*env));
	env->version = TINYBEN_VERSION;
	tb_env_stamp(env);

	struct utsname u;
	if (uname(&u) == 0) {
		snprintf(env->host, sizeof(env->host), "%s", u.nodename);
		snprintf(env->kernel, sizeof(env->kernel), "%s", u.release);
	} else {
		snprintf(env->host, sizeof(env->host), "unknown");
		snprintf(env->kernel, sizeof(env->kernel), "unknown");
	}
	keep_utf8(env->host);
	keep_utf8(env->kernel);
	tb_cpu_brand(env->cpu_model, sizeof(env->cpu_model));
	keep_utf8(env->cpu_model);
	read_boot_id(env->boot_id, sizeof(env->boot_id));
	tb_env_fingerprint(env->facts, sizeof(env->facts));

	int n = vcpu_count();
	if (n > 0)
		snprintf(env->vcpus, sizeof(env->vcpus), "%d", n);
	else
		snprintf(env->vcpus, sizeof(env->vcpus), "unknown");

	struct sysinfo si;
	if (sysinfo(&si) == 0)
		snprintf(env->mem_mib, sizeof(env->mem_mib), "%llu",
			 (unsigned long long)si.totalram * si.mem_unit / (1024 * 1024));
	else
		snprintf(env->mem_mib, sizeof(env->mem_mib), "unknown");

	/* Unique per run even for two runs in the same second on cloned guests. */
	unsigned char rnd[4] = { 0 };
	if (getrandom(rnd, sizeof(rnd), GRND_NONBLOCK) != sizeof(rnd)) {
		unsigned long long t = (unsigned long long)clock();
		memcpy(rnd, &t, sizeof(rnd));
	}
	char compact[32];
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(compact, sizeof(compact), "%Y%m%dT%H%M%SZ", &tm);
	snprintf(env->run_id, sizeof(env->run_id), "%s-%02x%02x%02x%02x", compact, rnd[0], rnd[1],
		 rnd[2], rnd[3]);

	if (cc_probe) {
		cc_probe(env->cc_level, sizeof(env->cc_level), env->cc_features,
			 sizeof(env->cc_features));
	} else {
		snprintf(env->cc_level, sizeof(env->cc_level), "unknown");
		env->cc_features[0] = '\0';
	}
}
