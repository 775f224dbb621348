/* Registry: finds every benchmark and verb the linker gathered, sorted by name. */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "tinyben/bench.h"
#include "tinyben/verb.h"
#include "registry.h"

/* GNU ld defines __start_/__stop_ for sections whose names are C identifiers. */
extern const struct tb_bench *const __start_tb_benches[] __attribute__((weak));
extern const struct tb_bench *const __stop_tb_benches[] __attribute__((weak));
extern const struct tb_verb *const __start_tb_verbs[] __attribute__((weak));
extern const struct tb_verb *const __stop_tb_verbs[] __attribute__((weak));

static const struct tb_bench **benches;
static size_t n_benches;
static const struct tb_verb **verbs;
static size_t n_verbs;

static int by_bench_name(const void *a, const void *b)
{
	const struct tb_bench *x = *(const struct tb_bench *const *)a;
	const struct tb_bench *y = *(const struct tb_bench *const *)b;
	return strcmp(x->name, y->name);
}

static int name_vs_bench(const void *name, const void *b)
{
	return strcmp(name, (*(const struct tb_bench *const *)b)->name);
}

static int by_verb_order(const void *a, const void *b)
{
	const struct tb_verb *x = *(const struct tb_verb *const *)a;
	const struct tb_verb *y = *(const struct tb_verb *const *)b;
	if (x->order != y->order)
		return x->order < y->order ? -1 : 1;
	return strcmp(x->name, y->name);
}

static void load(void)
{
	if (benches || verbs)
		return;
	n_benches = (size_t)(__stop_tb_benches - __start_tb_benches);
	benches = calloc(n_benches + 1, sizeof(*benches));
	n_verbs = (size_t)(__stop_tb_verbs - __start_tb_verbs);
	verbs = calloc(n_verbs + 1, sizeof(*verbs));
	if (!benches || !verbs)
		abort();
	for (size_t i = 0; i < n_benches; i++)
		benches[i] = __start_tb_benches[i];
	for (size_t i = 0; i < n_verbs; i++)
		verbs[i] = __start_tb_verbs[i];
	qsort(benches, n_benches, sizeof(*benches), by_bench_name);
	qsort(verbs, n_verbs, sizeof(*verbs), by_verb_order);
}

size_t tb_bench_count(void)
{
	load();
	return n_benches;
}

const struct tb_bench *tb_bench_at(size_t i)
{
	load();
	return i < n_benches ? benches[i] : NULL;
}

/* The benchmarks are sorted by name, so a binary search finds one (the verbs are in the
 * order of --help). */
const struct tb_bench *tb_bench_find(const char *name)
{
	load();
	const struct tb_bench **b = bsearch(name, benches, n_benches, sizeof(*benches),
					    name_vs_bench);
	return b ? *b : NULL;
}

const struct tb_verb *const *tb_verbs(void)
{
	load();
	return verbs;
}

const struct tb_verb *tb_verb_find(const char *name)
{
	load();
	for (size_t i = 0; i < n_verbs; i++)
		if (strcmp(verbs[i]->name, name) == 0)
			return verbs[i];
	return NULL;
}

const char *tb_bench_group(const struct tb_bench *b, char *buf, size_t len)
{
	snprintf(buf, len, "%.*s", (int)strcspn(b->name, "."), b->name);
	return buf;
}
