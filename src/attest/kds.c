/* The AMD Key Distribution Service URL of the VCEK that signed an SNP report (AMD "Versioned
 * Chip Endorsement Key (VCEK) Certificate and KDS Interface Specification", 57230): the
 * VCEK is derived per chip and per TCB, so the URL names the product, the chip's hwID and
 * the reported_tcb's security patch levels (SPL), in decimal. */
#include <string.h>

#include "attest/fileio.h"
#include "attest/report.h"

#define KDS_BASE "https://kdsintf.amd.com/vcek/v1/"

/* CPUID family/model to KDS product name: family 0x19 models 0x00-0x0F are Milan, 0x10-0x1F
 * and 0xA0-0xAF (Bergamo, Siena) Genoa; family 0x1A is Turin. */
static const char *product_of(unsigned family, unsigned model)
{
	if (family == 0x19 && model <= 0x0f)
		return "Milan";
	if (family == 0x19 && (model <= 0x1f || (model >= 0xa0 && model <= 0xaf)))
		return "Genoa";
	if (family == 0x1a)
		return "Turin";
	return NULL;
}

int tb_snp_kds_url(const unsigned char *r, const char *product, char *url, size_t len,
		   char *err, size_t err_len)
{
	uint32_t version = (uint32_t)tb_le(r, 4);
	unsigned signing_key = (unsigned)(tb_le(r + 0x48, 4) >> 2 & 7);
	if (signing_key != 0) {
		if (signing_key == 1)
			snprintf(err, err_len, "signed with a VLEK (from the cloud provider), not a "
				 "VCEK: KDS serves VCEKs only");
		else
			snprintf(err, err_len, "signing key type %u, not a VCEK (0): KDS serves VCEKs "
				 "only", signing_key);
		return -1;
	}
	static const unsigned char zero[64];
	if (memcmp(r + 0x1a0, zero, 64) == 0) {
		snprintf(err, err_len, "chip_id is zero (the guest policy masks it): KDS needs the hwID");
		return -1;
	}
	const char *from_cpuid = version >= 3 ? product_of(r[0x188], r[0x189]) : NULL;
	if (!product && !from_cpuid) {
		snprintf(err, err_len, version >= 3
			 ? "unknown CPU family 0x%02x model 0x%02x: name the product with --product "
			   "(Milan, Genoa, Turin)"
			 : "a version %u report does not name its CPU: add --product Milan or Genoa",
			 version >= 3 ? r[0x188] : version, r[0x189]);
		return -1;
	}
	if (product && strcmp(product, "Milan") && strcmp(product, "Genoa") &&
	    strcmp(product, "Turin")) {
		snprintf(err, err_len, "--product %s: want Milan, Genoa or Turin", product);
		return -1;
	}
	if (product && version < 3 && strcmp(product, "Turin") == 0) {
		snprintf(err, err_len, "--product Turin, but a version %u report comes from Milan or "
			 "Genoa (Turin's firmware writes version 3 and later)", version);
		return -1;
	}
	if (product && from_cpuid && strcmp(product, from_cpuid) != 0) {
		snprintf(err, err_len, "--product %s, but the report's CPUID says %s", product,
			 from_cpuid);
		return -1;
	}
	if (!product)
		product = from_cpuid;
	const unsigned char *tcb = r + 0x180; /* reported_tcb: the TCB the VCEK is derived for */
	char hwid[129];
	if (strcmp(product, "Turin") == 0) {
		/* Turin's hwID is the first 8 bytes of chip_id; its TCB adds the FMC SPL. */
		tb_hex_encode(r + 0x1a0, 8, hwid);
		snprintf(url, len, KDS_BASE "Turin/%s?fmcSPL=%02u&blSPL=%02u&teeSPL=%02u&snpSPL=%02u"
			 "&ucodeSPL=%02u", hwid, tcb[0], tcb[1], tcb[2], tcb[3], tcb[7]);
	} else {
		tb_hex_encode(r + 0x1a0, 64, hwid);
		snprintf(url, len, KDS_BASE "%s/%s?blSPL=%02u&teeSPL=%02u&snpSPL=%02u&ucodeSPL=%02u",
			 product, hwid, tcb[0], tcb[1], tcb[6], tcb[7]);
	}
	return 0;
}
