/* Decides the confidential-computing level from evidence (DESIGN.md): SEV_STATUS over the
 * kernel log over CPUID over device paths; every source's opinion is kept so that a
 * disagreement becomes a warning instead of disappearing. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attest/evidence.h"

const char *tb_cc_source_name(enum tb_cc_source s)
{
	switch (s) {
	case TB_SRC_MSR: return "SEV_STATUS MSR";
	case TB_SRC_KMSG: return "kernel log";
	case TB_SRC_CPUID: return "CPUID";
	case TB_SRC_PATH: return "device paths";
	case TB_SRC_NONE: break;
	}
	return "nothing";
}

/* Notes and warnings are the same bounded list of lines: past the cap, one is dropped. */
static void append(char (*list)[TB_CC_NOTE_LEN], int *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void append(char (*list)[TB_CC_NOTE_LEN], int *n, const char *fmt, ...)
{
	if (*n >= TB_CC_MAX_NOTES)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(list[(*n)++], sizeof(list[0]), fmt, ap);
	va_end(ap);
}

#define note(d, ...) append((d)->notes, &(d)->nnotes, __VA_ARGS__)
#define warn(d, ...) append((d)->warnings, &(d)->nwarnings, __VA_ARGS__)

/* Reads a numeric item; a malformed one is noted and treated as absent. */
static bool num(const struct tb_evidence *ev, struct tb_cc_decision *d, const char *key,
		uint64_t *out)
{
	int rc = tb_ev_get_u64(ev, key, out);
	if (rc < 0) {
		/* Like every other evidence error, name the line of the file it came from. */
		unsigned line = tb_ev_line(ev, key);
		if (!d->invalid[0] && line)
			snprintf(d->invalid, sizeof(d->invalid), "line %u: %s=%s is not a number",
				 line, key, tb_ev_get(ev, key));
		else if (!d->invalid[0])
			snprintf(d->invalid, sizeof(d->invalid), "%s=%s is not a number", key,
				 tb_ev_get(ev, key));
		note(d, "ignored %s: not a number", key);
	}
	return rc == 1;
}

/* AMD levels are ordered; TDX stands apart. */
static int amd_rank(const char *level)
{
	if (strcmp(level, "sev") == 0)
		return 1;
	if (strcmp(level, "sev-es") == 0)
		return 2;
	if (strcmp(level, "sev-snp") == 0)
		return 3;
	return 0;
}

static const char *level_from_words(const char *s)
{
	/* Whole words: "SEV" must not match inside "SEV-ES". */
	bool sev = false, es = false, snp = false, tdx = false;
	char buf[1024];
	snprintf(buf, sizeof(buf), "%s", s);
	for (char *save = NULL, *w = strtok_r(buf, " \t,:", &save); w;
	     w = strtok_r(NULL, " \t,:", &save)) {
		sev |= strcmp(w, "SEV") == 0;
		es |= strcmp(w, "SEV-ES") == 0;
		snp |= strcmp(w, "SEV-SNP") == 0;
		tdx |= strcmp(w, "TDX") == 0;
	}
	return tdx ? "tdx" : snp ? "sev-snp" : es ? "sev-es" : sev ? "sev" : "none";
}

/* Hyper-V isolation type (0x4000000C EBX[3:0]): 1 VBS (not confidential), 2 SNP, 3 TDX. */
static const char *hv_isolation(uint64_t type)
{
	switch (type & 0xf) {
	case 2: return "sev-snp";
	case 3: return "tdx";
	default: return "none";
	}
}

static void from_msr(const struct tb_evidence *ev, struct tb_cc_decision *d, char *features,
		     size_t flen)
{
	uint64_t v;
	if (!num(ev, d, "msr.0xc0010131", &v)) {
		const char *e = tb_ev_get(ev, "msr.0xc0010131.error");
		note(d, "SEV_STATUS MSR not read%s%s", e ? ": " : "", e ? e : "");
		return;
	}
	const char *lvl = (v & 4) ? "sev-snp" : (v & 2) ? "sev-es" : (v & 1) ? "sev" : "none";
	snprintf(d->says[TB_SRC_MSR], sizeof(d->says[0]), "%s", lvl);
	tb_sev_status_features(v, features, flen);
}

static void from_kmsg(const struct tb_evidence *ev, struct tb_cc_decision *d, char *features,
		      size_t flen, const char **hv_kmsg, const char **line)
{
	const char *status = tb_ev_get(ev, "kmsg.status");
	if (status && strncmp(status, "read", 4) != 0) {
		note(d, "kernel log %s", status);
		return;
	}
	const char *best = NULL;
	for (size_t i = 0; i < ev->n; i++) {
		if (strcmp(ev->items[i].key, "kmsg") != 0)
			continue;
		const char *m = ev->items[i].value, *p, *lvl = NULL;
		if (strstr(m, "tdx: Guest detected") || strstr(m, "Intel TDX")) {
			lvl = "tdx";
		} else if ((p = strstr(m, "SEV: Status:"))) {
			lvl = level_from_words(p + 12);
			snprintf(features, flen, "%s", p + 12 + strspn(p + 12, " "));
		} else if ((p = strstr(m, "Memory Encryption Features active:"))) {
			lvl = level_from_words(p + 34); /* " SME" alone: a host, not a guest */
		} else if (strstr(m, "Secure Encrypted Virtualization-Encrypted State")) {
			lvl = "sev-es";
		} else if (strstr(m, "Secure Encrypted Virtualization (SEV) active")) {
			lvl = "sev"; /* <= 5.10 wording */
		} else if (strstr(m, "Secure Memory Encryption (SME) active")) {
			lvl = "none";
		} else if ((p = strstr(m, "Group B 0x"))) {
			/* "Hyper-V: Isolation Config: Group A 0x1, Group B 0xba2" */
			uint64_t b = strtoull(p + 8, NULL, 16);
			*hv_kmsg = hv_isolation(b);
			continue;
		}
		if (!lvl)
			continue;
		if (best && strcmp(best, lvl) != 0)
			warn(d, "kernel log lines disagree: %s and %s", best, lvl);
		if (!best || amd_rank(lvl) > amd_rank(best) || strcmp(lvl, "tdx") == 0) {
			best = lvl;
			*line = m;
		}
	}
	if (!best) {
		const char *boot = tb_ev_get(ev, "kmsg.boot");
		if (boot && strcmp(boot, "present") == 0)
			best = "none"; /* Linux logs the memory encryption line at every CC boot */
		else if (status)
			note(d, "kernel log no longer holds the boot messages");
		else
			note(d, "kernel log not in the evidence");
	}
	if (best)
		snprintf(d->says[TB_SRC_KMSG], sizeof(d->says[0]), "%s", best);
}

static uint32_t reg(const struct tb_evidence *ev, struct tb_cc_decision *d, const char *key,
		    bool *have)
{
	uint64_t v = 0;
	*have = num(ev, d, key, &v);
	return (uint32_t)v;
}

static const char *from_cpuid(const struct tb_evidence *ev, struct tb_cc_decision *d)
{
	bool h, h1, h2, h3;
	uint32_t ecx1 = reg(ev, d, "cpuid.0x1.ecx", &h);
	if (!h) {
		const char *e = tb_ev_get(ev, "cpuid.error");
		note(d, "CPUID not in the evidence%s%s", e ? ": " : "", e ? e : "");
		return NULL;
	}
	const char *hv = NULL;
	uint32_t b = reg(ev, d, "cpuid.0x40000000.ebx", &h1);
	uint32_t c = reg(ev, d, "cpuid.0x40000000.ecx", &h2);
	uint32_t x = reg(ev, d, "cpuid.0x40000000.edx", &h3);
	if (h1 && h2 && h3 && b == 0x7263694d && c == 0x666f736f && x == 0x76482074) {
		/* "Microsoft Hv": isolation privilege, then the isolation type. */
		uint32_t priv = reg(ev, d, "cpuid.0x40000003.ebx", &h1);
		uint32_t iso = reg(ev, d, "cpuid.0x4000000c.ebx", &h2);
		if (h1 && h2 && (priv & (1u << 22)) && strcmp(hv_isolation(iso), "none") != 0)
			hv = hv_isolation(iso);
	}
	uint32_t f_eax = reg(ev, d, "cpuid.0x8000001f.eax", &h1);
	uint32_t f_ebx = reg(ev, d, "cpuid.0x8000001f.ebx", &h2);
	if (h1 && h2 && (f_eax & 2))
		d->c_bit = (int)(f_ebx & 0x3f);
	uint32_t tb = reg(ev, d, "cpuid.0x21.ebx", &h1);
	uint32_t tc = reg(ev, d, "cpuid.0x21.ecx", &h2);
	uint32_t td = reg(ev, d, "cpuid.0x21.edx", &h3);
	const char *lvl;
	if (hv)
		lvl = hv;
	else if (!(ecx1 & (1u << 31)))
		lvl = "none"; /* no hypervisor bit: bare metal, 0x8000001F is the host's */
	else if (h1 && h2 && h3 && tb == 0x65746e49 && td == 0x5844546c && tc == 0x20202020)
		lvl = "tdx"; /* "IntelTDX    " in EBX, EDX, ECX */
	else if (f_eax & (1u << 4))
		lvl = "sev-snp";
	else if (f_eax & (1u << 3))
		lvl = "sev-es";
	else if (f_eax & (1u << 1))
		lvl = "sev";
	else
		lvl = "none";
	snprintf(d->says[TB_SRC_CPUID], sizeof(d->says[0]), "%s", lvl);
	return hv;
}

static void from_paths(const struct tb_evidence *ev, struct tb_cc_decision *d)
{
	bool snp = false, tdx = false, tsm = false, any = false;
	int unknown = 0;
	for (size_t i = 0; i < ev->n; i++) {
		const char *k = ev->items[i].key, *v = ev->items[i].value;
		if (strncmp(k, "path.", 5) != 0)
			continue;
		any = true;
		unknown += strcmp(v, "unknown") == 0;
		if (strcmp(v, "present") != 0)
			continue;
		k += 5;
		if (strcmp(k, "/dev/sev-guest") == 0 || strstr(k, "platform/sev-guest") ||
		    strcmp(k, "/sys/devices/system/cpu/sev") == 0)
			snp = true;
		else if (strcmp(k, "/dev/tdx_guest") == 0 || strcmp(k, "/sys/firmware/acpi/tables/CCEL") == 0)
			tdx = true;
		else if (strstr(k, "/tsm/report"))
			tsm = true;
	}
	if (!any) {
		note(d, "device paths not in the evidence");
		return;
	}
	if (unknown)
		note(d, "%d device path%s not checkable (/dev, /sys or configfs not mounted)", unknown,
		     unknown == 1 ? "" : "s");
	if (snp && tdx)
		warn(d, "device paths of both SEV-SNP and TDX guests are present");
	/* Absence proves little (the driver may just not be loaded): only presence counts. */
	const char *lvl = snp ? "sev-snp" : tdx ? "tdx" : tsm ? "unknown" : NULL;
	if (lvl)
		snprintf(d->says[TB_SRC_PATH], sizeof(d->says[0]), "%s", lvl);
}

static const char *base_features(const char *level)
{
	if (strcmp(level, "sev") == 0)
		return "SEV";
	if (strcmp(level, "sev-es") == 0)
		return "SEV SEV-ES";
	if (strcmp(level, "sev-snp") == 0)
		return "SEV SEV-ES SEV-SNP";
	if (strcmp(level, "tdx") == 0)
		return "TDX";
	return "";
}

void tb_cc_decide(const struct tb_evidence *ev, struct tb_cc_decision *d)
{
	memset(d, 0, sizeof(*d));
	d->c_bit = -1;
	char msr_feat[512] = "", kmsg_feat[512] = "";
	const char *hv_kmsg = NULL, *kline = NULL;
	bool hv_override = false;
	from_msr(ev, d, msr_feat, sizeof(msr_feat));
	from_kmsg(ev, d, kmsg_feat, sizeof(kmsg_feat), &hv_kmsg, &kline);
	const char *hv = from_cpuid(ev, d);
	from_paths(ev, d);
	if (!hv)
		hv = hv_kmsg;

	/* Linux prints "AMD SEV" for Hyper-V vTOM isolation (hyperv_cc_platform_has), so on
	 * Azure the isolation type, not that line, names the level. */
	if (hv && !d->says[TB_SRC_MSR][0] && strcmp(d->says[TB_SRC_KMSG], "sev") == 0) {
		note(d, "kernel log says sev, as Linux does under Hyper-V isolation; the isolation type says %s", hv);
		snprintf(d->says[TB_SRC_KMSG], sizeof(d->says[0]), "%s", hv);
		kline = NULL;
		hv_override = true;
	}

	for (enum tb_cc_source s = TB_SRC_MSR; s <= TB_SRC_PATH; s++) {
		if (d->says[s][0] && strcmp(d->says[s], "unknown") != 0) {
			d->decided_by = s;
			break;
		}
	}
	if (d->decided_by == TB_SRC_NONE) {
		snprintf(d->level, sizeof(d->level), "unknown");
		snprintf(d->why, sizeof(d->why), "no source could be read%s",
			 d->says[TB_SRC_PATH][0] ? " (an attestation interface exists, no level)" : "");
	} else {
		_Static_assert(sizeof(d->level) == sizeof(d->says[0]), "level and says sizes");
		memcpy(d->level, d->says[d->decided_by], sizeof(d->level));
	}
	for (enum tb_cc_source s = TB_SRC_MSR; s <= TB_SRC_PATH; s++) {
		if (s == d->decided_by || !d->says[s][0] || d->decided_by == TB_SRC_NONE)
			continue;
		if (strcmp(d->says[s], d->level) != 0)
			warn(d, "%s says %s, but %s says %s (%s wins)", tb_cc_source_name(s),
			     d->says[s], tb_cc_source_name(d->decided_by), d->level,
			     tb_cc_source_name(d->decided_by));
	}

	if (d->decided_by == TB_SRC_MSR)
		snprintf(d->features, sizeof(d->features), "%s", msr_feat);
	else if (kmsg_feat[0] && strcmp(level_from_words(kmsg_feat), d->level) == 0)
		snprintf(d->features, sizeof(d->features), "%s", kmsg_feat);
	else
		snprintf(d->features, sizeof(d->features), "%s", base_features(d->level));

	switch (d->decided_by) {
	case TB_SRC_MSR:
		snprintf(d->why, sizeof(d->why), "0xC0010131 = %s",
			 tb_ev_get(ev, "msr.0xc0010131"));
		break;
	case TB_SRC_KMSG:
		if (hv_override)
			snprintf(d->why, sizeof(d->why), "Hyper-V isolation type %s (Linux logs that "
				 "isolation as \"AMD SEV\")", d->level);
		else if (kline)
			snprintf(d->why, sizeof(d->why), "\"%.200s\"", kline);
		else
			snprintf(d->why, sizeof(d->why), "%s",
				 "it holds the boot messages and none says memory encryption is active");
		break;
	case TB_SRC_CPUID:
		snprintf(d->why, sizeof(d->why), "%s",
			 hv ? "Hyper-V isolation leaves 0x40000003/0x4000000C"
			 : strcmp(d->level, "tdx") == 0 ? "leaf 0x21 signature IntelTDX"
			 : strcmp(d->level, "none") == 0
			 ? (tb_ev_get_u64(ev, "cpuid.0x1.ecx", &(uint64_t){ 0 }) == 1 &&
			    !(strtoull(tb_ev_get(ev, "cpuid.0x1.ecx"), NULL, 0) >> 31 & 1)
			    ? "no hypervisor bit (CPUID 1 ECX[31]): bare metal, not a guest"
			    : "no SEV bit in leaf 0x8000001F, no TDX signature in leaf 0x21, no Hyper-V isolation")
			 : "SEV bits of leaf 0x8000001F");
		break;
	case TB_SRC_PATH:
		snprintf(d->why, sizeof(d->why), "a guest attestation device is present");
		break;
	case TB_SRC_NONE:
		break;
	}
}
