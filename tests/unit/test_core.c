/* Unit tests of the core: CSV quoting, JSON escaping, number and option parsing, statistics. */
#include <errno.h>
#include <limits.h>

#include "tinyben/cli.h"
#include "tinyben/csv.h"
#include "tinyben/hist.h"
#include "tinyben/stats.h"
#include "tinyben/util.h"
#include "core/ctx_impl.h"
#include "core/run_args.h"
#include "../lib/check.h"

/* CSV and JSON quoting: each row is the function, a field and what it must write. */
static void test_quote(void)
{
	static const struct {
		size_t (*quote)(char *buf, size_t cap, const char *field);
		const char *field, *want;
	} cases[] = {
		{ tb_csv_quote, "plain", "plain" },
		{ tb_csv_quote, "a,b", "\"a,b\"" },
		{ tb_csv_quote, "say \"hi\"", "\"say \"\"hi\"\"\"" },
		{ tb_csv_quote, "two\nlines", "\"two\nlines\"" },
		{ tb_csv_quote, "", "" },
		{ tb_json_quote, "a\"b\\c\n\x01", "\"a\\\"b\\\\c\\n\\u0001\"" },
		/* Valid UTF-8 passes as is; a stray byte, an overlong form, a surrogate and a cut
		 * sequence each become U+FFFD, so the line stays parsable JSON. */
		{ tb_json_quote, "h\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80",
		  "\"h\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"" },
		{ tb_json_quote, "a\xff" "b\xc0\xaf" "c\xed\xa0\x80" "d\xe2\x82",
		  "\"a\\ufffdb\\ufffd\\ufffdc\\ufffd\\ufffd\\ufffdd\\ufffd\\ufffd\"" },
	};
	char b[64];
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		cases[i].quote(b, sizeof(b), cases[i].field);
		CHECK_STR(b, cases[i].want);
	}
	CHECK(tb_csv_quote(b, 4, "a,bcdef") == 9); /* needs 9, truncated safely */
	CHECK(strlen(b) == 3);
}

static void test_parse(void)
{
	long long v = 0;
	CHECK(tb_parse_ll("42", 0, 100, &v) == 0 && v == 42);
	CHECK(tb_parse_ll("4k", 0, LLONG_MAX, &v) == 0 && v == 4096);
	CHECK(tb_parse_ll("2M", 0, LLONG_MAX, &v) == 0 && v == 2097152);
	CHECK(tb_parse_ll("1G", 0, LLONG_MAX, &v) == 0 && v == 1073741824LL);
	CHECK(tb_parse_ll("12x", 0, 100, &v) == -EINVAL);
	CHECK(tb_parse_ll("1kk", 0, LLONG_MAX, &v) == -EINVAL);
	CHECK(tb_parse_ll("", 0, 100, &v) == -EINVAL);
	CHECK(tb_parse_ll("abc", 0, 100, &v) == -EINVAL);
	CHECK(tb_parse_ll("101", 0, 100, &v) == -ERANGE);
	CHECK(tb_parse_ll("-1", 0, 100, &v) == -ERANGE);
	/* "5 " was refused and " 5" taken: strtoll skips leading blanks, so both are refused */
	CHECK(tb_parse_ll(" 5", 0, 100, &v) == -EINVAL);
	CHECK(tb_parse_ll("\t5", 0, 100, &v) == -EINVAL);
	CHECK(tb_parse_ll("99999999999999999999", 0, LLONG_MAX, &v) == -ERANGE);
	CHECK(tb_parse_ll("9000000000G", 0, LLONG_MAX, &v) == -ERANGE);
	double d;
	CHECK(tb_parse_double("0.25", 0, 1, &d) == 0 && d == 0.25);
	CHECK(tb_parse_double("nan", 0, 1, &d) == -EINVAL);
	CHECK(tb_parse_double(" 0.5", 0, 1, &d) == -EINVAL);
	CHECK(tb_parse_double("2", 0, 1, &d) == -ERANGE);
	bool b;
	CHECK(tb_parse_bool("yes", &b) == 0 && b);
	CHECK(tb_parse_bool("FALSE", &b) == 0 && !b);
	CHECK(tb_parse_bool("maybe", &b) == -EINVAL);
}

