/* The guest drivers' ioctl interfaces, declared here from the kernel's uapi layouts so the
 * build does not need recent kernel headers: include/uapi/linux/sev-guest.h (SNP_GET_REPORT)
 * and include/uapi/linux/tdx-guest.h (TDX_CMD_GET_REPORT0, Linux 6.2+). tests/attest/
 * test_uapi.c checks them field by field against the installed headers. */
#ifndef TB_ATTEST_UAPI_H
#define TB_ATTEST_UAPI_H

#include <stdint.h>
#include <sys/ioctl.h>

/* The request names the report_data and the VMPL. */
struct tb_snp_report_req {
	uint8_t user_data[64];
	uint32_t vmpl;
	uint8_t rsvd[28];
};

/* The response buffer holds the firmware's MSG_REPORT_RSP (SEV-SNP ABI): status, report
 * size, 24 reserved bytes, then the report. */
struct tb_snp_report_resp {
	uint8_t data[4000];
};
#define TB_SNP_RSP_STATUS 0
#define TB_SNP_RSP_SIZE 4
#define TB_SNP_RSP_REPORT 0x20

struct tb_snp_guest_request_ioctl {
	uint8_t msg_version;
	uint64_t req_data;
	uint64_t resp_data;
	union {
		uint64_t exitinfo2;
		struct {
			uint32_t fw_error;  /* firmware status (psp-sev.h SEV_RET_*) */
			uint32_t vmm_error; /* the hypervisor's, e.g. 1: invalid certificate length */
		};
	};
};
#define TB_SNP_GET_REPORT _IOWR('S', 0x0, struct tb_snp_guest_request_ioctl)

/* SNP_GET_EXT_REPORT: the same request, and a buffer (page-aligned, a multiple of 4 KiB)
 * for the host's certificate table (VCEK, ASK, ARK); the driver sets certs_len to what the
 * host holds, and asks for more with EIO and VMM error 1 when the buffer is too small. */
struct tb_snp_ext_report_req {
	struct tb_snp_report_req data;
	uint64_t certs_address;
	uint32_t certs_len;
};
#define TB_SNP_GET_EXT_REPORT _IOWR('S', 0x2, struct tb_snp_guest_request_ioctl)

/* tdx-guest.h: report data in, TDREPORT_STRUCT out. */
struct tb_tdx_report_req {
	uint8_t reportdata[64];
	uint8_t tdreport[1024];
};
#define TB_TDX_CMD_GET_REPORT0 _IOWR('T', 1, struct tb_tdx_report_req)

_Static_assert(sizeof(struct tb_snp_report_req) == 96, "snp_report_req layout");
_Static_assert(sizeof(struct tb_snp_guest_request_ioctl) == 32, "snp_guest_request_ioctl layout");
_Static_assert(sizeof(struct tb_snp_ext_report_req) == 112, "snp_ext_report_req layout");
_Static_assert(sizeof(struct tb_tdx_report_req) == 1088, "tdx_report_req layout");

#endif
