/* Recognises a report file: raw bytes or hex text, SNP (1184 bytes) or TDREPORT (1024). */
#include <errno.h>
#include <string.h>

#include "attest/fileio.h"
#include "attest/report.h"

static bool looks_like_text(const unsigned char *buf, size_t len)
{
	size_t i = len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0 ? 3 : 0; /* a BOM */
	for (; i < len; i++) {
		unsigned char c = buf[i];
		if (c < 0x20 && c != '\n' && c != '\r' && c != '\t')
			return false;
		if (c >= 0x7f)
			return false;
	}
	return len > 0;
}

int tb_report_parse(const unsigned char *buf, size_t len, struct tb_report *r, char *err,
		    size_t err_len)
{
	memset(r, 0, sizeof(*r));
	if (len == TB_SNP_REPORT_SIZE || len == TB_TDX_REPORT_SIZE) {
		memcpy(r->raw, buf, len);
		r->len = len;
	} else if (looks_like_text(buf, len)) {
		long n = tb_hex_decode((const char *)buf, len, r->raw, sizeof(r->raw));
		if (n == -ERANGE) {
			snprintf(err, err_len, "hex text longer than an SNP report (%d bytes)",
				 TB_SNP_REPORT_SIZE);
			return -EINVAL;
		}
		if (n < 0) {
			snprintf(err, err_len, "neither a binary report nor hex text (bad hex digits)");
			return -EINVAL;
		}
		r->len = (size_t)n;
	} else {
		r->len = len;
	}
	if (r->len == TB_SNP_REPORT_SIZE) {
		r->kind = TB_REPORT_SNP;
		uint32_t v = (uint32_t)tb_le(r->raw, 4);
		if (v != 2 && v != 3 && v != 5) {
			snprintf(err, err_len, "unknown SNP report version %u (known: 2, 3, 5)", v);
			return -EINVAL;
		}
		return 0;
	}
	if (r->len == TB_TDX_REPORT_SIZE) {
		r->kind = TB_REPORT_TDX;
		if (r->raw[0] != 0x81) {
			snprintf(err, err_len, "not a TDREPORT: report type 0x%02x, want 0x81 (TDX)",
				 r->raw[0]);
			return -EINVAL;
		}
		return 0;
	}
	snprintf(err, err_len, "%zu bytes: an SNP report has %d, a TDREPORT %d (truncated or not a report)",
		 r->len, TB_SNP_REPORT_SIZE, TB_TDX_REPORT_SIZE);
	return -EINVAL;
}