static void test_threads_list(void)
{
	int c[8], n;
	CHECK(tb_parse_thread_list("1,2,all", 16, c, 8, &n) == 0 && n == 3 && c[2] == 16);
	CHECK(tb_parse_thread_list("4", 16, c, 8, &n) == 0 && n == 1 && c[0] == 4);
	CHECK(tb_parse_thread_list("0", 16, c, 8, &n) == -EINVAL);
	CHECK(tb_parse_thread_list("two", 16, c, 8, &n) == -EINVAL);
	CHECK(tb_parse_thread_list(",", 16, c, 8, &n) == -EINVAL);
	/* a count given twice runs once; an empty element is a typo */
	CHECK(tb_parse_thread_list("1,1", 16, c, 8, &n) == 0 && n == 1 && c[0] == 1);
	CHECK(tb_parse_thread_list("2,all,1,2", 2, c, 8, &n) == 0 && n == 2 && c[0] == 2 &&
	      c[1] == 1);
	CHECK(tb_parse_thread_list("1,,2", 16, c, 8, &n) == -EINVAL);
	CHECK(tb_parse_thread_list("1,", 16, c, 8, &n) == -EINVAL);
	CHECK(tb_parse_thread_list(",1", 16, c, 8, &n) == -EINVAL);
}

/* tb_args_parse: the forms of a value, the end of options, and each mistake. */
static char seen[256];

static int on_arg(void *user, int id, const char *value)
{
	(void)user;
	size_t n = strlen(seen);
	snprintf(seen + n, sizeof(seen) - n, "%c=%s;", id, value ? value : "-");
	return 0;
}

static const struct tb_arg test_table[] = {
	{ "reps", 'r', true, 'r' }, { "quick", 0, false, 'q' }, { 0 },
};

/* Parses "verb WORDS..." with test_table into argv[16]; returns the parser's answer. */
static int parse_words(struct tb_args *a, char **argv, int *argc, const char *const *words)
{
	*argc = 0;
	argv[(*argc)++] = (char *)"verb";
	for (; *words; words++)
		argv[(*argc)++] = (char *)*words;
	a->verb = "verb";
	a->usage = "";
	a->table = test_table;
	seen[0] = '\0';
	return tb_args_parse(a, *argc, argv, on_arg, NULL);
}

static int parse(bool operands, int *first, const char *const *words)
{
	char *argv[16];
	int argc;
	struct tb_args a = { .operands = operands };
	int rc = parse_words(&a, argv, &argc, words);
	*first = a.first_operand;
	return rc;
}

static void test_args(void)
{
	int first;
	CHECK(parse(false, &first, (const char *[]){ "--reps=3", "-r4", "-r", "5", "--quick",
						   "--reps", "6", NULL }) == 0);
	CHECK_STR(seen, "r=3;r=4;r=5;q=-;r=6;");
	CHECK(parse(true, &first, (const char *[]){ "--quick", "cmd", "-r", "1", NULL }) == 0);
	CHECK(first == 2);
	CHECK(parse(true, &first, (const char *[]){ "--", "-r", NULL }) == 0 && first == 2);
	CHECK(parse(false, &first, (const char *[]){ "--bogus", NULL }) == -1);
	CHECK(parse(false, &first, (const char *[]){ "-r", NULL }) == -1);
	CHECK(parse(false, &first, (const char *[]){ "--quick=1", NULL }) == -1);
	CHECK(parse(false, &first, (const char *[]){ "stray", NULL }) == -1);
}

/* Mixed operands: every option is read, and the operands end up, in order, at the end. */
static void check_mixed(const char *const *words, const char *want_seen, const char *want_ops)
{
	char *argv[16];
	int argc;
	struct tb_args a = { .mixed = true };
	CHECK(parse_words(&a, argv, &argc, words) == 0);
	CHECK_STR(seen, want_seen);
	char ops[128] = "";
	for (int i = a.first_operand; i < argc; i++) {
		size_t n = strlen(ops);
		snprintf(ops + n, sizeof(ops) - n, "%s;", argv[i]);
	}
	CHECK_STR(ops, want_ops);
	CHECK_STR(argv[0], "verb");
}

static void test_args_mixed(void)
{
	check_mixed((const char *[]){ "a", "--reps", "2", "b", "--quick", "c", NULL },
		    "r=2;q=-;", "a;b;c;");
	check_mixed((const char *[]){ "-r3", "a", "-r", "4", NULL }, "r=3;r=4;", "a;");
	check_mixed((const char *[]){ "a", "--", "--quick", "b", NULL }, "", "a;--quick;b;");
	check_mixed((const char *[]){ "--quick", NULL }, "q=-;", "");
	check_mixed((const char *[]){ "a", "-", "b", NULL }, "", "a;-;b;");
	/* A mistake among operands is still the one error. */
	static const struct tb_arg table[] = { { "quick", 0, false, 'q' }, { 0 } };
	char *argv[] = { (char *)"verb", (char *)"a", (char *)"--bogus", NULL };
	struct tb_args a = { .verb = "verb", .usage = "", .table = table, .mixed = true };
	CHECK(tb_args_parse(&a, 3, argv, on_arg, NULL) == -1);
}

