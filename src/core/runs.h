/* `tinyben run --runs N`: N independent runs in one invocation, in shuffled orders. */
#ifndef TB_CORE_RUNS_H
#define TB_CORE_RUNS_H

#include <stddef.h>
#include <stdint.h>

#include "tinyben/bench.h"
#include "run_args.h"

#define TB_RUNS_MAX 1000

/* Runs `tinyben run` a->runs times, each a fresh process (the same binary re-executed
 * through /proc/self/exe; in this process through one_run when it cannot be), each with
 * its own run_id and its own order of benchmarks and variants, and writes all their rows
 * to a->output (one header). argv: the verb's arguments ("run", ...). Returns the exit
 * code: 130 when interrupted (the rows of finished runs and the whole rows of the
 * interrupted one are kept), else the worst of the runs. */
int tb_runs_main(int argc, char **argv, const struct tb_run_args *a,
		 int (*one_run)(int argc, char **argv));

/* Fisher-Yates shuffle of n items of size bytes with a seeded generator; seed 0: no-op. */
void tb_runs_shuffle(void *items, size_t n, size_t size, uint64_t seed);

/* The rows of a variant table (terminated by { 0 }) in the order of this run (shuffled
 * when seed != 0, with a stream of its own per benchmark) into order (room for max + 1,
 * NULL-terminated). */
void tb_runs_variant_order(const struct tb_variant *variants, const char *bench, uint64_t seed,
			   const struct tb_variant **order, size_t max);

#endif
