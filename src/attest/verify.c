/* SNP report signature checks with OpenSSL libcrypto: the report's bytes 0x000..0x29F are
 * signed with ECDSA P-384 / SHA-384 by the VCEK; R and S are stored little-endian, 72 bytes
 * each (SEV-SNP ABI "Signature Format"); with a chain, ASK signs the VCEK and ARK signs ASK
 * (RSA-PSS) and itself. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "attest/fileio.h"
#include "attest/report.h"
#include "attest/verify.h"
#include "tinyben/ctx.h"

#ifdef TB_HAVE_CRYPTO
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#define CERT_MAX (1u << 20)

/* Reads up to max certificates, PEM or (a single) DER. Returns the count, or -errno. */
static int load_certs(const char *path, X509 **out, int max, char *msg, size_t msg_len)
{
	unsigned char *buf;
	size_t len;
	int rc = tb_read_file(path, CERT_MAX, &buf, &len);
	if (rc) {
		snprintf(msg, msg_len, "%s: %s", path, rc == -EFBIG ? "too large for a certificate" : strerror(-rc));
		return rc;
	}
	int n = 0;
	BIO *bio = BIO_new_mem_buf(buf, (int)len);
	while (bio && n < max) {
		X509 *c = PEM_read_bio_X509(bio, NULL, NULL, NULL);
		if (!c)
			break;
		out[n++] = c;
	}
	BIO_free(bio);
	if (n == 0) {
		const unsigned char *p = buf;
		X509 *c = d2i_X509(NULL, &p, (long)len);
		if (c)
			out[n++] = c;
	}
	free(buf);
	if (n == 0) {
		snprintf(msg, msg_len, "%s: not a certificate (PEM or DER)", path);
		return -EINVAL;
	}
	return n;
}

static int check_report(const unsigned char *report, X509 *vcek, char *msg, size_t msg_len)
{
	EVP_PKEY *key = X509_get0_pubkey(vcek);
	char group[64] = "";
	size_t glen = 0;
	if (!key || EVP_PKEY_get_base_id(key) != EVP_PKEY_EC ||
	    !EVP_PKEY_get_group_name(key, group, sizeof(group), &glen) ||
	    strcmp(group, "secp384r1") != 0) {
		snprintf(msg, msg_len, "VCEK key is not ECDSA P-384");
		return -EINVAL;
	}
	ECDSA_SIG *sig = ECDSA_SIG_new();
	BIGNUM *r = BN_lebin2bn(report + TB_SNP_SIG_R, TB_SNP_SIG_COMPONENT, NULL);
	BIGNUM *s = BN_lebin2bn(report + TB_SNP_SIG_S, TB_SNP_SIG_COMPONENT, NULL);
	unsigned char *der = NULL;
	int der_len = -1, ok = 0;
	if (sig && r && s && ECDSA_SIG_set0(sig, r, s)) {
		r = s = NULL; /* owned by sig now */
		der_len = i2d_ECDSA_SIG(sig, &der);
	}
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (der_len > 0 && ctx &&
	    EVP_DigestVerifyInit(ctx, NULL, EVP_sha384(), NULL, key) == 1)
		ok = EVP_DigestVerify(ctx, der, (size_t)der_len, report, TB_SNP_SIGNED_SIZE) == 1;
	EVP_MD_CTX_free(ctx);
	OPENSSL_free(der);
	BN_free(r);
	BN_free(s);
	ECDSA_SIG_free(sig);
	snprintf(msg, msg_len, ok ? "report signature valid (ECDSA P-384/SHA-384, VCEK)"
				  : "report signature INVALID for this VCEK");
	return ok ? 0 : 1;
}

/* Value of a VCEK extension (AMD KDS spec, VCEK certificate extensions 1.3.6.1.4.1.3704.1.*). */
static const unsigned char *ext_value(X509 *c, const char *oid, int *len)
{
	ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
	int i = obj ? X509_get_ext_by_OBJ(c, obj, -1) : -1;
	ASN1_OBJECT_free(obj);
	if (i < 0)
		return NULL;
	ASN1_OCTET_STRING *d = X509_EXTENSION_get_data(X509_get_ext(c, i));
	*len = ASN1_STRING_length(d);
	return ASN1_STRING_get0_data(d);
}

