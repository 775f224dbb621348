/* Detection evidence (DESIGN.md "Detection evidence"): a key=value record, its gathering
 * from the running system, and the decision of the confidential-computing level from it. */
#ifndef TB_ATTEST_EVIDENCE_H
#define TB_ATTEST_EVIDENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct tb_ev_item {
	char *key;
	char *value;
	unsigned line; /* line in the evidence file it was read from, 0 when gathered */
};

/* The record keeps the order in which items were gathered or read. */
struct tb_evidence {
	struct tb_ev_item *items;
	size_t n, cap;
};

/* Limits that keep a hostile evidence file (or kernel log) from growing without bound. */
#define TB_EV_MAX_ITEMS 4096
#define TB_EV_MAX_LINE 4096

void tb_ev_init(struct tb_evidence *ev);
void tb_ev_free(struct tb_evidence *ev);
/* Appends key=value (copied; a newline in value is cut there). 0 or -ENOSPC / -EINVAL. */
int tb_ev_add(struct tb_evidence *ev, const char *key, const char *value);
int tb_ev_addf(struct tb_evidence *ev, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* First value of key, or NULL. */
const char *tb_ev_get(const struct tb_evidence *ev, const char *key);
/* Line of key's first item in the file it was parsed from, 0 when gathered or absent. */
unsigned tb_ev_line(const struct tb_evidence *ev, const char *key);
/* Value of key as an unsigned number (0x... or decimal): 1 found, 0 absent, -EINVAL bad. */
int tb_ev_get_u64(const struct tb_evidence *ev, const char *key, uint64_t *out);

/* Parses the text format: one key=value a line, blank lines and '#' comments ignored.
 * Returns 0, or -EINVAL with a one-line reason (with the line number) in err. */
int tb_ev_parse(struct tb_evidence *ev, const char *text, size_t len, char *err, size_t err_len);
/* Writes the text format. Returns 0 or -errno. */
int tb_ev_write(const struct tb_evidence *ev, FILE *f);

/* Gathers evidence from this system: CPUID, the SEV_STATUS MSR, the kernel log, the device
 * paths. Never prints; what could not be read is recorded as *.error / *.status items. */
void tb_ev_gather(struct tb_evidence *ev);
/* The environment fingerprint (env.*) and the bounce-buffer state (swiotlb.*, virtio.*),
 * read under root ("" for this system). */
void tb_ev_gather_env(struct tb_evidence *ev, const char *root);

#define TB_CC_MAX_NOTES 16
#define TB_CC_NOTE_LEN 256 /* one note or warning line */

/* Where the level came from, in precedence order (DESIGN.md). */
enum tb_cc_source { TB_SRC_NONE, TB_SRC_MSR, TB_SRC_KMSG, TB_SRC_CPUID, TB_SRC_PATH };

struct tb_cc_decision {
	char level[16];       /* none, sev, sev-es, sev-snp, tdx, unknown */
	char features[512];   /* space-separated feature names */
	int c_bit;            /* C-bit position from CPUID 0x8000001F EBX[5:0], -1 unknown */
	enum tb_cc_source decided_by;
	char why[256];        /* one human sentence: which evidence decided */
	char invalid[256];    /* first malformed item ("" when all parse) */
	/* What each source says (empty when it says nothing), for the explanation. */
	char says[5][16];
	char notes[TB_CC_MAX_NOTES][TB_CC_NOTE_LEN]; /* what could not be read */
	int nnotes;
	char warnings[TB_CC_MAX_NOTES][TB_CC_NOTE_LEN]; /* conflicts between sources */
	int nwarnings;
};

const char *tb_cc_source_name(enum tb_cc_source s);
/* Decides the level from evidence alone (pure function: fixtures test it). */
void tb_cc_decide(const struct tb_evidence *ev, struct tb_cc_decision *d);
/* SEV_STATUS bits to kernel feature names (arch/x86/coco/sev, sev_status_feat_names). */
void tb_sev_status_features(uint64_t status, char *out, size_t out_len);

#endif
