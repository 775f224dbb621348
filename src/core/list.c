/* `tinyben list`: every benchmark and option, generated from the registry. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tinyben/bench.h"
#include "tinyben/cli.h"
#include "tinyben/csv.h"
#include "tinyben/util.h"
#include "tinyben/verb.h"

static const char *type_name(enum tb_opt_type t)
{
	switch (t) {
	case TB_OPT_INT: return "int";
	case TB_OPT_BOOL: return "bool";
	case TB_OPT_STR: return "string";
	case TB_OPT_CHOICE: return "choice";
	}
	return "?";
}

static void json_str(const char *s)
{
	char buf[1024];
	tb_json_quote(buf, sizeof(buf), s ? s : "");
	fputs(buf, stdout);
}

/* "key":"value" after lead ("{" opens an object, "," follows a field). */
static void json_field(const char *lead, const char *key, const char *value)
{
	printf("%s\"%s\":", lead, key);
	json_str(value);
}

static void list_json(void)
{
	for (size_t i = 0; i < tb_bench_count(); i++) {
		const struct tb_bench *b = tb_bench_at(i);
		char group[32];
		json_field("{", "name", b->name);
		json_field(",", "group", tb_bench_group(b, group, sizeof(group)));
		json_field(",", "description", b->description);
		fputs(",\"variants\":[", stdout);
		for (const struct tb_variant *v = b->variants; v->name; v++) {
			if (v != b->variants)
				fputc(',', stdout);
			json_str(v->name);
		}
		fputs("],\"metrics\":[", stdout);
		for (const struct tb_metric *m = b->metrics; m && m->name; m++) {
			json_field(m == b->metrics ? "{" : ",{", "name", m->name);
			json_field(",", "unit", m->unit);
			printf(",\"better\":\"%s\"", m->better == TB_HIGHER ? "higher" : "lower");
			json_field(",", "help", m->help);
			fputc('}', stdout);
		}
		fputs("],\"options\":[", stdout);
		for (const struct tb_option *o = b->options; o && o->name; o++) {
			json_field(o == b->options ? "{" : ",{", "name", o->name);
			json_field(",", "type", type_name(o->type));
			json_field(",", "default", o->def);
			json_field(",", "quick", o->quick ? o->quick : o->def);
			if (o->type == TB_OPT_INT)
				printf(",\"min\":%lld,\"max\":%lld", o->min, o->max);
			if (o->type == TB_OPT_CHOICE) {
				fputs(",\"choices\":[", stdout);
				for (int k = 0; o->choices[k]; k++) {
					if (k)
						fputc(',', stdout);
					json_str(o->choices[k]);
				}
				fputc(']', stdout);
			}
			json_field(",", "help", o->help);
			fputc('}', stdout);
		}
		fputs("]}\n", stdout);
	}
}

static void list_text(bool options)
{
	for (size_t i = 0; i < tb_bench_count(); i++) {
		const struct tb_bench *b = tb_bench_at(i);
		char group[32];
		printf("%-16s %-4s %s\n", b->name, tb_bench_group(b, group, sizeof(group)),
		       b->description);
		printf("%-21s variants:", "");
		for (const struct tb_variant *v = b->variants; v->name; v++)
			printf(" %s", v->name);
		putchar('\n');
		printf("%-21s metrics:", "");
		for (const struct tb_metric *m = b->metrics; m && m->name; m++)
			printf(" %s (%s)", m->name, m->unit);
		putchar('\n');
		/* What --quick changes, so a quick run's figures are read for what they are. */
		bool any = false;
		for (const struct tb_option *o = b->options; o && o->name; o++) {
			if (!o->quick)
				continue;
			printf("%s%s=%s", any ? " " : "                      --quick: ", o->name,
			       o->quick);
			any = true;
		}
		if (any)
			putchar('\n');
		if (!options)
			continue;
		for (const struct tb_option *o = b->options; o && o->name; o++) {
			printf("%-21s --set %s.%s=%s (%s", "", b->name, o->name, o->def,
			       type_name(o->type));
			if (o->type == TB_OPT_INT)
				printf(", %lld..%lld", o->min, o->max);
			for (int k = 0; o->type == TB_OPT_CHOICE && o->choices[k]; k++)
				printf("%s%s", k ? "|" : ": ", o->choices[k]);
			if (o->quick)
				printf(", --quick: %s", o->quick);
			printf(") %s\n", o->help);
		}
	}
}

static int list_main(int argc, char **argv)
{
	enum { A_JSON, A_OPTIONS, A_N };
	static const struct tb_arg args[] = {
		{ .name = "json", .id = A_JSON },
		{ .name = "options", .id = A_OPTIONS },
		{ 0 },
	};
	const char *given[A_N] = { 0 };
	struct tb_args spec = { .verb = "list", .table = args,
				.usage = "usage: tinyben list [--json] [--options]\n" };
	TB_ARGS_OR_RETURN(&spec, argc, argv, tb_args_keep, given);
	if (given[A_JSON])
		list_json();
	else
		list_text(given[A_OPTIONS]);
	/* A listing that did not arrive (disk full, stdout closed) is a failure. */
	int e = fflush(stdout) != 0 ? errno : ferror(stdout) ? EIO : 0;
	if (e)
		tb_error("list: cannot write to stdout: %s", strerror(e));
	return e ? TB_EXIT_FAILED : TB_EXIT_OK;
}

TB_VERB(list,
	.order = 20,
	.synopsis = "list [--json] [--options]",
	.summary = "list every benchmark with its group, variants and options");
