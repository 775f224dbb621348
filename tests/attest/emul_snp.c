/* Signed SNP reports for the emulated guest interfaces (see emul_snp.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/ecdsa.h>
#include <openssl/pem.h>

#include "emul_snp.h"

bool emul_option(struct emul_opts *o, int argc, char **argv, int *i)
{
	const char *a = argv[*i], *v = *i + 1 < argc ? argv[*i + 1] : NULL;
	if (strcmp(a, "--firmware-error") == 0) {
		o->firmware_error = true;
		return true;
	}
	if (!v)
		return false;
	if (strcmp(a, "--template") == 0)
		o->template = v;
	else if (strcmp(a, "--vcek-key") == 0)
		o->key = v;
	else if (strcmp(a, "--log") == 0)
		o->log = fopen(v, "a");
	else if (strcmp(a, "--delay-ms") == 0)
		o->delay_ms = strtol(v, NULL, 10);
	else
		return false;
	++*i;
	return true;
}

void emul_delay(long ms)
{
	if (ms > 0)
		nanosleep(&(struct timespec){ ms / 1000, ms % 1000 * 1000000L }, NULL);
}

void emul_log(FILE *log, const char *fmt, ...)
{
	if (!log)
		return;
	va_list ap;
	va_start(ap, fmt);
	vfprintf(log, fmt, ap);
	va_end(ap);
	fputc('\n', log);
	fflush(log);
}

int emul_load_template(const char *path, size_t size, unsigned char *out)
{
	FILE *f = fopen(path, "rb");
	size_t got = f ? fread(out, 1, size, f) : 0;
	int more = f ? fgetc(f) : EOF;
	if (f)
		fclose(f);
	if (got != size || more != EOF) {
		fprintf(stderr, "%s: want a %zu-byte report\n", path, size);
		return -1;
	}
	return 0;
}

EVP_PKEY *emul_load_key(const char *path)
{
	FILE *f = path ? fopen(path, "r") : NULL;
	EVP_PKEY *key = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
	if (f)
		fclose(f);
	if (!key)
		fprintf(stderr, "%s: want the VCEK's PEM private key\n", path ? path : "--vcek-key");
	return key;
}

int emul_snp_report(const unsigned char *template, EVP_PKEY *key, const unsigned char *rd,
		    uint32_t vmpl, unsigned char *out)
{
	memcpy(out, template, EMUL_SNP_SIZE);
	for (int i = 0; i < 4; i++)
		out[0x30 + i] = (unsigned char)(vmpl >> (8 * i));
	memcpy(out + 0x50, rd, 64);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char der[256];
	size_t der_len = sizeof(der);
	int ok = ctx && EVP_DigestSignInit(ctx, NULL, EVP_sha384(), NULL, key) == 1 &&
		 EVP_DigestSign(ctx, der, &der_len, out, 0x2a0) == 1;
	EVP_MD_CTX_free(ctx);
	const unsigned char *p = der;
	ECDSA_SIG *sig = ok ? d2i_ECDSA_SIG(NULL, &p, (long)der_len) : NULL;
	if (!sig)
		return -EIO;
	BN_bn2lebinpad(ECDSA_SIG_get0_r(sig), out + 0x2a0, 72);
	BN_bn2lebinpad(ECDSA_SIG_get0_s(sig), out + 0x2e8, 72);
	ECDSA_SIG_free(sig);
	return 0;
}
