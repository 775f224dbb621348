/* SHA-512 of a file (tb_sha512_file, what `attest --bind` puts into report_data) against the
 * published vectors of FIPS 180-2 appendix C (also NIST's CAVS examples), and messages of 'a'
 * around the padding edges (111/112 bytes: the length still fits / no longer fits in the last
 * block; 127-129, 239, 240). Built and run with libcrypto (OpenSSL's digest) and without it
 * (-Dcrypto=disabled: src/attest/sha512.c), so the fallback is checked by the same vectors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attest/verify.h"
#include "check.h"

static const char *digest_of(const char *dir, const char *data, size_t len, size_t times)
{
	static char hex[129];
	char path[4096];
	snprintf(path, sizeof(path), "%s/msg", dir);
	FILE *f = fopen(path, "wb");
	if (!f)
		return "cannot create the message file";
	for (size_t i = 0; i < times; i++)
		fwrite(data, 1, len, f);
	if (fclose(f) != 0)
		return "cannot write the message file";
	unsigned char out[64];
	int rc = tb_sha512_file(path, out);
	unlink(path);
	if (rc)
		return "tb_sha512_file failed";
	for (int i = 0; i < 64; i++)
		snprintf(hex + 2 * i, 3, "%02x", out[i]);
	return hex;
}

static const char *a_times(const char *dir, size_t n)
{
	return digest_of(dir, "a", 1, n);
}

int main(void)
{
	char dir[] = "/tmp/tinyben-sha512-XXXXXX";
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	/* FIPS 180-2, C.1 (one block), C.2 (two blocks, 896 bits), C.3 (one million 'a'). */
	CHECK_STR(digest_of(dir, "abc", 3, 1),
		  "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
		  "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
	CHECK_STR(digest_of(dir, "", 0, 1),
		  "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
		  "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e");
	static const char m896[] = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
				   "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
	CHECK_STR(digest_of(dir, m896, strlen(m896), 1),
		  "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018"
		  "501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909");
	CHECK_STR(a_times(dir, 1000000),
		  "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973eb"
		  "de0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b");
	/* The padding edges (digests from an independent implementation, Python's hashlib). */
	static const struct {
		size_t n;
		const char *digest;
	} edges[] = {
		{ 111, "fa9121c7b32b9e01733d034cfc78cbf67f926c7ed83e82200ef86818196921760"
		       "b4beff48404df811b953828274461673c68d04e297b0eb7b2b4d60fc6b566a2" },
		{ 112, "c01d080efd492776a1c43bd23dd99d0a2e626d481e16782e75d54c2503b5dc32b"
		       "d05f0f1ba33e568b88fd2d970929b719ecbb152f58f130a407c8830604b70ca" },
		{ 127, "828613968b501dc00a97e08c73b118aa8876c26b8aac93df128502ab360f91bab"
		       "50a51e088769a5c1eff4782ace147dce3642554199876374291f5d921629502" },
		{ 128, "b73d1929aa615934e61a871596b3f3b33359f42b8175602e89f7e06e5f658a243"
		       "667807ed300314b95cacdd579f3e33abdfbe351909519a846d465c59582f321" },
		{ 129, "4f681e0bd53cda4b5a2041cc8a06f2eabde44fb16c951fbd5b87702f07aeab611"
		       "565b19c47fde30587177ebb852e3971bbd8d3fd30da18d71037dfbd98420429" },
		{ 239, "52c853cb8d907f3d4d6b889beb027985d7c273486d75f8baf26f80d24e90c74c6"
		       "c3de3e22131582380a7d14d43f2941a31385439cd6ddc469f628015e50bf286" },
		{ 240, "4c296d90c61052a62ffb1dd196f1b7b09373b1f93e71836baebf89690546b7595"
		       "684dbe9467a8e484fa0d1094272b4344a7c24f5fee8daedeb0bf549c985ab5f" },
	};
	for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++)
		CHECK_STR(a_times(dir, edges[i].n), edges[i].digest);
	rmdir(dir);
	return check_done();
}
