/* The Intel TDX TDREPORT (TDX module ABI, TDREPORT_STRUCT, 1024 bytes): REPORTMACSTRUCT at
 * 0, TEE_TCB_INFO at 256, TDINFO at 512. The MAC binds it to the platform; it is not signed. */
#include "attest/emit.h"
#include "attest/report.h"

void tb_tdx_print(const unsigned char *r, FILE *f, bool json)
{
	struct tb_emit e;
	tb_emit_begin(&e, f, json);
	tb_emit_str(&e, "type", "tdx");
	/* REPORTMACSTRUCT */
	tb_emit_u64(&e, "report_type", r[0], true);
	tb_emit_u64(&e, "report_subtype", r[1], false);
	tb_emit_u64(&e, "report_version", r[2], false);
	tb_emit_bytes(&e, "cpusvn", r + 16, 16);
	tb_emit_bytes(&e, "tee_tcb_info_hash", r + 32, 48);
	tb_emit_bytes(&e, "tee_info_hash", r + 80, 48);
	tb_emit_bytes(&e, "report_data", r + 128, 64);
	tb_emit_bytes(&e, "mac", r + 224, 32);
	/* TEE_TCB_INFO */
	tb_emit_bytes(&e, "tee_tcb_info_valid", r + 256, 8);
	tb_emit_bytes(&e, "tee_tcb_svn", r + 264, 16);
	tb_emit_bytes(&e, "mrseam", r + 280, 48);
	tb_emit_bytes(&e, "mrsignerseam", r + 328, 48);
	tb_emit_u64(&e, "seam_attributes", tb_le(r + 376, 8), true);
	tb_emit_bytes(&e, "tee_tcb_svn2", r + 384, 16);
	/* TDINFO */
	uint64_t attr = tb_le(r + 512, 8);
	tb_emit_u64(&e, "td_attributes", attr, true);
	tb_emit_obj(&e, "td_attributes_decoded");
	tb_emit_bool(&e, "debug", attr & 1);
	tb_emit_bool(&e, "sept_ve_disable", attr >> 28 & 1);
	tb_emit_bool(&e, "pks", attr >> 30 & 1);
	tb_emit_bool(&e, "kl", attr >> 31 & 1);
	tb_emit_bool(&e, "perfmon", attr >> 63 & 1);
	tb_emit_close(&e);
	tb_emit_u64(&e, "xfam", tb_le(r + 520, 8), true);
	tb_emit_bytes(&e, "mrtd", r + 528, 48);
	tb_emit_bytes(&e, "mrconfigid", r + 576, 48);
	tb_emit_bytes(&e, "mrowner", r + 624, 48);
	tb_emit_bytes(&e, "mrownerconfig", r + 672, 48);
	tb_emit_bytes(&e, "rtmr0", r + 720, 48);
	tb_emit_bytes(&e, "rtmr1", r + 768, 48);
	tb_emit_bytes(&e, "rtmr2", r + 816, 48);
	tb_emit_bytes(&e, "rtmr3", r + 864, 48);
	tb_emit_bytes(&e, "servtd_hash", r + 912, 48);
	tb_emit_end(&e);
}
