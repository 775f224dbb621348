/* The environment fingerprint of a run: what can make two guests measure differently
 * besides the confidential-computing level (CPU features the hypervisor hides, microcode,
 * kernel arguments, huge pages, idle driver, NUMA, clock, bounce buffers). */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "fingerprint.h"

int tb_read_line(const char *root, const char *path, char *buf, size_t len)
{
	char full[4096];
	snprintf(full, sizeof(full), "%s%s", root, path);
	buf[0] = '\0';
	FILE *f = fopen(full, "re");
	if (!f)
		return -errno;
	if (!fgets(buf, (int)len, f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* What the guest's CPUID shows (the hypervisor decides: QEMU hides AVX-512 from SNP
 * guests on some CPU models). Leaf 1 ECX: SSE4.2 bit 20, AES bit 25; leaf 7.0 EBX: AVX2
 * bit 5, AVX-512F bit 16, SHA bit 29 (Intel SDM vol. 2A, CPUID). */
static void isa_of_cpu(char *buf, size_t len)
{
	snprintf(buf, len, "unknown");
#if defined(__x86_64__) || defined(__i386__)
	unsigned a, b, c, d, max = __get_cpuid_max(0, NULL);
	if (max < 1)
		return;
	__cpuid(1, a, b, c, d);
	unsigned ecx1 = c, ebx7 = 0;
	if (max >= 7)
		__cpuid_count(7, 0, a, ebx7, c, d);
	snprintf(buf, len, "%s%s%s%s%s", ecx1 & (1u << 20) ? "+sse4.2" : "",
		 ebx7 & (1u << 5) ? "+avx2" : "", ebx7 & (1u << 16) ? "+avx512f" : "",
		 ecx1 & (1u << 25) ? "+aes" : "", ebx7 & (1u << 29) ? "+sha" : "");
	if (buf[0])
		memmove(buf, buf + 1, strlen(buf));
	else
		snprintf(buf, len, "none");
#endif
}

static void ucode_of(const char *root, char *buf, size_t len)
{
	char full[4096], line[256];
	snprintf(full, sizeof(full), "%s/proc/cpuinfo", root);
	snprintf(buf, len, "unknown");
	FILE *f = fopen(full, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "microcode", 9) != 0)
			continue;
		const char *v = strchr(line, ':');
		if (v) {
			v += strspn(v + 1, " \t") + 1;
			snprintf(buf, len, "%.*s", (int)strcspn(v, " \t\n"), v);
		}
		break;
	}
	fclose(f);
}

/* detail is "k=v k=v": spaces in the command line would split it. */
static void percent_encode(const char *s, char *buf, size_t len)
{
	size_t o = 0;
	for (; *s && o + 4 < len; s++) {
		if (*s == ' ' || *s == '%' || *s == '\t' || *s == '"' || *s == ',') {
			o += (size_t)snprintf(buf + o, len - o, "%%%02X", (unsigned char)*s);
			continue;
		}
		buf[o++] = *s;
	}
	buf[o] = '\0';
}

void tb_swiotlb_arg(const char *cmdline, char *buf, size_t len)
{
	snprintf(buf, len, "default");
	for (const char *p = cmdline; (p = strstr(p, "swiotlb=")) != NULL; p += 8) {
		if (p != cmdline && p[-1] != ' ')
			continue;
		snprintf(buf, len, "%.*s", (int)strcspn(p + 8, " \t\n"), p + 8);
	}
}

static void fact(const char *root, const char *path, char *buf, size_t len)
{
	if (tb_read_line(root, path, buf, len) != 0 || !buf[0])
		snprintf(buf, len, "unknown");
}

static void numa_of(const char *root, char *buf, size_t len)
{
	char full[4096];
	snprintf(full, sizeof(full), "%s/sys/devices/system/node", root);
	DIR *d = opendir(full);
	if (!d) {
		snprintf(buf, len, "unknown");
		return;
	}
	int n = 0;
	for (struct dirent *e; (e = readdir(d)) != NULL;)
		n += strncmp(e->d_name, "node", 4) == 0 && e->d_name[4] >= '0' && e->d_name[4] <= '9';
	closedir(d);
	snprintf(buf, len, "%d", n);
}

void tb_fingerprint_collect(struct tb_fingerprint *fp, const char *root, const char *isa)
{
	memset(fp, 0, sizeof(*fp));
	if (isa)
		snprintf(fp->isa, sizeof(fp->isa), "%s", isa);
	else
		isa_of_cpu(fp->isa, sizeof(fp->isa));
	ucode_of(root, fp->ucode, sizeof(fp->ucode));
	char cmdline[1024];
	if (tb_read_line(root, "/proc/cmdline", cmdline, sizeof(cmdline)) != 0) {
		snprintf(fp->cmdline, sizeof(fp->cmdline), "unknown");
		snprintf(fp->swiotlb, sizeof(fp->swiotlb), "unknown");
	} else {
		percent_encode(cmdline, fp->cmdline, sizeof(fp->cmdline));
		tb_swiotlb_arg(cmdline, fp->swiotlb, sizeof(fp->swiotlb));
	}
	char thp[128];
	fact(root, "/sys/kernel/mm/transparent_hugepage/enabled", thp, sizeof(thp));
	const char *l = strchr(thp, '['), *r = l ? strchr(l, ']') : NULL;
	snprintf(fp->thp, sizeof(fp->thp), "%.*s", l && r ? (int)(r - l - 1) : (int)strlen(thp),
		 l && r ? l + 1 : thp);
	char drv[48], gov[48];
	fact(root, "/sys/devices/system/cpu/cpuidle/current_driver", drv, sizeof(drv));
	if (tb_read_line(root, "/sys/devices/system/cpu/cpuidle/current_governor", gov,
			 sizeof(gov)) != 0 || !gov[0])
		fact(root, "/sys/devices/system/cpu/cpuidle/current_governor_ro", gov, sizeof(gov));
	snprintf(fp->cpuidle, sizeof(fp->cpuidle), "%s/%s", drv, gov);
	numa_of(root, fp->numa, sizeof(fp->numa));
	fact(root, "/sys/devices/system/clocksource/clocksource0/current_clocksource",
	     fp->clocksource, sizeof(fp->clocksource));
	/* FNV-1a over the facts: one short key says "same environment" on every run. */
	const char *parts[] = { fp->isa, fp->ucode, fp->cmdline, fp->thp, fp->cpuidle,
				fp->numa, fp->clocksource, fp->swiotlb };
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < sizeof(parts) / sizeof(*parts); i++)
		for (const char *p = parts[i];; p++) {
			h = (h ^ (unsigned char)*p) * 16777619u;
			if (!*p)
				break;
		}
	snprintf(fp->hash, sizeof(fp->hash), "%08x", h);
}

void tb_fingerprint_detail(const struct tb_fingerprint *fp, char *buf, size_t len)
{
	snprintf(buf, len, "env.fp=%s env.isa=%s env.ucode=%s env.cmdline=%s env.thp=%s "
		 "env.cpuidle=%s env.numa=%s env.clocksource=%s env.swiotlb=%s", fp->hash,
		 fp->isa, fp->ucode, fp->cmdline, fp->thp, fp->cpuidle, fp->numa,
		 fp->clocksource, fp->swiotlb);
}

void tb_env_fingerprint(char *buf, size_t len)
{
	struct tb_fingerprint fp;
	tb_fingerprint_collect(&fp, "", NULL);
	tb_fingerprint_detail(&fp, buf, len);
}
