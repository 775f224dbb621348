/* Detection decisions from evidence fixtures: every level and the tricky cases. */
#include <stdlib.h>
#include <string.h>

#include "attest/evidence.h"
#include "attest/fileio.h"
#include "check.h"

static const char *dir;

static int decide_file(const char *name, struct tb_cc_decision *d)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unsigned char *buf;
	size_t len;
	if (tb_read_file(path, 1 << 20, &buf, &len) != 0)
		return -1;
	struct tb_evidence ev;
	tb_ev_init(&ev);
	char err[256];
	int rc = tb_ev_parse(&ev, (const char *)buf, len, err, sizeof(err));
	free(buf);
	if (rc == 0)
		tb_cc_decide(&ev, d);
	tb_ev_free(&ev);
	return rc;
}

static void expect(const char *name, const char *level, const char *features,
		   enum tb_cc_source by, int warnings, int c_bit)
{
	struct tb_cc_decision d;
	printf("# %s\n", name);
	CHECK(decide_file(name, &d) == 0);
	CHECK_STR(d.level, level);
	CHECK_STR(d.features, features);
	CHECK_STR(tb_cc_source_name(d.decided_by), tb_cc_source_name(by));
	CHECK(d.nwarnings == warnings);
	CHECK(d.c_bit == c_bit);
	CHECK(d.invalid[0] == '\0');
	for (int i = 0; i < d.nwarnings; i++)
		printf("#   warning: %s\n", d.warnings[i]);
}

int main(int argc, char **argv)
{
	dir = argc > 1 ? argv[1] : "tests/attest/fixtures";

	expect("none-kvm.evidence", "none", "", TB_SRC_KMSG, 0, -1);
	expect("sev.evidence", "sev", "SEV", TB_SRC_MSR, 0, 51);
	expect("sev-es.evidence", "sev-es", "SEV SEV-ES", TB_SRC_MSR, 0, 51);
	expect("sev-snp.evidence", "sev-snp", "SEV SEV-ES SEV-SNP DebugSwap", TB_SRC_MSR, 0, 51);
	/* CPUID table lies (no SEV), SEV_STATUS says SNP with VMSARegProt and SMTProt. */
	expect("snp-lying-cpuid.evidence", "sev-snp", "SEV SEV-ES SEV-SNP VMSARegProt SMTProt",
	       TB_SRC_MSR, 1, -1);
	expect("snp-msr-unreadable.evidence", "sev-snp",
	       "SEV SEV-ES SEV-SNP VMSARegProt SecureTSC", TB_SRC_KMSG, 0, 51);
	expect("azure-snp.evidence", "sev-snp", "SEV SEV-ES SEV-SNP", TB_SRC_KMSG, 0, -1);
	expect("tdx.evidence", "tdx", "TDX", TB_SRC_KMSG, 0, -1);
	expect("old-kmsg-sev.evidence", "sev", "SEV", TB_SRC_KMSG, 0, 47);
	expect("old-kmsg-snp.evidence", "sev-snp", "SEV SEV-ES SEV-SNP", TB_SRC_KMSG, 0, 51);
	expect("empty.evidence", "unknown", "", TB_SRC_NONE, 0, -1);
	expect("host-sme.evidence", "none", "", TB_SRC_MSR, 0, 51);
	expect("kmsg-rotated.evidence", "sev-es", "SEV SEV-ES", TB_SRC_CPUID, 0, 51);
	expect("conflict-kmsg.evidence", "sev-es", "SEV SEV-ES", TB_SRC_MSR, 1, 51);
	expect("nonroot-nothing.evidence", "none", "", TB_SRC_CPUID, 0, -1);

	/* Every SEV_STATUS bit by its kernel name; unnamed ones stay visible. */
	char f[512];
	tb_sev_status_features(0x0000000000ffffffull, f, sizeof(f));
	CHECK_STR(f, "SEV SEV-ES SEV-SNP vTom ReflectVC RI AI DebugSwap NoHostIBS BTBIsol VmplSSS "
		     "SecureTSC VMGExitParam bit13 IBSVirt bit15 VMSARegProt SMTProt SecureAVIC bit19 "
		     "bit20 bit21 bit22 IBPBOnEntry");
	tb_sev_status_features(1ull << 63, f, sizeof(f));
	CHECK_STR(f, "bit63");

	/* Malformed input: a line without '=', a bad number, a forged second line. */
	struct tb_evidence ev;
	char err[256];
	tb_ev_init(&ev);
	CHECK(tb_ev_parse(&ev, "a=1\nno equals\n", 14, err, sizeof(err)) != 0);
	CHECK(strstr(err, "line 2") != NULL);
	tb_ev_free(&ev);
	tb_ev_init(&ev);
	CHECK(tb_ev_parse(&ev, "=x\n", 3, err, sizeof(err)) != 0);
	tb_ev_free(&ev);
	tb_ev_init(&ev);
	CHECK(tb_ev_parse(&ev, "cpuid.0x1.ecx=zz\n", 17, err, sizeof(err)) == 0);
	struct tb_cc_decision d;
	tb_cc_decide(&ev, &d);
	CHECK(strstr(d.invalid, "cpuid.0x1.ecx") != NULL);
	CHECK(strncmp(d.invalid, "line 1: ", 8) == 0);
	tb_ev_free(&ev);
	/* The line counts comments and blank lines, as an editor shows it. */
	tb_ev_init(&ev);
	CHECK(tb_ev_parse(&ev, "# c\n\nmsr.0xc0010131=0xZZZ\n", 26, err, sizeof(err)) == 0);
	tb_cc_decide(&ev, &d);
	CHECK_STR(d.invalid, "line 3: msr.0xc0010131=0xZZZ is not a number");
	tb_ev_free(&ev);
	/* A byte-order mark and CRLF line ends (a Windows editor) are not part of the text. */
	tb_ev_init(&ev);
	CHECK(tb_ev_parse(&ev, "\xef\xbb\xbf" "boot.a=1\r\nb=2\r\n", 18, err, sizeof(err)) == 0);
	CHECK(tb_ev_get(&ev, "boot.a") != NULL && strcmp(tb_ev_get(&ev, "boot.a"), "1") == 0);
	CHECK(tb_ev_get(&ev, "b") != NULL && strcmp(tb_ev_get(&ev, "b"), "2") == 0);
	tb_ev_free(&ev);
	tb_ev_init(&ev);
	CHECK(tb_ev_add(&ev, "kmsg", "a\nmsr.0xc0010131=0x7") == 0);
	CHECK(tb_ev_get(&ev, "msr.0xc0010131") == NULL);
	CHECK_STR(tb_ev_get(&ev, "kmsg"), "a");
	tb_ev_free(&ev);
	return check_done();
}
