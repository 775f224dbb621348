/* Report parsing and signature checks from real reports (tests/attest/fixtures, copied from
 * ../shared/fixtures/attest): known measurement and policy, valid signature, one flipped bit. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "attest/fileio.h"
#include "attest/report.h"
#include "attest/verify.h"
#include "check.h"

static const char *dir;

/* 2025-06-01T00:00:00Z: inside the validity of the fixture VCEK (2022-09-24..2029-09-24). */
#define FIXTURE_TIME ((time_t)1748736000)

static char *fixture(const char *name)
{
	static char path[4][4096];
	static int i;
	i = (i + 1) % 4;
	snprintf(path[i], sizeof(path[i]), "%s/%s", dir, name);
	return path[i];
}

static int load(const char *name, unsigned char **buf, size_t *len)
{
	return tb_read_file(fixture(name), 1 << 20, buf, len);
}

static int parse(const unsigned char *buf, size_t len, struct tb_report *r, char *err)
{
	return tb_report_parse(buf, len, r, err, 256);
}

#ifdef TB_HAVE_CRYPTO
/* Verifies report bytes with the fixture VCEK (and chain). */
static int verify_bytes(const unsigned char *raw, const char *chain)
{
	char msg[512];
	int rc = tb_snp_verify(raw, fixture("snp-report-v2.vcek.der"), chain, FIXTURE_TIME, msg,
			       sizeof(msg));
	printf("# verify: %d %s\n", rc, msg);
	return rc;
}
#endif

