/* A string -> index map (open addressing): finds a series or a run among a million rows
 * in constant time, where a linear search made compare quadratic. */
#ifndef TB_REPORT_STRMAP_H
#define TB_REPORT_STRMAP_H

#include <stddef.h>
#include <stdint.h>

struct tb_strmap {
	struct tb_strmap_slot { char *key; size_t val; uint64_t hash; } *slot;
	size_t cap, n;
};

/* Index stored for key, or SIZE_MAX when absent. */
size_t tb_strmap_get(const struct tb_strmap *m, const char *key);
/* Stores key (copied) -> val; key must be absent. Returns the map's copy of the key
 * (valid until tb_strmap_free), so that callers need not keep another. */
const char *tb_strmap_put(struct tb_strmap *m, const char *key, size_t val);
void tb_strmap_free(struct tb_strmap *m);

#endif