/* tb_args_keep: what is absent stays NULL, a flag is "", the last of a repeat wins. */
static void test_args_keep(void)
{
	enum { OUT, FORCE, JSON, N };
	static const struct tb_arg table[] = {
		{ "out", 'o', true, OUT }, { "force", 0, false, FORCE }, { "json", 0, false, JSON },
		{ 0 },
	};
	char *argv[] = { (char *)"verb", (char *)"-o", (char *)"a", (char *)"--force",
			 (char *)"--out=b", NULL };
	const char *given[N] = { 0 };
	struct tb_args a = { .verb = "verb", .usage = "", .table = table };
	CHECK(tb_args_parse(&a, 5, argv, tb_args_keep, given) == 0);
	CHECK_STR(given[OUT], "b");
	CHECK(given[FORCE] && given[FORCE][0] == '\0');
	CHECK(given[JSON] == NULL);
}

/* TB_ARGS_OR_RETURN: a verb's main ends with 0 after --help, 2 after a mistake, and
 * otherwise goes on. */
static int verb_main(int argc, char **argv)
{
	struct tb_args a = { .verb = "verb", .usage = "", .table = test_table };
	seen[0] = '\0';
	TB_ARGS_OR_RETURN(&a, argc, argv, on_arg, NULL);
	return 42;
}

static void test_args_or_return(void)
{
	char *help[] = { (char *)"verb", (char *)"--help", NULL };
	char *mistake[] = { (char *)"verb", (char *)"--nope", NULL };
	char *fine[] = { (char *)"verb", (char *)"-r", (char *)"3", NULL };
	CHECK(verb_main(2, help) == TB_EXIT_OK);
	CHECK(verb_main(2, mistake) == TB_EXIT_USAGE);
	CHECK(verb_main(3, fine) == 42);
	CHECK_STR(seen, "r=3;");
}

static void test_option_check(void)
{
	struct tb_option o = { .name = "size", .type = TB_OPT_INT, .def = "8", .min = 1, .max = 64 };
	char err[128];
	CHECK(tb_option_check(&o, "64", err, sizeof(err)) == 0);
	CHECK(tb_option_check(&o, "65", err, sizeof(err)) != 0);
	CHECK(strstr(err, "out of range") != NULL);
	CHECK(tb_option_check(&o, "x", err, sizeof(err)) != 0);
	CHECK(strstr(err, "not a whole number") != NULL);
	struct tb_option ob = { .name = "flag", .type = TB_OPT_BOOL, .def = "0" };
	CHECK(tb_option_check(&ob, "true", err, sizeof(err)) == 0);
	CHECK(tb_option_check(&ob, "2", err, sizeof(err)) != 0);
	static const char *const words[] = { "auto", "psync", NULL };
	struct tb_option oc = { .name = "engine", .type = TB_OPT_CHOICE, .def = "auto",
				.choices = words };
	CHECK(tb_option_check(&oc, "psync", err, sizeof(err)) == 0);
	CHECK(tb_option_check(&oc, "aio", err, sizeof(err)) != 0);
	CHECK_STR(err, "'aio' is not one of auto, psync");
	struct tb_option of = { .name = "corpus", .type = TB_OPT_STR, .def = "",
				.check = tb_check_input_file };
	CHECK(tb_option_check(&of, "", err, sizeof(err)) == 0);
	CHECK(tb_option_check(&of, "/", err, sizeof(err)) != 0);
}

/* Every declared option: its default and --quick value pass its own check (the runner
 * converts them unchecked), its field lies inside the options struct, a choice has words. */
