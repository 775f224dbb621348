/* String -> index map with linear probing; the table doubles at half load. */
#include <stdlib.h>
#include <string.h>

#include "report/strmap.h"

static uint64_t hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a */
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

size_t tb_strmap_get(const struct tb_strmap *m, const char *key)
{
	if (!m->cap)
		return SIZE_MAX;
	uint64_t h = hash(key);
	for (size_t i = h & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		const struct tb_strmap_slot *s = &m->slot[i];
		if (!s->key)
			return SIZE_MAX;
		if (s->hash == h && strcmp(s->key, key) == 0)
			return s->val;
	}
}

static void insert(struct tb_strmap_slot *tab, size_t cap, struct tb_strmap_slot e)
{
	size_t i = e.hash & (cap - 1);
	while (tab[i].key)
		i = (i + 1) & (cap - 1);
	tab[i] = e;
}

const char *tb_strmap_put(struct tb_strmap *m, const char *key, size_t val)
{
	if (2 * (m->n + 1) > m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 64;
		struct tb_strmap_slot *tab = calloc(cap, sizeof(*tab));
		if (!tab)
			abort();
		for (size_t i = 0; i < m->cap; i++)
			if (m->slot[i].key)
				insert(tab, cap, m->slot[i]);
		free(m->slot);
		m->slot = tab;
		m->cap = cap;
	}
	struct tb_strmap_slot e = { .key = strdup(key), .val = val, .hash = hash(key) };
	if (!e.key)
		abort();
	insert(m->slot, m->cap, e);
	m->n++;
	return e.key;
}

void tb_strmap_free(struct tb_strmap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->slot[i].key);
	free(m->slot);
	memset(m, 0, sizeof(*m));
}
