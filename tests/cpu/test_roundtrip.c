/* cpu.lz4's round-trip check: one spoiled byte in any stream's output is found. */
#include "cpu/roundtrip.h"
#include "../lib/check.h"

int main(void)
{
	unsigned char src[4096], a[4096], b[4096];
	for (size_t i = 0; i < sizeof(src); i++)
		src[i] = (unsigned char)(i * 131 + 7);
	memcpy(a, src, sizeof(src));
	memcpy(b, src, sizeof(src));
	const unsigned char *outs[] = { a, b };
	CHECK(tb_roundtrip_mismatch(outs, 2, src, sizeof(src)) == -1);
	b[2048] ^= 0x55;
	CHECK(tb_roundtrip_mismatch(outs, 2, src, sizeof(src)) == 1);
	a[4095] ^= 1;
	CHECK(tb_roundtrip_mismatch(outs, 2, src, sizeof(src)) == 0);
	CHECK(tb_roundtrip_mismatch(outs, 0, src, sizeof(src)) == -1);
	return check_done();
}
