/* The option parser of every verb (GNU-style long and short options, from a table). */
#include <stdio.h>
#include <string.h>

#include "tinyben/cli.h"
#include "tinyben/util.h"

static const struct tb_arg *find_long(const struct tb_arg *t, const char *name, size_t len)
{
	for (; t->name; t++)
		if (strlen(t->name) == len && strncmp(t->name, name, len) == 0)
			return t;
	return NULL;
}

static const struct tb_arg *find_short(const struct tb_arg *t, char c)
{
	for (; t->name; t++)
		if (t->short_name && t->short_name == c)
			return t;
	return NULL;
}

static int unknown(const struct tb_args *a, const char *arg)
{
	tb_error("%s: unknown option '%s' (see 'tinyben %s --help')", a->verb, arg, a->verb);
	return -1;
}

static int unexpected(const struct tb_args *a, const char *arg)
{
	tb_error("%s: unexpected argument '%s' (see 'tinyben %s --help')", a->verb, arg, a->verb);
	return -1;
}

/* Moves the k arguments at argv[from..from+k) in front of the operands gathered at
 * argv[ops..from), which keeps those contiguous and right before what is still to read. */
static void before_operands(char **argv, int ops, int from, int k)
{
	char *moved[2];
	for (int j = 0; j < k; j++)
		moved[j] = argv[from + j];
	memmove(argv + ops + k, argv + ops, (size_t)(from - ops) * sizeof(*argv));
	for (int j = 0; j < k; j++)
		argv[ops + j] = moved[j];
}

int tb_args_parse(struct tb_args *a, int argc, char **argv,
		  int (*on)(void *user, int id, const char *value), void *user)
{
	int i = 1;
	int ops = 1; /* mixed: the operands seen so far stand at argv[ops..i) */
	for (; i < argc; i++) {
		const char *arg = argv[i];
		if (strcmp(arg, "--") == 0) {
			if (a->mixed) {
				before_operands(argv, ops, i, 1);
				ops++;
			}
			i++;
			break;
		}
		if (arg[0] != '-' || arg[1] == '\0') {
			if (a->mixed)
				continue;
			if (a->operands)
				break;
			return unexpected(a, arg);
		}
		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
			fputs(a->usage, stdout);
			return 1;
		}
		const struct tb_arg *o;
		const char *value = NULL;
		if (arg[1] == '-') {
			const char *eq = strchr(arg + 2, '=');
			size_t len = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);
			o = find_long(a->table, arg + 2, len);
			if (!o)
				return unknown(a, arg);
			if (eq && !o->value) {
				tb_error("%s: option '--%s' takes no value", a->verb, o->name);
				return -1;
			}
			value = eq ? eq + 1 : NULL;
		} else {
			o = find_short(a->table, arg[1]);
			if (!o)
				return unknown(a, arg);
			if (arg[2] != '\0') {
				if (!o->value)
					return unknown(a, arg);
				value = arg + 2; /* -r5 */
			}
		}
		int taken = 1;
		if (o->value && !value) {
			if (i + 1 >= argc) {
				tb_error("%s: option '%s' needs a value", a->verb, arg);
				return -1;
			}
			value = argv[i + 1];
			taken = 2;
		}
		if (on(user, o->id, value) != 0)
			return -1;
		if (a->mixed) {
			before_operands(argv, ops, i, taken);
			ops += taken;
		}
		i += taken - 1;
	}
	/* After "--" a verb that takes no operands has nothing to read: `run -- -b x` would
	 * otherwise run the whole default suite, the -b unseen. */
	if (!a->mixed && !a->operands && i < argc)
		return unexpected(a, argv[i]);
	a->first_operand = a->mixed ? ops : i;
	return 0;
}

int tb_args_keep(void *user, int id, const char *value)
{
	((const char **)user)[id] = value ? value : "";
	return 0;
}
