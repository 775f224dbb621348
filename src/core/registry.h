/* Registry of verbs (benchmarks are in tinyben/bench.h). */
#ifndef TB_CORE_REGISTRY_H
#define TB_CORE_REGISTRY_H

#include <stddef.h>
#include "tinyben/verb.h"

size_t tb_verb_count(void);
const struct tb_verb *tb_verb_at(size_t i);
const struct tb_verb *tb_verb_find(const char *name);

#endif
