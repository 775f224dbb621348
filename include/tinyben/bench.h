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

/* The name and offset of an option stored in the field of the same name, written once so
 * that the two cannot drift apart:
 *   { TB_OPT_FIELD(struct x_opts, engine), .type = TB_OPT_CHOICE, ... } */
#define TB_OPT_FIELD(opts_type, field) .name = #field, .offset = offsetof(opts_type, field)

/* The row of an integer option (the common case): stored in the field of the same name,
 * default def, quick its value under --quick (NULL: def), in [min, max]. */
#define TB_OPT_INT_FIELD(opts_type, field, def_, quick_, min_, max_, help_)                 \
	{ TB_OPT_FIELD(opts_type, field), .type = TB_OPT_INT, .def = def_, .quick = quick_, \
	  .min = min_, .max = max_, .help = help_ }

/* How the runner derives a metric's value from what a repetition measured (struct tb_work
 * and the repetition's iterations and seconds); the unit says the scale (MB/s: 10^6 bytes,
 * MiB/s: 2^20 bytes, ns, us, ms, s, cycles: TSC cycles). */
enum tb_derive {
	TB_EMITTED,        /* the benchmark writes it itself with tb_emit() */
	TB_BYTES_PER_S,    /* bytes of all threads / seconds */
	TB_OPS_PER_S,      /* operations of all threads / seconds */
	TB_TIME_PER_OP,    /* seconds / operations of one thread, minus work.offset_s */
	TB_SECONDS,        /* the repetition's seconds */
	TB_VALUE,          /* work.value, a figure of the variant (a compression ratio) */
	TB_HIST_P50,       /* percentiles of work.hist (nanoseconds) */
	TB_HIST_P99,
	TB_HIST_P999,
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
	enum tb_derive how;           /* TB_EMITTED (0) unless the runner derives it */
	int phase;                    /* derived from this phase's timings (cpu.lz4: 1 decompress) */
};

/* The three latency percentiles of the naming scheme (DESIGN.md, "Metrics"), derived from
 * work.hist: latency_p50, latency_p99, latency_p99.9 in unit ("us", "ns"). */
#define TB_LATENCY_METRICS(unit, what)                                                    \
	{ "latency_p50", unit, TB_LOWER, what ", median", .how = TB_HIST_P50 },          \
	{ "latency_p99", unit, TB_LOWER, what ", 99th percentile", .how = TB_HIST_P99 }, \
	{ "latency_p99.9", unit, TB_LOWER, what ", 99.9th percentile", .how = TB_HIST_P999 }

/* One variant: a row of the benchmark's table, carrying what its kernel needs, so that no
 * benchmark maps a name back to code. */
typedef int (*tb_kernel_fn)(void *arg, uint64_t iters);
struct tb_variant {
	const char *name;             /* in the rows and in -b GROUP.NAME:VARIANT */
	tb_kernel_fn kernel;          /* optional: the timed kernel of this variant */
	intptr_t arg;                 /* the benchmark's number for it: a kind, a level, a leaf */
	const void *data;             /* the benchmark's pointer for it: a row of its own table */
	int min_cpus;                 /* optional: the runner skips it with fewer CPUs allowed */
};

/* A benchmark (docs/DESIGN.md, "The benchmark contract"; docs/ADDING_A_BENCHMARK.md walks
 * through one). The runner calls setup once; then, for each selected variant in table order,
 * checks the row's min_cpus, calls supported() and memory() (both optional) and, when the
 * variant can run here, run(); then teardown whenever setup stored a non-NULL *state (also
 * after a failure or an interrupt, and after a failed setup: store it as soon as it is
 * allocated). run hands its kernel to one of the runner's plans
 * (tb_calibrated, tb_team_variants, tb_reps_run), which time it and write the rows of the
 * derived metrics, and returns 0, or a negative errno for "failed" (the runner writes the
 * row if the benchmark did not with tb_fail()). A benchmark never prints results itself. */
