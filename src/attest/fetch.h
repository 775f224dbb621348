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

#endif
