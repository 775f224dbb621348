/* The round-trip check of cpu.lz4, apart so that a test can feed it a spoiled output. */
#include <string.h>

#include "cpu/roundtrip.h"

int tb_roundtrip_mismatch(const unsigned char *const *outputs, int n, const unsigned char *src,
			  size_t len)
{
	for (int i = 0; i < n; i++)
		if (memcmp(outputs[i], src, len) != 0)
			return i;
	return -1;
}
