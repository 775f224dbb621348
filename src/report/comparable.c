/* Which environment facts differ between the sides (besides the cc level, the host and the
 * run's identity, which are what a comparison is about), and what each difference does to
 * the comparison. The facts come from each run's fingerprint (core/fingerprint.c). */
#include <stdlib.h>
#include <string.h>

#include "report/comparable.h"

#define MAXV 1200

struct fact {
	const char *key, *name, *consequence;
};

static const struct fact facts[] = {
	{ "env.ucode", "microcode", "mitigations and errata fixes differ: exits, system calls and "
	  "speculation barriers may cost differently" },
	{ "env.thp", "THP mode", "memory benchmarks may get huge pages on one side only" },
	{ "env.cpuidle", "cpuidle driver/governor", "wake-ups and idle exits cost differently "
	  "(haltpoll or idle=poll on one side): latency and I/O are not comparable" },
	{ "env.numa", "NUMA nodes", "memory bandwidth and latency depend on the node memory lands "
	  "on: mem.* is not comparable" },
	{ "env.clocksource", "clocksource", "reading the clock costs differently (tsc, kvm-clock, "
	  "hpet): short timed operations and cpu.exits are not comparable" },
	{ "env.swiotlb", "swiotlb setting", "I/O goes through bounce buffers on one side only or "
	  "with another size: io.* is not comparable" },
};

static const struct {
	const char *ext, *name, *consequence;
} exts[] = {
	{ "avx512f", "AVX-512", "the avx512-* variants and anything built on AVX-512 are not "
	  "comparable" },
	{ "avx2", "AVX2", "code that picks its kernel by CPU feature (memcpy, lz4) runs other "
	  "instructions on each side" },
	{ "sse4.2", "SSE4.2", "string and CRC32 kernels differ" },
	{ "aes", "AES-NI", "anything that encrypts (TLS, dm-crypt) is not comparable" },
	{ "sha", "SHA extensions", "hashing is not comparable" },
};

/* Is word one of the items of list (separated by any of seps)? */
static bool listed(const char *list, const char *word, const char *seps)
{
	size_t wl = strlen(word);
	for (const char *p = list; *p;) {
		size_t l = strcspn(p, seps);
		if (l == wl && strncmp(p, word, l) == 0)
			return true;
		p += l;
		p += strspn(p, seps);
	}
	return false;
}

/* The distinct values of key over a side's runs, "; "-joined into buf; *runs: runs with a
 * fingerprint. */
static void values(const struct tb_side *s, const char *key, char *buf, size_t len,
		   size_t *runs)
{
	size_t used = 0;
	buf[0] = '\0';
	*runs = 0;
	for (size_t i = 0; i < s->n_runs; i++) {
		char v[MAXV];
		if (!s->runs[i].facts || !tb_detail_get(s->runs[i].facts, key, v, sizeof(v)))
			continue;
		(*runs)++;
		if (listed(buf, v, "; ")) /* detail values hold no spaces */
			continue;
		int n = snprintf(buf + used, len - used, "%s%s", used ? "; " : "", v);
		if (n > 0 && (size_t)n < len - used)
			used += (size_t)n;
	}
}

/* Runs of the side whose isa has ext, out of those with a fingerprint. */
static size_t with_ext(const struct tb_side *s, const char *ext)
{
	size_t k = 0;
	for (size_t i = 0; i < s->n_runs; i++) {
		char v[128];
		if (!s->runs[i].facts || !tb_detail_get(s->runs[i].facts, "env.isa", v, sizeof(v)))
			continue;
		for (char *save = NULL, *t = strtok_r(v, "+", &save); t; t = strtok_r(NULL, "+", &save))
			if (strcmp(t, ext) == 0) {
				k++;
				break;
			}
	}
	return k;
}

/* %XX back to bytes: the command line is percent-encoded in detail. */
static void decode(char *s)
{
	char *o = s;
	for (char *p = s; *p; p++) {
		unsigned x;
		if (*p == '%' && sscanf(p + 1, "%2x", &x) == 1) {
			*o++ = (char)x;
			p += 2;
		} else {
			*o++ = *p;
		}
	}
	*o = '\0';
}

