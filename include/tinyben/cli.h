/* The one option parser of every verb: a table of options, one wording for every mistake. */
#ifndef TINYBEN_CLI_H
#define TINYBEN_CLI_H

#include <stdbool.h>

#include "tinyben/verb.h"

/* One option: --name (and -c when short_name is set), with a value or not. */
struct tb_arg {
	const char *name;       /* long name without "--"; NULL ends the table */
	char short_name;        /* 0: none */
	bool value;             /* takes a value: --name V, --name=V, -c V, -cV */
	int id;                 /* handed to the callback */
};

struct tb_args {
	const char *verb;       /* for messages: "run: unknown option ..." */
	const char *usage;      /* printed on stdout for -h/--help */
	const struct tb_arg *table;
	/* The first operand ends the options and is left with what follows (exec COMMAND
	 * keeps its own options); otherwise an operand is an error. */
	bool operands;
	/* Operands may stand anywhere among the options (compare A.csv B.csv --format csv):
	 * they are moved, in their order, behind the options, to argv[first_operand..argc). */
	bool mixed;
	int first_operand;      /* out: argv index of the first operand (argc when none) */
};

/* Walks argv[1..argc): on(user, id, value) for each option in order (value NULL for a
 * flag); on returns 0, or -1 after printing its own one-line error. "--" ends the
 * options. Returns 0, 1 when --help printed the usage, or -1 after one error line (the
 * verb exits 2). */
int tb_args_parse(struct tb_args *a, int argc, char **argv,
		  int (*on)(void *user, int id, const char *value), void *user);

/* A verb's main parsing its options: tb_args_parse, and when that ends the verb, return
 * from main with its exit code (TB_EXIT_OK after --help, TB_EXIT_USAGE after an error). */
#define TB_ARGS_OR_RETURN(a, argc, argv, on, user)                                   \
	do {                                                                          \
		int tb_parsed_ = tb_args_parse(a, argc, argv, on, user);              \
		if (tb_parsed_ != 0)                                                  \
			return tb_parsed_ > 0 ? TB_EXIT_OK : TB_EXIT_USAGE;           \
	} while (0)

/* The callback of a verb that only collects what was given: user is an array of
 * const char * indexed by id, left NULL for what is absent; a value is kept (the last of
 * a repeated option wins), a flag keeps "". */
int tb_args_keep(void *user, int id, const char *value);

#endif