/* An SPL extension is a DER INTEGER 0..255: 02 01 xx (or 02 02 00 xx above 127). */
static int ext_spl(X509 *c, const char *oid)
{
	int len = 0;
	const unsigned char *p = ext_value(c, oid, &len);
	if (p && len == 3 && p[0] == 0x02 && p[1] == 1 && p[2] < 0x80)
		return p[2];
	if (p && len == 4 && p[0] == 0x02 && p[1] == 2 && p[2] == 0)
		return p[3];
	return -1;
}

/* The VCEK is derived for one chip at one TCB: its extensions must name the report's
 * chip_id and reported_tcb (else it is the wrong certificate, even if fetched from AMD). */
static int check_vcek_matches(const unsigned char *report, X509 *vcek, char *msg, size_t msg_len)
{
	const unsigned char *tcb = report + 0x180;
	bool turin = tb_le(report, 4) >= 3 && report[0x188] == 0x1a;
	static const struct { const char *oid, *name; int milan, turin; } spl[] = {
		{ "1.3.6.1.4.1.3704.1.3.1", "bootloader", 0, 1 },
		{ "1.3.6.1.4.1.3704.1.3.2", "tee", 1, 2 },
		{ "1.3.6.1.4.1.3704.1.3.3", "snp", 6, 3 },
		{ "1.3.6.1.4.1.3704.1.3.8", "microcode", 7, 7 },
	};
	for (size_t i = 0; i < sizeof(spl) / sizeof(spl[0]); i++) {
		int want = tcb[turin ? spl[i].turin : spl[i].milan];
		int got = ext_spl(vcek, spl[i].oid);
		if (got < 0) {
			snprintf(msg, msg_len, "VCEK has no %s SPL extension", spl[i].name);
			return -EINVAL;
		}
		if (got != want) {
			snprintf(msg, msg_len, "VCEK is for %s SPL %d, the report's reported_tcb has %d",
				 spl[i].name, got, want);
			return 1;
		}
	}
	int len = 0;
	const unsigned char *hwid = ext_value(vcek, "1.3.6.1.4.1.3704.1.4", &len);
	static const unsigned char zero[64];
	/* MASK_CHIP_ID zeroes chip_id; a VLEK has no hwID: nothing to compare then. */
	if (hwid && memcmp(report + 0x1a0, zero, 64) != 0) {
		if (len == 66 && hwid[0] == 0x04 && hwid[1] == 64) {
			hwid += 2; /* wrapped in an OCTET STRING */
			len = 64;
		}
		if (len != 64 || memcmp(hwid, report + 0x1a0, 64) != 0) {
			snprintf(msg, msg_len, "VCEK is for another chip (hwID differs from chip_id)");
			return 1;
		}
	}
	snprintf(msg, msg_len, "VCEK matches %sreported_tcb", hwid ? "chip_id and " : "");
	return 0;
}

/* A certificate is good only between its notBefore and notAfter: an expired VCEK, or one
 * dated in the future, must not make a report "valid" (issue 24.7). */
static int check_dates(X509 *c, const char *name, time_t at, char *msg, size_t msg_len)
{
	const ASN1_TIME *nb = X509_get0_notBefore(c), *na = X509_get0_notAfter(c);
	int before = nb ? X509_cmp_time(nb, &at) : 0, after = na ? X509_cmp_time(na, &at) : 0;
	struct tm tm;
	char when[32] = "?";
	if (before == 0 || after == 0) {
		snprintf(msg, msg_len, "%s: its validity dates cannot be read", name);
		return 1;
	}
	if (before > 0 || after < 0) {
		if (ASN1_TIME_to_tm(before > 0 ? nb : na, &tm) == 1)
			strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
		snprintf(msg, msg_len, "%s is %s %s", name,
			 before > 0 ? "not valid before" : "expired since", when);
		return 1;
	}
	return 0;
}

static bool self_signed(X509 *c)
{
	return X509_check_issued(c, c) == X509_V_OK;
}

