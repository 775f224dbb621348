/* What the emulated guest interfaces (tsm_emul, guestdev_emul, cuse_sevguest) share: the
 * template report, the VCEK key, and making a signed SNP report from them. */
#ifndef TB_TEST_EMUL_SNP_H
#define TB_TEST_EMUL_SNP_H

#include <openssl/evp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

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

/* The options every emulator takes. */
struct emul_opts {
	const char *template, *key; /* --template FILE, --vcek-key PEM */
	FILE *log;                  /* --log FILE, appended to (emul_log) */
	bool firmware_error;        /* --firmware-error: requests fail as the firmware's would */
	long delay_ms;              /* --delay-ms N: each answer waits that long (emul_delay) */
};

/* When argv[*i] is one of emul_opts' options and has its value, takes it into o, moves *i to
 * the option's last word and returns true; else false. */
bool emul_option(struct emul_opts *o, int argc, char **argv, int *i);
/* Waits ms milliseconds (not at all when ms <= 0): a slow firmware. */
void emul_delay(long ms);

/* One line of the emulator's log (--log FILE, which the test reads back), flushed at once so
 * that the test sees it while the emulator still runs; nothing when log is NULL. */
void emul_log(FILE *log, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
