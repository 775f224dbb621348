/* The generated corpus: seeded text-like and binary-like segments, LZ4 ratio about 2. */
#include <stdbool.h>
#include <string.h>

#include "corpus.h"

/* Fixed seed: the corpus is part of the result's identity (its hash goes in detail). */
#define SEED 0x7462636f72707573ull /* "tbcorpus" */
#define NWORDS 4096

struct gen {
	uint64_t s;
	unsigned char *p, *end;
	unsigned char words[NWORDS][16]; /* [0] is the length */
};

/* splitmix64 (Steele, Lea, Flood 2014): tiny, fast, good enough for test data. */
static uint64_t next(struct gen *g)
{
	uint64_t z = (g->s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static unsigned below(struct gen *g, unsigned n)
{
	return (unsigned)(((next(g) >> 32) * n) >> 32);
}

static void put(struct gen *g, unsigned char c)
{
	if (g->p < g->end)
		*g->p++ = c;
}

/* English-like letter frequencies: frequent letters appear more often in this string. */
static const char letters[] = "eeeeeeeeeeeetttttttttaaaaaaaaooooooooiiiiiiinnnnnnnsssssshhhhhhrrrrrr"
			      "ddddllllcccuuummwwffggyyppbbvkjxqz";

static void make_words(struct gen *g)
{
	for (int i = 0; i < NWORDS; i++) {
		/* Short words are common: lengths 1..13, skewed low. */
		unsigned len = 1 + below(g, 6) + below(g, 8);
		g->words[i][0] = (unsigned char)len;
		for (unsigned k = 1; k <= len; k++)
			g->words[i][k] = (unsigned char)letters[below(g, sizeof(letters) - 1)];
	}
}

static unsigned zipf(struct gen *g, unsigned n)
{
	/* A product of three uniforms favours small indexes, as word frequencies do. */
	return (unsigned)(((uint64_t)below(g, n) * below(g, n) * below(g, n)) / ((uint64_t)n * n));
}

static void word(struct gen *g, unsigned idx, bool capital)
{
	const unsigned char *w = g->words[idx];
	for (unsigned k = 1; k <= w[0]; k++)
		put(g, (unsigned char)(k == 1 && capital ? w[k] - 32 : w[k]));
}

/* Prose: Zipf-like words, and recurring phrases (a word always followed by the same next
 * words, as in set expressions), sentences, lines of about 72 columns. */
static void text(struct gen *g, size_t n)
{
	unsigned char *stop = g->p + n < g->end ? g->p + n : g->end;
	unsigned col = 0, in_sentence = 0;
	while (g->p < stop) {
		unsigned idx = zipf(g, NWORDS / 2);
		unsigned phrase = below(g, 3) ? 2 + idx % 4 : 1;
		for (unsigned k = 0; k < phrase && g->p < stop; k++) {
			if (k)
				put(g, ' ');
			unsigned w = (idx + k * 977u) % NWORDS;
			word(g, w, in_sentence == 0 && k == 0);
			col += g->words[w][0] + 1u;
		}
		if (++in_sentence > 6 + below(g, 12)) {
			put(g, below(g, 5) ? '.' : ',');
			in_sentence = below(g, 5) ? 0 : 1;
		}
		if (col > 72) {
			put(g, '\n');
			col = 0;
		} else {
			put(g, ' ');
		}
	}
}

/* Records as in a database page or a log: a counter, a slowly rising timestamp, a small
 * number, a type from a short list, two random bytes (a checksum), a name, padding. */
static void records(struct gen *g, size_t n)
{
	unsigned char *stop = g->p + n < g->end ? g->p + n : g->end;
	uint32_t counter = (uint32_t)next(g), stamp = (uint32_t)next(g);
	unsigned char rec[48];
	while (g->p < stop) {
		uint64_t r = next(g);
		stamp += (uint32_t)(r & 0x3f);
		uint32_t value = below(g, 1000), type = (uint32_t)(r >> 8) & 7;
		memset(rec, 0, sizeof(rec));
		for (int b = 0; b < 4; b++) {
			rec[b] = (unsigned char)(counter >> (8 * b));
			rec[4 + b] = (unsigned char)(stamp >> (8 * b));
			rec[8 + b] = (unsigned char)(value >> (8 * b));
		}
		rec[12] = (unsigned char)type;
		rec[13] = (unsigned char)(0xa0 + type);
		rec[14] = (unsigned char)(r >> 16);
		rec[15] = (unsigned char)(r >> 24);
		const unsigned char *w = g->words[zipf(g, NWORDS)];
		memcpy(rec + 16, w + 1, w[0]);
		rec[40] = 0xff;
		counter++;
		for (size_t k = 0; k < sizeof(rec); k++)
			put(g, rec[k]);
	}
}

/* Already-compressed or encrypted content: incompressible. */
static void noise(struct gen *g, size_t n)
{
	unsigned char *stop = g->p + n < g->end ? g->p + n : g->end;
	while (g->p + 8 <= stop) {
		uint64_t r = next(g);
		memcpy(g->p, &r, 8);
		g->p += 8;
	}
	while (g->p < stop)
		put(g, (unsigned char)next(g));
}

void tb_corpus_fill(unsigned char *buf, size_t len)
{
	static __thread struct gen g; /* 64 KiB of words: not on the stack */
	memset(&g, 0, sizeof(g));
	g.s = SEED;
	g.p = buf;
	g.end = buf + len;
	make_words(&g);
	while (g.p < g.end) {
		/* Segments of 4..68 KiB, mixed like a disk image: 55% text, 39% records, 6% noise,
		 * which gives an LZ4 level-1 ratio of 1.92 on the 64 MiB corpus. */
		size_t n = 4096 + (size_t)below(&g, 65536);
		unsigned kind = below(&g, 100);
		if (kind < 55)
			text(&g, n);
		else if (kind < 94)
			records(&g, n);
		else
			noise(&g, n);
	}
}

uint64_t tb_fnv1a64(const void *buf, size_t len)
{
	const unsigned char *p = buf;
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}