static void test_registered_options(void)
{
	char err[300];
	CHECK(tb_bench_count() >= 9);
	CHECK(tb_bench_find("cpu.nosuch") == NULL && tb_bench_find("") == NULL);
	for (size_t i = 0; i < tb_bench_count(); i++) {
		const struct tb_bench *b = tb_bench_at(i);
		CHECK(tb_bench_find(b->name) == b);
		/* Every benchmark declares what its rows hold, each name once. */
		CHECK(b->metrics && b->metrics[0].name);
		/* ... and its headline, which the report draws (one metric per variant). */
		bool primary = false;
		for (const struct tb_metric *m = b->metrics; m && m->name; m++)
			primary = primary || m->primary;
		if (!primary)
			printf("# %s: no primary metric\n", b->name);
		CHECK(primary);
		for (const struct tb_metric *m = b->metrics; m && m->name; m++)
			for (const struct tb_metric *n = m + 1; n->name; n++)
				CHECK(strcmp(m->name, n->name) != 0);
		for (const struct tb_option *o = b->options; o && o->name; o++) {
			bool ok = tb_option_check(o, o->def, err, sizeof(err)) == 0 &&
				  (!o->quick || tb_option_check(o, o->quick, err, sizeof(err)) == 0) &&
				  o->offset < b->opts_size &&
				  (o->type != TB_OPT_CHOICE || o->choices);
			if (!ok)
				printf("# %s.%s: %s\n", b->name, o->name, err);
			CHECK(ok);
		}
	}
}

static void test_stats(void)
{
	/* Hand-computed: mean 5, sample variance 32/7, sd 2.138090, median 4.5. */
	double x[] = { 2, 4, 4, 4, 5, 5, 7, 9 };
	struct tb_summary s;
	CHECK(tb_summarize(x, 8, &s) == 0);
	CHECK_NEAR(s.mean, 5.0, 1e-12);
	CHECK_NEAR(s.median, 4.5, 1e-12);
	CHECK_NEAR(s.stddev, 2.1380899353, 1e-9);
	CHECK_NEAR(s.cv, 2.1380899353 / 5, 1e-9);
	CHECK_NEAR(s.min, 2, 0);
	CHECK_NEAR(s.max, 9, 0);
	/* t(0.975, 7) = 2.3646243: half width 2.3646243 * 2.1380899 / sqrt(8) = 1.7874879 */
	CHECK_NEAR(s.ci95_hi - s.mean, 1.7874879, 1e-6);
	double one = 3;
	CHECK(tb_summarize(&one, 1, &s) == 0 && s.stddev == 0 && s.cv == 0 && s.median == 3);
	CHECK(tb_summarize(x, 0, &s) == -EINVAL);
	double odd[] = { 9, 1, 5 };
	CHECK_NEAR(tb_median(odd, 3), 5, 0);
	CHECK(odd[0] == 9); /* input untouched */
	double q[] = { 1, 2, 3, 4 };
	CHECK_NEAR(tb_quantile_sorted(q, 4, 0.25), 1.75, 1e-12);
	CHECK_NEAR(tb_student_t975(1), 12.706204736, 1e-8);
	CHECK_NEAR(tb_student_t975(1000), 1.96, 0.005);
}

static void test_hist(void)
{
	static struct tb_hist h;
	tb_hist_init(&h);
	CHECK(tb_hist_quantile(&h, 0.5) == 0);
	for (uint64_t v = 1; v <= 100000; v++)
		tb_hist_add(&h, v);
	CHECK(h.count == 100000 && h.min == 1 && h.max == 100000);
	/* Exact quantiles are 50000, 99000, 99900; buckets are within 1/128. */
	CHECK_NEAR(tb_hist_quantile(&h, 0.5), 50000, 50000 / 128.0);
	CHECK_NEAR(tb_hist_quantile(&h, 0.99), 99000, 99000 / 128.0);
	CHECK_NEAR(tb_hist_quantile(&h, 0.999), 99900, 99900 / 128.0);
	CHECK_NEAR(tb_hist_quantile(&h, 0), 1, 0);
	CHECK_NEAR(tb_hist_quantile(&h, 1), 100000, 0);
	CHECK_NEAR(tb_hist_mean(&h), 50000.5, 1e-6);
	static struct tb_hist small, merged;
	tb_hist_init(&small);
	tb_hist_add(&small, 7);
	tb_hist_add(&small, 7);
	tb_hist_add(&small, 200);
	CHECK_NEAR(tb_hist_quantile(&small, 0.5), 7, 0); /* exact below 256 */
	CHECK_NEAR(tb_hist_quantile(&small, 0.9), 200, 0);
	tb_hist_init(&merged);
	tb_hist_merge(&merged, &small);
	tb_hist_merge(&merged, &h);
	CHECK(merged.count == 100003 && merged.min == 1 && merged.max == 100000);
	tb_hist_add(&merged, UINT64_MAX);
	CHECK(merged.max == UINT64_MAX);
}

int main(void)
{
	test_hist();
	test_quote();
	test_parse();
	test_threads_list();
	test_args();
	test_args_mixed();
	test_args_keep();
	test_args_or_return();
	test_option_check();
	test_registered_options();
	test_stats();
	return check_done();
}