static int check_chain(X509 *vcek, const char *chain_path, time_t at, char *msg, size_t msg_len)
{
	X509 *certs[4] = { 0 };
	int n = load_certs(chain_path, certs, 4, msg, msg_len);
	if (n < 0)
		return n;
	X509 *ark = NULL, *ask = NULL;
	for (int i = 0; i < n; i++) {
		if (self_signed(certs[i]) && !ark)
			ark = certs[i];
		else if (!ask && X509_cmp(certs[i], vcek) != 0) /* a chain file may hold it too */
			ask = certs[i];
	}
	int rc;
	if (!ark || !ask) {
		snprintf(msg, msg_len, "%s: want the ASK and the (self-signed) ARK certificates",
			 chain_path);
		rc = -EINVAL;
	} else if (X509_verify(ark, X509_get0_pubkey(ark)) != 1) {
		snprintf(msg, msg_len, "ARK self-signature INVALID");
		rc = 1;
	} else if (X509_verify(ask, X509_get0_pubkey(ark)) != 1) {
		snprintf(msg, msg_len, "ASK is NOT signed by the ARK");
		rc = 1;
	} else if (X509_verify(vcek, X509_get0_pubkey(ask)) != 1) {
		snprintf(msg, msg_len, "VCEK is NOT signed by the ASK");
		rc = 1;
	} else if (check_dates(ark, "ARK", at, msg, msg_len) ||
		   check_dates(ask, "ASK", at, msg, msg_len)) {
		rc = 1;
	} else {
		snprintf(msg, msg_len, "chain valid: ARK signs itself and the ASK, the ASK signs the VCEK");
		rc = 0;
	}
	for (int i = 0; i < n; i++)
		X509_free(certs[i]);
	return rc;
}

int tb_snp_verify(const unsigned char *report, const char *vcek_path, const char *chain_path,
		  time_t at, char *msg, size_t msg_len)
{
	uint32_t algo = (uint32_t)tb_le(report + 0x34, 4);
	if (algo != 1) {
		snprintf(msg, msg_len, "signature algorithm %u is not ECDSA P-384/SHA-384 (1)", algo);
		return -EINVAL;
	}
	X509 *vcek[1] = { 0 };
	int rc = load_certs(vcek_path, vcek, 1, msg, msg_len);
	if (rc < 0)
		return rc;
	char chain_msg[256] = "";
	rc = check_dates(vcek[0], "VCEK", at, msg, msg_len);
	if (rc != 0) {
		X509_free(vcek[0]);
		return rc;
	}
	if (chain_path) {
		rc = check_chain(vcek[0], chain_path, at, chain_msg, sizeof(chain_msg));
		if (rc != 0) {
			snprintf(msg, msg_len, "%s", chain_msg);
			X509_free(vcek[0]);
			return rc;
		}
	}
	rc = check_report(report, vcek[0], msg, msg_len);
	char match_msg[256] = "";
	if (rc == 0)
		rc = check_vcek_matches(report, vcek[0], match_msg, sizeof(match_msg));
	if (rc != 0 && match_msg[0]) {
		snprintf(msg, msg_len, "%s", match_msg);
	} else if (rc == 0) {
		size_t n = strlen(msg);
		snprintf(msg + n, msg_len - n, "; %s%s%s", match_msg, chain_path ? "; " : "",
			 chain_path ? chain_msg : "");
	}
	X509_free(vcek[0]);
	return rc;
}

int tb_sha512_file(const char *path, unsigned char out[64])
{
	int rc;
	FILE *f = tb_open_input(path, &rc);
	if (!f)
		return rc;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	rc = ctx && EVP_DigestInit_ex(ctx, EVP_sha512(), NULL) == 1 ? 0 : -ENOMEM;
	unsigned char buf[65536];
	size_t n;
	/* /dev/zero never ends: a signal must. */
	while (!rc && !tb_interrupted() && (n = fread(buf, 1, sizeof(buf), f)) > 0)
		if (EVP_DigestUpdate(ctx, buf, n) != 1)
			rc = -EIO;
	if (!rc && tb_interrupted())
		rc = -EINTR;
	if (!rc && ferror(f))
		rc = -EIO;
	unsigned int len = 0;
	if (!rc && (EVP_DigestFinal_ex(ctx, out, &len) != 1 || len != 64))
		rc = -EIO;
	EVP_MD_CTX_free(ctx);
	fclose(f);
	return rc;
}

#else /* !TB_HAVE_CRYPTO */

int tb_snp_verify(const unsigned char *report, const char *vcek_path, const char *chain_path,
		  time_t at, char *msg, size_t msg_len)
{
	(void)at;
	(void)report;
	(void)vcek_path;
	(void)chain_path;
	snprintf(msg, msg_len, "built without libcrypto: rebuild with meson -Dcrypto=enabled");
	return -ENOTSUP;
}

#endif
