/* The AMD SEV-SNP ATTESTATION_REPORT (SEV-SNP Firmware ABI spec, "ATTESTATION_REPORT
 * Structure"): field offsets, versions 2, 3 and 5, policy / TCB / platform decoding. */
#include "attest/emit.h"
#include "attest/report.h"

/* TCB_VERSION: Milan/Genoa put BOOT_LOADER, TEE in bytes 0-1, SNP in 6, MICROCODE in 7;
 * Turin (family 0x1A, report version >= 3 tells the family) puts FMC, BOOT_LOADER, TEE, SNP
 * in bytes 0-3 and MICROCODE in 7. */
static void tcb(struct tb_emit *e, const char *name, const unsigned char *p, bool turin)
{
	char dec[48];
	snprintf(dec, sizeof(dec), "%s_decoded", name);
	tb_emit_u64(e, name, tb_le(p, 8), true);
	tb_emit_obj(e, dec);
	if (turin) {
		tb_emit_u64(e, "fmc", p[0], false);
		tb_emit_u64(e, "bootloader", p[1], false);
		tb_emit_u64(e, "tee", p[2], false);
		tb_emit_u64(e, "snp", p[3], false);
	} else {
		tb_emit_u64(e, "bootloader", p[0], false);
		tb_emit_u64(e, "tee", p[1], false);
		tb_emit_u64(e, "snp", p[6], false);
	}
	tb_emit_u64(e, "microcode", p[7], false);
	tb_emit_close(e);
}

/* The named bits of v, lowest first, as booleans (a bit without a name is not shown). */
static void flags(struct tb_emit *e, uint64_t v, const char *const names[64])
{
	for (unsigned bit = 0; bit < 64; bit++)
		if (names[bit])
			tb_emit_bool(e, names[bit], v >> bit & 1);
}

static void policy(struct tb_emit *e, uint64_t v)
{
	/* Guest policy bits (ABI spec "GUEST_POLICY"): 17 is reserved and must be one. */
	static const char *const bits[64] = {
		[16] = "smt", [18] = "migrate_ma", [19] = "debug", [20] = "single_socket",
		[21] = "cxl_allow", [22] = "mem_aes_256_xts", [23] = "rapl_dis",
		[24] = "ciphertext_hiding", [25] = "page_swap_disable",
	};
	tb_emit_u64(e, "policy", v, true);
	tb_emit_obj(e, "policy_decoded");
	tb_emit_u64(e, "abi_minor", v & 0xff, false);
	tb_emit_u64(e, "abi_major", (v >> 8) & 0xff, false);
	flags(e, v, bits);
	tb_emit_close(e);
}

static void platform_info(struct tb_emit *e, uint64_t v)
{
	static const char *const bits[64] = {
		[0] = "smt_en", [1] = "tsme_en", [2] = "ecc_en", [3] = "rapl_dis",
		[4] = "ciphertext_hiding_en", [5] = "alias_check_complete", [7] = "tio_en",
	};
	tb_emit_u64(e, "platform_info", v, true);
	tb_emit_obj(e, "platform_info_decoded");
	flags(e, v, bits);
	tb_emit_close(e);
}

static const char *signing_key_name(unsigned k)
{
	switch (k) {
	case 0: return "vcek";
	case 1: return "vlek";
	case 7: return "none";
	default: return "reserved";
	}
}

void tb_snp_print(const unsigned char *r, FILE *f, bool json)
{
	struct tb_emit e;
	uint32_t version = (uint32_t)tb_le(r, 4);
	bool turin = version >= 3 && r[0x188] == 0x1a;
	tb_emit_begin(&e, f, json);
	tb_emit_str(&e, "type", "sev-snp");
	tb_emit_u64(&e, "version", version, false);
	tb_emit_u64(&e, "guest_svn", tb_le(r + 0x04, 4), false);
	policy(&e, tb_le(r + 0x08, 8));
	tb_emit_bytes(&e, "family_id", r + 0x10, 16);
	tb_emit_bytes(&e, "image_id", r + 0x20, 16);
	tb_emit_u64(&e, "vmpl", tb_le(r + 0x30, 4), false);
	tb_emit_u64(&e, "signature_algo", tb_le(r + 0x34, 4), false);
	tcb(&e, "current_tcb", r + 0x38, turin);
	platform_info(&e, tb_le(r + 0x40, 8));
	uint32_t info = (uint32_t)tb_le(r + 0x48, 4);
	tb_emit_u64(&e, "signer_info", info, true);
	tb_emit_obj(&e, "signer_info_decoded");
	tb_emit_bool(&e, "author_key_en", info & 1);
	tb_emit_bool(&e, "mask_chip_key", info >> 1 & 1);
	tb_emit_str(&e, "signing_key", signing_key_name(info >> 2 & 7));
	tb_emit_close(&e);
	tb_emit_bytes(&e, "report_data", r + 0x50, 64);
	tb_emit_bytes(&e, "measurement", r + 0x90, 48);
	tb_emit_bytes(&e, "host_data", r + 0xc0, 32);
	tb_emit_bytes(&e, "id_key_digest", r + 0xe0, 48);
	tb_emit_bytes(&e, "author_key_digest", r + 0x110, 48);
	tb_emit_bytes(&e, "report_id", r + 0x140, 32);
	tb_emit_bytes(&e, "report_id_ma", r + 0x160, 32);
	tcb(&e, "reported_tcb", r + 0x180, turin);
	if (version >= 3) {
		tb_emit_u64(&e, "cpuid_fam_id", r[0x188], true);
		tb_emit_u64(&e, "cpuid_mod_id", r[0x189], true);
		tb_emit_u64(&e, "cpuid_step", r[0x18a], true);
	}
	tb_emit_bytes(&e, "chip_id", r + 0x1a0, 64);
	tcb(&e, "committed_tcb", r + 0x1e0, turin);
	tb_emit_u64(&e, "current_build", r[0x1e8], false);
	tb_emit_u64(&e, "current_minor", r[0x1e9], false);
	tb_emit_u64(&e, "current_major", r[0x1ea], false);
	tb_emit_u64(&e, "committed_build", r[0x1ec], false);
	tb_emit_u64(&e, "committed_minor", r[0x1ed], false);
	tb_emit_u64(&e, "committed_major", r[0x1ee], false);
	tcb(&e, "launch_tcb", r + 0x1f0, turin);
	if (version >= 5) {
		tb_emit_u64(&e, "launch_mit_vector", tb_le(r + 0x1f8, 8), true);
		tb_emit_u64(&e, "current_mit_vector", tb_le(r + 0x200, 8), true);
	}
	tb_emit_bytes(&e, "signature_r", r + TB_SNP_SIG_R, TB_SNP_SIG_COMPONENT);
	tb_emit_bytes(&e, "signature_s", r + TB_SNP_SIG_S, TB_SNP_SIG_COMPONENT);
	tb_emit_end(&e);
}
