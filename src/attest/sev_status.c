/* SEV_STATUS (MSR 0xC0010131) bits to the feature names Linux prints in "SEV: Status:". */
#include <stdio.h>
#include <string.h>

#include "attest/evidence.h"

/* Bit positions from arch/x86/include/asm/msr-index.h (MSR_AMD64_SEV_*_BIT, MSR_AMD64_SNP_*_BIT),
 * names from sev_status_feat_names[] in arch/x86/coco/sev/core.c, so cc_features reads like the
 * guest's own boot log. Bits 13, 15 and 19-22 are reserved. */
static const char *const sev_bits[64] = {
	[0] = "SEV",          [1] = "SEV-ES",     [2] = "SEV-SNP",     [3] = "vTom",
	[4] = "ReflectVC",    [5] = "RI",         [6] = "AI",          [7] = "DebugSwap",
	[8] = "NoHostIBS",    [9] = "BTBIsol",    [10] = "VmplSSS",    [11] = "SecureTSC",
	[12] = "VMGExitParam", [14] = "IBSVirt",  [16] = "VMSARegProt", [17] = "SMTProt",
	[18] = "SecureAVIC",  [23] = "IBPBOnEntry",
};

static void append_word(char *out, size_t len, const char *word)
{
	size_t n = strlen(out);
	snprintf(out + n, len - n, "%s%s", n ? " " : "", word);
}

void tb_sev_status_features(uint64_t status, char *out, size_t out_len)
{
	out[0] = '\0';
	for (int b = 0; b < 64; b++) {
		if (!(status & (1ull << b)))
			continue;
		char unk[16];
		snprintf(unk, sizeof(unk), "bit%d", b); /* a bit newer than this table */
		append_word(out, out_len, sev_bits[b] ? sev_bits[b] : unk);
	}
}

