/* Fetching a report from the guest's hardware: configfs-tsm, /dev/sev-guest, /dev/tdx_guest. */
#ifndef TB_ATTEST_FETCH_H
#define TB_ATTEST_FETCH_H

#include <stddef.h>

#define TB_FETCH_MAX (64 * 1024)

/* Fills out (cap bytes) with the report bound to report_data. Returns 0 and sets *len and
 * `how` (the interface and the report kind), -ENODEV when the guest has no interface (err
 * lists what was looked for), or another -errno with a one-line reason in err. Never
 * retries after a firmware error: the SNP firmware may disable the guest's key. */
int tb_attest_fetch(const unsigned char report_data[64], unsigned char *out, size_t cap,
		    size_t *len, char *how, size_t how_len, char *err, size_t err_len);

/* The pieces, for cc.attest (one request each, the same code as above). */
#define TB_TSM_DIR "/sys/kernel/config/tsm/report"
/* configfs-tsm under base (TB_TSM_DIR): an entry made and removed per call. Returns 0, 1
 * when no entry could be made (nothing was asked of the firmware; err says why), or -errno. */
int tb_attest_fetch_tsm(const char *base, const unsigned char rd[64], unsigned char *out,
			size_t cap, size_t *len, char *how, size_t how_len, char *err,
			size_t err_len);
/* The provider attribute of a fresh entry under base ("sev_guest", "tdx_guest"): 0 or -errno. */
int tb_attest_tsm_provider(const char *base, char *provider, size_t len);
/* On an open /dev/sev-guest: SNP_GET_REPORT, and SNP_GET_EXT_REPORT with the certificates
 * into certs (certs_cap bytes, page aligned; *certs_len: what the host holds). */
int tb_attest_fetch_snp(int fd, const unsigned char rd[64], unsigned char *out, size_t cap,
			size_t *len, char *err, size_t err_len);
int tb_attest_fetch_snp_ext(int fd, const unsigned char rd[64], unsigned char *out,
			    size_t cap, size_t *len, unsigned char *certs, size_t certs_cap,
			    size_t *certs_len, char *err, size_t err_len);
/* On an open /dev/tdx_guest: TDX_CMD_GET_REPORT0. */
int tb_attest_fetch_tdx(int fd, const unsigned char rd[64], unsigned char *out, size_t cap,
			size_t *len, char *err, size_t err_len);

#endif