struct tb_bench {
	const char *name;               /* "group.name", e.g. "mem.mbw": the group is what
					 * comes before the dot ("cpu", "mem", "io") */
	const char *description;        /* one line */
	const struct tb_variant *variants; /* terminated by { 0 }; run in this order */
	const struct tb_metric *metrics;/* what its rows hold; terminated by { 0 } */
	const struct tb_option *options;/* terminated by { 0 }; may be NULL */
	size_t opts_size;               /* sizeof the struct the options are stored in */
	/* Optional: the detail key whose value is the x axis of a curve over the variants
	 * (mem.latency: "block_bytes"); the report draws such benchmarks as curves. */
	const char *curve_axis;
	/* A thread team is meaningful (tb_team_variants): --threads gives NAME-tN rows. The
	 * others run as always, one thread, and say threads=not-applicable in detail. */
	bool scales;
	/* It does I/O through the kernel's devices (files under --dir, sockets): the runner
	 * checks --dir before anything runs. */
	bool io;
	/* Optional: the share of --min-time each calibrated repetition lasts (default 1), for
	 * a benchmark with many short points (mem.latency: 0.25). */
	double time_share;
	/* Optional: false when the options leave this variant out of the run altogether (no
	 * row at all, e.g. mem.latency's block sizes above max_kib). Called before setup. */
	bool (*planned)(const struct tb_ctx *ctx, const struct tb_variant *v);
	/* 0; a negative errno (one failed row); or tb_setup_skip() / tb_setup_fail(), whose
	 * reason the runner writes on the row of every selected variant. */
	int (*setup)(struct tb_ctx *ctx, void **state);
	/* Optional: false, with the reason in why, when this selected variant cannot run here
	 * (an instruction set, a kernel feature): the runner writes the one skipped row. */
	bool (*supported)(struct tb_ctx *ctx, void *state, const struct tb_variant *v, char *why,
			  size_t why_len);
	/* Optional: bytes of memory one run of this variant needs; the runner skips the
	 * variant (one row) when the memory available is less. Benchmarks that scale give
	 * tb_team_variants their bytes per thread instead: it checks each team size. */
	uint64_t (*memory)(struct tb_ctx *ctx, void *state, const struct tb_variant *v);
	int (*run)(struct tb_ctx *ctx, void *state, const struct tb_variant *v);
	/* Called only when setup stored a state (never with NULL), so it needs no NULL check. */
	void (*teardown)(struct tb_ctx *ctx, void *state);
};

/* Registration: the linker gathers every descriptor into one section, so adding a
 * benchmark touches no shared file. Pointers (not structs) go in the section so
 * that no padding between entries can exist. */
#define TB_REGISTER_BENCH(desc)                                                     \
	static const struct tb_bench *const tb_bench_entry_##desc                    \
		__attribute__((used, section("tb_benches"), aligned(sizeof(void *)))) = &(desc)

/* Defines the descriptor `desc` of a benchmark file and registers it, for the usual file
 * whose tables are named variants, metrics and options and whose options are stored in a
 * struct opts_type; the other fields follow as designated initialisers:
 *   TB_BENCH(mbw_bench, "mem.mbw", "mbw's copy kernels", struct mbw_opts,
 *            .setup = setup, .run = run, .teardown = tb_free_state); */
#define TB_BENCH(desc, bench_name, bench_description, opts_type, ...)                   \
	static const struct tb_bench desc = {                                         \
		.name = bench_name, .description = bench_description,                 \
		.variants = variants, .metrics = metrics, .options = options,         \
		.opts_size = sizeof(opts_type), __VA_ARGS__                            \
	};                                                                             \
	TB_REGISTER_BENCH(desc)

/* The group of a benchmark: its name up to the dot, into buf. */
const char *tb_bench_group(const struct tb_bench *b, char *buf, size_t len);

/* Registry access (src/core/registry.c): benchmarks sorted by name. */
size_t tb_bench_count(void);
const struct tb_bench *tb_bench_at(size_t i);
const struct tb_bench *tb_bench_find(const char *name);

#endif
