/* A verb of the command line (`tinyben VERB ...`): one function, registered like benchmarks. */
#ifndef TINYBEN_VERB_H
#define TINYBEN_VERB_H

struct tb_verb {
	const char *name;     /* "run", "detect", ... */
	const char *synopsis; /* one usage line without "tinyben " */
	const char *summary;  /* one line for `tinyben --help` */
	int (*main)(int argc, char **argv); /* argv[0] is the verb; returns the exit code */
	int order;            /* position in --help (lower first) */
};

/* Registers a struct tb_verb defined by hand; TB_VERB below defines and registers. */
#define TB_REGISTER_VERB(v)                                                          \
	static const struct tb_verb *const tb_verb_entry_##v                          \
		__attribute__((used, section("tb_verbs"), aligned(sizeof(void *)))) = &(v)

/* Defines the verb `tinyben NAME`, run by NAME_main(), and registers it; what follows NAME
 * are its other fields, by name:
 *   TB_VERB(list,
 *           .order = 20,
 *           .synopsis = "list [--json] [--options]",
 *           .summary = "list every benchmark ...");
 * The name is written once, so its string and its function cannot drift apart. */
#define TB_VERB(name_, ...)                                                          \
	static const struct tb_verb name_##_verb = {                                  \
		.name = #name_, .main = name_##_main, __VA_ARGS__                     \
	};                                                                            \
	TB_REGISTER_VERB(name_##_verb)

/* Exit codes (contract, DESIGN.md). */
enum {
	TB_EXIT_OK = 0,
	TB_EXIT_FAILED = 1,
	TB_EXIT_USAGE = 2,
	TB_EXIT_BUSY = 75, /* the output is being written by another tinyben (EX_TEMPFAIL) */
	TB_EXIT_INTERRUPTED = 130,
};

#endif
