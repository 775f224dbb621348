/* libFuzzer target for the parsers of untrusted input: the report recogniser and printers
 * (SNP, TDX, raw or hex) and the evidence parser with the decision made from it. */
#include <stdint.h>
#include <stdio.h>

#include "attest/evidence.h"
#include "attest/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *null;
	if (!null)
		null = fopen("/dev/null", "w");
	static struct tb_report r;
	char err[256];
	if (tb_report_parse(data, size, &r, err, sizeof(err)) == 0 && null) {
		for (int json = 0; json < 2; json++) {
			if (r.kind == TB_REPORT_SNP)
				tb_snp_print(r.raw, null, json);
			else
				tb_tdx_print(r.raw, null, json);
		}
	}
	struct tb_evidence ev;
	tb_ev_init(&ev);
	if (tb_ev_parse(&ev, (const char *)data, size, err, sizeof(err)) == 0) {
		static struct tb_cc_decision d;
		tb_cc_decide(&ev, &d);
	}
	tb_ev_free(&ev);
	return 0;
}
