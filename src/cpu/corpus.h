/* The generated compression corpus: the same bytes on every machine, and its hash. */
#ifndef TB_CPU_CORPUS_H
#define TB_CPU_CORPUS_H

#include <stddef.h>
#include <stdint.h>

/* Default and --quick sizes of the corpus, MiB. */
#define TB_CORPUS_MIB 64
#define TB_CORPUS_QUICK_MIB 4

/* Fills buf with the first len bytes of the corpus (a shorter corpus is a prefix of a
 * longer one). Integer-only arithmetic: identical on every compiler and CPU. */
void tb_corpus_fill(unsigned char *buf, size_t len);

/* FNV-1a, 64 bits (offset basis 0xcbf29ce484222325, prime 0x100000001b3), so anyone can
 * check a corpus file with a few lines of any language. */
uint64_t tb_fnv1a64(const void *buf, size_t len);

#endif
