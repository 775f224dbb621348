/* Hardware attestation reports: the AMD SEV-SNP ATTESTATION_REPORT (SEV-SNP firmware ABI,
 * "ATTESTATION_REPORT Structure", 1184 bytes) and the Intel TDX TDREPORT (1024 bytes). */
#ifndef TB_ATTEST_REPORT_H
#define TB_ATTEST_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define TB_SNP_REPORT_SIZE 1184
#define TB_TDX_REPORT_SIZE 1024
#define TB_REPORT_DATA_SIZE 64
/* The SNP signature covers bytes 0x000..0x29F; R and S follow, little-endian, 72 bytes each. */
#define TB_SNP_SIGNED_SIZE 0x2a0
#define TB_SNP_REPORT_DATA 0x50
#define TB_SNP_SIG_R 0x2a0
#define TB_SNP_SIG_S 0x2e8
#define TB_SNP_SIG_COMPONENT 72

enum tb_report_kind { TB_REPORT_SNP, TB_REPORT_TDX };

struct tb_report {
	enum tb_report_kind kind;
	size_t len;
	unsigned char raw[TB_SNP_REPORT_SIZE];
};

/* Accepts the raw bytes or hex text of either report; checks the size, the SNP version
 * (2, 3, 5) or the TDREPORT type (0x81). Returns 0, or -EINVAL with one line in err. */
int tb_report_parse(const unsigned char *buf, size_t len, struct tb_report *r, char *err,
		    size_t err_len);

/* Field printers: "name: value" lines, or one JSON object. */
void tb_snp_print(const unsigned char *report, FILE *f, bool json);
void tb_tdx_print(const unsigned char *report, FILE *f, bool json);

/* The AMD KDS URL of the VCEK for this SNP report's chip and reported_tcb. product (Milan,
 * Genoa, Turin) is needed when the report (version 2) does not carry its CPUID; NULL takes
 * it from the report. Returns 0, or -1 with one line in err. */
int tb_snp_kds_url(const unsigned char *report, const char *product, char *url, size_t len,
		   char *err, size_t err_len);

/* Little-endian reads (the reports are little-endian whatever the host is). */
static inline uint64_t tb_le(const unsigned char *p, int bytes)
{
	uint64_t v = 0;
	for (int i = bytes - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

#endif
