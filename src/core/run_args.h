/* Command-line arguments of `tinyben run`, parsed and validated before anything runs. */
#ifndef TB_CORE_RUN_ARGS_H
#define TB_CORE_RUN_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctx_impl.h"

struct tb_run_args {
	struct tb_settings settings;
	char **patterns;             /* -b, split at commas */
	size_t n_patterns;
	const char *bench_arg;       /* as given, for messages */
	const char *output;          /* -o */
	bool force, quiet;
	enum tb_format format;
	struct tb_override *overrides;
	size_t n_overrides;
	char *tags;                  /* " tag.k=v tag.k2=v2" or NULL */
	int runs;                    /* --runs N (runs.c), 1 by default */
	uint64_t shuffle_seed;       /* --shuffle SEED (set by --runs for each run), 0: none */
	int output_fd;               /* --output-fd N (set by --runs): append rows there; -1 */
	bool output_truncate;        /* --output-truncate (--runs' first run over --force) */
	bool no_header;              /* --no-header (--runs' later runs) */
};

/* Returns 0 when the run can start, 1 when --help was printed, -1 after printing one
 * error line (the caller exits 2). */
int tb_run_args_parse(int argc, char **argv, struct tb_run_args *a);
void tb_run_args_free(struct tb_run_args *a);

/* "1,2,4,all" -> counts; "all" is the number of CPUs we may use. Returns 0 or -EINVAL. */
int tb_parse_thread_list(const char *s, int all, int *counts, int max, int *n);

#endif
