/* The canary marker in its two forms: the one printed and the one planted in memory.
 *
 * What canary prints travels through the host in clear (serial console, SSH buffers), so
 * it is in the host's memory even for an encrypted guest. Only the planted form proves
 * that guest memory is readable: it is derived from the printed one (each byte of the
 * random value complemented) and is never printed, so a host-side scan that finds it
 * has read it out of the guest's RAM. */
#ifndef TB_GUEST_MARKER_H
#define TB_GUEST_MARKER_H

#include <stddef.h>
#include <stdint.h>

#define TB_MARKER_BYTES 16
#define TB_MARKER_PRINTED_PREFIX "TBMARK-"
#define TB_MARKER_PLANTED_PREFIX "TBCANARY-"
/* prefix + 2 hex digits a byte, plus the terminating NUL */
#define TB_MARKER_PRINTED_LEN (sizeof(TB_MARKER_PRINTED_PREFIX) - 1 + 2 * TB_MARKER_BYTES)
#define TB_MARKER_PLANTED_LEN (sizeof(TB_MARKER_PLANTED_PREFIX) - 1 + 2 * TB_MARKER_BYTES)

/* Writes the printed form of value into out (at least TB_MARKER_PRINTED_LEN + 1 bytes). */
void tb_marker_printed(const uint8_t value[TB_MARKER_BYTES], char *out);
/* Writes the planted form of value into out (at least TB_MARKER_PLANTED_LEN + 1 bytes). */
void tb_marker_planted(const uint8_t value[TB_MARKER_BYTES], char *out);
/* Parses a printed marker back into its value: 0, or -EINVAL when it is not one. */
int tb_marker_parse(const char *printed, uint8_t value[TB_MARKER_BYTES]);

#endif