int main(int argc, char **argv)
{
	dir = argc > 1 ? argv[1] : "tests/attest/fixtures";
	unsigned char *buf;
	size_t len;
	char err[256];
	struct tb_report r;
	char hex[2 * 64 + 1];

	/* SNP v2 (go-sev-guest's attestation.bin). */
	CHECK(load("snp-report-v2.bin", &buf, &len) == 0);
	CHECK(len == TB_SNP_REPORT_SIZE);
	CHECK(parse(buf, len, &r, err) == 0);
	CHECK(r.kind == TB_REPORT_SNP);
	CHECK(tb_le(r.raw, 4) == 2);
	CHECK(tb_le(r.raw + 0x08, 8) == 0xb0000);
	tb_hex_encode(r.raw + 0x90, 48, hex);
	CHECK_STR(hex, "b07af9620f3b839b47996422ddec6058338951d984e312115131ea82705eaf5b"
		       "6bdf8a9ece31a5a608eb0cf2e4872b01");
	tb_hex_encode(r.raw + 0x50, 5, hex);
	CHECK_STR(hex, "0102030405");

	/* The same report as hex text, with line breaks, parses to the same bytes. */
	char *text = malloc(2 * len + len / 32 + 2), *p = text;
	for (size_t i = 0; i < len; i += 32) {
		tb_hex_encode(buf + i, 32, p);
		p += 64;
		*p++ = '\n';
	}
	*p = '\0';
	struct tb_report r2;
	CHECK(parse((unsigned char *)text, strlen(text), &r2, err) == 0);
	CHECK(memcmp(r2.raw, r.raw, TB_SNP_REPORT_SIZE) == 0);
	text[100] = 'g'; /* garbage hex */
	CHECK(parse((unsigned char *)text, strlen(text), &r2, err) == -EINVAL);
	CHECK(strstr(err, "hex") != NULL);
	free(text);

	/* Wrong sizes and versions: one clear reason each. */
	CHECK(parse(buf, len - 1, &r2, err) == -EINVAL);
	CHECK(strstr(err, "1183 bytes") != NULL);
	unsigned char v4[TB_SNP_REPORT_SIZE];
	memcpy(v4, buf, sizeof(v4));
	v4[0] = 4;
	CHECK(parse(v4, sizeof(v4), &r2, err) == -EINVAL);
	CHECK(strstr(err, "version 4") != NULL);
	v4[0] = 3;
	CHECK(parse(v4, sizeof(v4), &r2, err) == 0);
	v4[0] = 5;
	CHECK(parse(v4, sizeof(v4), &r2, err) == 0);
	CHECK(parse((const unsigned char *)"", 0, &r2, err) == -EINVAL);

#ifdef TB_HAVE_CRYPTO
	/* A valid signature, the chain, and one flipped bit anywhere signed or in R/S. */
	CHECK(verify_bytes(r.raw, NULL) == 0);
	CHECK(verify_bytes(r.raw, fixture("milan-ask-ark.pem")) == 0);
	unsigned char bad[TB_SNP_REPORT_SIZE];
	static const size_t flips[] = { 0x90, 0x50, 0x29f, TB_SNP_SIG_R + 3, TB_SNP_SIG_S };
	for (size_t i = 0; i < sizeof(flips) / sizeof(flips[0]); i++) {
		memcpy(bad, r.raw, sizeof(bad));
		bad[flips[i]] ^= 0x01;
		CHECK(verify_bytes(bad, NULL) == 1);
	}
	/* The VCEK is not a chain: no self-signed ARK in it. */
	CHECK(verify_bytes(r.raw, fixture("snp-report-v2.vcek.der")) < 0);
	char msg[256];
	CHECK(tb_snp_verify(r.raw, fixture("tdx-tdreport.bin"), NULL, FIXTURE_TIME, msg, sizeof(msg)) == -EINVAL);

#else
	char msg[256];
	CHECK(tb_snp_verify(r.raw, fixture("snp-report-v2.vcek.der"), NULL, FIXTURE_TIME, msg,
			    sizeof(msg)) == -ENOTSUP);
#endif
	/* SHA-512 (libcrypto's, or ours without it) of "abc" (FIPS 180-4) and of 1 MiB of
	 * zeros (crosses the block and padding edges), through the --bind path. */
	static const char *const msgs[] = {
		"abc",
		"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopq"
		"klmnopqrlmnopqrsmnopqrstnopqrstu",
		NULL, /* 1 MiB of zeros */
	};
	static const char *const digests[] = {
		"ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
		"2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
		"8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018"
		"501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909",
		"d6292685b380e338e025b3415a90fe8f9d39a46e7bdba8cb78c50a338cefca74"
		"1f69e4e46411c32de1afdedfb268e579a51f81ff85e56f55b0ee7c33fe8c25c9",
	};
	static unsigned char zeros[1 << 20];
	for (int i = 0; i < 3; i++) {
		char tmp[] = "/tmp/tb-sha-XXXXXX";
		int fd = mkstemp(tmp);
		const void *m = msgs[i] ? (const void *)msgs[i] : zeros;
		size_t n = msgs[i] ? strlen(msgs[i]) : sizeof(zeros);
		CHECK(fd >= 0 && write(fd, m, n) == (ssize_t)n);
		close(fd);
		unsigned char d[64];
		CHECK(tb_sha512_file(tmp, d) == 0);
		unlink(tmp);
		tb_hex_encode(d, 64, hex);
		CHECK_STR(hex, digests[i]);
	}
	free(buf);

	/* TDX TDREPORT (guest-components' tdx_report_1.bin). */
	CHECK(load("tdx-tdreport.bin", &buf, &len) == 0);
	CHECK(parse(buf, len, &r, err) == 0);
	CHECK(r.kind == TB_REPORT_TDX);
	CHECK(r.raw[0] == 0x81);
	tb_hex_encode(r.raw + 528, 48, hex);
	CHECK_STR(hex, "98bbc39e3e27b4cb27ed6d21870b187738f64ec44b9f3f93d603b35a84e610dc"
		       "b45f1b6d79c648c7bf8e68f7a37b8ab5");
	buf[0] = 0x00;
	CHECK(parse(buf, len, &r, err) == -EINVAL);
	CHECK(strstr(err, "report type 0x00") != NULL);
	free(buf);
	return check_done();
}
