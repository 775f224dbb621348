/* Registry of verbs (benchmarks are in tinyben/bench.h). */
#ifndef TB_CORE_REGISTRY_H
#define TB_CORE_REGISTRY_H

#include <stddef.h>
#include "tinyben/verb.h"

/* Every verb in the order of --help, ending with NULL. */
const struct tb_verb *const *tb_verbs(void);
const struct tb_verb *tb_verb_find(const char *name);

#endif
