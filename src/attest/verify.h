/* Signature checks of SNP reports (ECDSA P-384 / SHA-384 by the VCEK, VCEK <- ASK <- ARK),
 * and the SHA-512 used to bind a file into report_data. Both need libcrypto for the former. */
#ifndef TB_ATTEST_VERIFY_H
#define TB_ATTEST_VERIFY_H

#include <stddef.h>
#include <time.h>

/* Returns 0 when every check passed, 1 when a signature is invalid or a certificate is
 * not valid at time `at` (expired, not yet valid: msg says which), or a negative errno for
 * bad input (unreadable certificate, wrong key type; msg says why). */
int tb_snp_verify(const unsigned char *report, const char *vcek_path, const char *chain_path,
		  time_t at, char *msg, size_t msg_len);

/* SHA-512 of a whole file. Returns 0, -EISDIR for a directory, -EINTR once SIGINT/SIGTERM
 * arrived (an endless input such as /dev/zero or a silent FIFO ends there), or -errno. */
int tb_sha512_file(const char *path, unsigned char out[64]);

#endif
