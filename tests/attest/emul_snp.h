/* What the emulated guest interfaces (tsm_emul, guestdev_emul, cuse_sevguest) share: the
 * template report, the VCEK key, and making a signed SNP report from them. */
#ifndef TB_TEST_EMUL_SNP_H
#define TB_TEST_EMUL_SNP_H

#include <openssl/evp.h>
#include <stddef.h>
#include <stdint.h>

#define EMUL_SNP_SIZE 1184
#define EMUL_TDX_SIZE 1024

/* Reads exactly `size` bytes of path into out; 0, or -1 with a message on stderr. */
int emul_load_template(const char *path, size_t size, unsigned char *out);
/* The PEM private key of the VCEK, or NULL with a message on stderr. */
EVP_PKEY *emul_load_key(const char *path);
/* out = template with report_data (64 bytes) and VMPL filled in, signed ECDSA P-384 /
 * SHA-384 over bytes 0..0x29F, R and S little-endian at 0x2A0 and 0x2E8 (SEV-SNP ABI).
 * Returns 0 or -EIO. */
int emul_snp_report(const unsigned char *template, EVP_PKEY *key, const unsigned char *rd,
		    uint32_t vmpl, unsigned char *out);

#endif