/* Words of a that b lacks, " "-joined into out. */
static void only_in(const char *a, const char *b, char *out, size_t len)
{
	char w[MAXV];
	size_t used = 0;
	out[0] = '\0';
	snprintf(w, sizeof(w), "%s", a);
	for (char *save = NULL, *t = strtok_r(w, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
		if (listed(b, t, " "))
			continue;
		int n = snprintf(out + used, len - used, "%s%s", used ? " " : "", t);
		if (n > 0 && (size_t)n < len - used)
			used += (size_t)n;
	}
}

size_t tb_comparability(const struct tb_side *b, const struct tb_side *c, tb_diff_fn fn,
			void *arg)
{
	char vb[MAXV], vc[MAXV], msg[512];
	size_t rb, rc, n = 0;
	values(b, "env.fp", vb, sizeof(vb), &rb);
	values(c, "env.fp", vc, sizeof(vc), &rc);
	/* Not recorded on a side. The same env.fp on both is no shortcut: the facts beside it
	 * are what is compared, so a file whose facts were edited by hand cannot pass as alike. */
	if (!rb || !rc)
		return 0;
	for (size_t i = 0; i < sizeof(exts) / sizeof(*exts); i++) {
		size_t kb = with_ext(b, exts[i].ext), kc = with_ext(c, exts[i].ext);
		bool all_b = kb == rb, all_c = kc == rc;
		if ((kb == 0 && kc == 0) || (all_b && all_c))
			continue;
		const char *where = kb && !kc ? "only in base" : kc && !kb ? "only in cand"
				    : "in only some runs of a side";
		snprintf(msg, sizeof(msg), "%s visible %s: %s", exts[i].name, where,
			 exts[i].consequence);
		values(b, "env.isa", vb, sizeof(vb), &rb);
		values(c, "env.isa", vc, sizeof(vc), &rc);
		fn(arg, "visible ISA extensions", vb, vc, msg);
		n++;
	}
	values(b, "env.cmdline", vb, sizeof(vb), &rb);
	values(c, "env.cmdline", vc, sizeof(vc), &rc);
	if (strcmp(vb, vc) != 0) {
		char ob[MAXV], oc[MAXV];
		decode(vb);
		decode(vc);
		only_in(vb, vc, ob, sizeof(ob));
		only_in(vc, vb, oc, sizeof(oc));
		snprintf(msg, sizeof(msg), "mitigations, idle=, iommu and memory options can change "
			 "the cost of anything");
		fn(arg, "kernel command line", *ob ? ob : "(nothing else)",
		   *oc ? oc : "(nothing else)", msg);
		n++;
	}
	for (size_t i = 0; i < sizeof(facts) / sizeof(*facts); i++) {
		values(b, facts[i].key, vb, sizeof(vb), &rb);
		values(c, facts[i].key, vc, sizeof(vc), &rc);
		if (strcmp(vb, vc) == 0)
			continue;
		fn(arg, facts[i].name, vb, vc, facts[i].consequence);
		n++;
	}
	return n;
}

struct out {
	FILE *f;
	bool md;
};

static void print_diff(void *arg, const char *fact, const char *base, const char *cand,
		       const char *consequence)
{
	struct out *o = arg;
	fprintf(o->f, "%s%s: base %s; cand %s\n%s%s\n", o->md ? "- " : "  ", fact, base, cand,
		o->md ? "  - " : "    ", consequence);
}

static void count(void *arg, const char *fact, const char *base, const char *cand,
		  const char *consequence)
{
	(void)arg, (void)fact, (void)base, (void)cand, (void)consequence;
}

void tb_comparability_write(FILE *f, bool md, const struct tb_side *b, const struct tb_side *c)
{
	char v[64];
	size_t rb, rc;
	values(b, "env.fp", v, sizeof(v), &rb);
	values(c, "env.fp", v, sizeof(v), &rc);
	if (!rb || !rc) {
		fprintf(f, "%scomparability: not recorded on %s (files written before the "
			"environment fingerprint)\n", md ? "\n" : "",
			!rb && !rc ? "either side" : !rb ? "base" : "cand");
		return;
	}
	size_t n = tb_comparability(b, c, count, NULL);
	if (!n) {
		fprintf(f, "%scomparability: the sides' environments agree (ISA extensions, "
			"microcode, kernel command line, THP, cpuidle, NUMA, clocksource, swiotlb)\n",
			md ? "\n" : "");
		return;
	}
	fprintf(f, "%scomparability: %zu difference%s between the sides besides cc_level, host "
		"and run%s\n", md ? "\n" : "", n, n == 1 ? "" : "s", md ? "\n" : "");
	struct out o = { f, md };
	tb_comparability(b, c, print_diff, &o);
}
