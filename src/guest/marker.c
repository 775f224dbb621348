/* The canary marker: printed form <-> value <-> planted form (see marker.h for why two). */
#include <errno.h>
#include <string.h>

#include "tinyben/util.h"
#include "guest/marker.h"

static const char hex[] = "0123456789abcdef";

static void put_hex(char *out, const char *prefix, const uint8_t *bytes, uint8_t flip)
{
	size_t n = strlen(prefix);
	memcpy(out, prefix, n);
	for (size_t i = 0; i < TB_MARKER_BYTES; i++) {
		uint8_t b = bytes[i] ^ flip;
		out[n + 2 * i] = hex[b >> 4];
		out[n + 2 * i + 1] = hex[b & 15];
	}
	out[n + 2 * TB_MARKER_BYTES] = '\0';
}

void tb_marker_printed(const uint8_t value[TB_MARKER_BYTES], char *out)
{
	put_hex(out, TB_MARKER_PRINTED_PREFIX, value, 0);
}

/* The bitwise complement makes every hex digit differ from the printed one, so no part
 * of the printed text longer than the shared prefix letters can match the planted one. */
void tb_marker_planted(const uint8_t value[TB_MARKER_BYTES], char *out)
{
	put_hex(out, TB_MARKER_PLANTED_PREFIX, value, 0xff);
}

int tb_marker_parse(const char *printed, uint8_t value[TB_MARKER_BYTES])
{
	size_t n = strlen(TB_MARKER_PRINTED_PREFIX);
	if (strlen(printed) != TB_MARKER_PRINTED_LEN || strncmp(printed, TB_MARKER_PRINTED_PREFIX, n))
		return -EINVAL;
	for (size_t i = 0; i < TB_MARKER_BYTES; i++) {
		int hi = tb_hex_digit(printed[n + 2 * i]), lo = tb_hex_digit(printed[n + 2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -EINVAL;
		value[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}
