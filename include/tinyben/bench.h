/* The benchmark descriptor: what one benchmark file defines and registers. */
#ifndef TINYBEN_BENCH_H
#define TINYBEN_BENCH_H

#include <stdbool.h>
#include <stddef.h> /* offsetof, for struct tb_option */
#include <stdint.h>

struct tb_ctx;

/* The type of an option, and the C type of its field in the benchmark's options struct. */
enum tb_opt_type {
	TB_OPT_INT,    /* long long in [min, max]; accepts k/K/M/G suffixes (powers of 1024) */
	TB_OPT_STR,    /* const char *: any text, e.g. a path (check() may restrict it) */
	TB_OPT_BOOL,   /* bool: 0/1, true/false, yes/no */
	TB_OPT_CHOICE, /* int: the index of the value in choices */
};

/* One option of a benchmark, set with `--set BENCH.NAME=VALUE`, validated before anything
 * runs (a bad value is exit 2) and stored at `offset` in the benchmark's options struct
 * (tb_opts()). `quick` (optional) replaces `def` under --quick. */
struct tb_option {
	const char *name;
	enum tb_opt_type type;
	const char *def;
	const char *quick;
	long long min, max;
	const char *help;
	size_t offset;                /* offsetof(struct ..._opts, field) */
	const char *const *choices;   /* TB_OPT_CHOICE: the accepted words, NULL-terminated */
	/* Optional: what the type cannot say (an address, a readable file); 0, or < 0 with
	 * the reason in err. */
	int (*check)(const char *value, char *err, size_t err_len);
};

/* One metric a benchmark writes, declared once: its name, unit and direction are the
 * same in every row (the naming scheme is in DESIGN.md, "Metrics"). */
enum tb_better { TB_LOWER, TB_HIGHER };
struct tb_metric {
	const char *name;             /* e.g. "bw", "latency_p99" */
	const char *unit;             /* e.g. "MB/s" (10^6 bytes/s), "us" */
	enum tb_better better;
	const char *help;             /* one line: what is measured, how it is derived */
	/* The headline metric of the variants that emit it: the report draws one metric per
	 * (bench, variant), the first primary one its rows hold, so that a metric and its
	 * inverse (bw and elapsed) are never drawn twice. */
	bool primary;
};

/* A benchmark (docs/DESIGN.md, "The benchmark contract"). The runner calls setup once; then,
 * for each selected variant in table order, supported() and memory() (both optional) and,
 * when the variant can run here, run(); then teardown (also after a failure or an
 * interrupt, and after a failed setup whenever setup had already stored a non-NULL
 * *state: store it as soon as it is allocated). run hands its kernel to one of the
 * runner's plans (tb_time_reps, tb_team_variants, tb_reps_run), writes samples with
 * tb_emit() and returns 0, or a negative errno for "failed" (the runner writes the row if
 * the benchmark did not with tb_fail()). A benchmark never prints results itself. */
struct tb_bench {
	const char *name;               /* "group.name", e.g. "mem.mbw": the group is what
					 * comes before the dot ("cpu", "mem", "io") */
	const char *description;        /* one line */
	const char *const *variants;    /* NULL-terminated; the runner runs each in order */
	const struct tb_metric *metrics;/* what its rows hold; terminated by { 0 } */
	const struct tb_option *options;/* terminated by { 0 }; may be NULL */
	size_t opts_size;               /* sizeof the struct the options are stored in */
	/* Optional: the detail key whose value is the x axis of a curve over the variants
	 * (mem.latency: "block_bytes"); the report draws such benchmarks as curves. */
	const char *curve_axis;
	/* A thread team is meaningful (tb_team_variants): --threads gives NAME-tN rows. The
	 * others run as always, one thread, and say threads=not-applicable in detail. */
	bool scales;
	/* Optional: the share of --min-time each calibrated repetition lasts (default 1), for
	 * a benchmark with many short points (mem.latency: 0.25). */
	double time_share;
	/* Optional: false when the options leave this variant out of the run altogether (no
	 * row at all, e.g. mem.latency's block sizes above max_kib). Called before setup. */
	bool (*planned)(const struct tb_ctx *ctx, const char *variant);
	int (*setup)(struct tb_ctx *ctx, void **state);
	/* Optional: false, with the reason in why, when this selected variant cannot run here
	 * (an instruction set, a kernel feature, a server missing): the runner writes the one
	 * skipped row. Only selected variants are asked. */
	bool (*supported)(struct tb_ctx *ctx, void *state, const char *variant, char *why,
			  size_t why_len);
	/* Optional: bytes of memory one run of this variant needs; the runner skips the
	 * variant (one row) when the memory available is less. Benchmarks that scale give
	 * tb_team_variants their bytes per thread instead: it checks each team size. */
	uint64_t (*memory)(struct tb_ctx *ctx, void *state, const char *variant);
	int (*run)(struct tb_ctx *ctx, void *state, const char *variant);
	void (*teardown)(struct tb_ctx *ctx, void *state);
};

/* Registration: the linker gathers every descriptor into one section, so adding a
 * benchmark touches no shared file. Pointers (not structs) go in the section so
 * that no padding between entries can exist. */
#define TB_REGISTER_BENCH(desc)                                                     \
	static const struct tb_bench *const tb_bench_entry_##desc                    \
		__attribute__((used, section("tb_benches"), aligned(sizeof(void *)))) = &(desc)

/* The group of a benchmark: its name up to the dot, into buf. */
const char *tb_bench_group(const struct tb_bench *b, char *buf, size_t len);

/* Registry access (src/core/registry.c): benchmarks sorted by name. */
size_t tb_bench_count(void);
const struct tb_bench *tb_bench_at(size_t i);
const struct tb_bench *tb_bench_find(const char *name);

#endif
