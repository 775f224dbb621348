/* Parsing and validation of `tinyben run` options: every mistake is one line and exit 2. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tinyben/cli.h"
#include "tinyben/csv.h"
#include "tinyben/threads.h"
#include "tinyben/util.h"
#include "registry.h"
#include "run_args.h"

enum {
	OPT_QUICK = 256, OPT_FORMAT, OPT_FORCE, OPT_TAG, OPT_SET, OPT_DIR, OPT_THREADS,
	OPT_REDIS, OPT_PEER, OPT_CORPUS, OPT_ALLOW_DEVICE, OPT_MIN_TIME, OPT_RUNS, OPT_SHUFFLE,
	OPT_OUTPUT_FD, OPT_OUTPUT_TRUNCATE, OPT_NO_HEADER,
};

static const struct tb_arg args[] = {
	{ "bench", 'b', true, 'b' },
	{ "quick", 0, false, OPT_QUICK },
	{ "reps", 'r', true, 'r' },
	{ "output", 'o', true, 'o' },
	{ "format", 0, true, OPT_FORMAT },
	{ "force", 0, false, OPT_FORCE },
	{ "tag", 0, true, OPT_TAG },
	{ "set", 0, true, OPT_SET },
	{ "dir", 0, true, OPT_DIR },
	{ "threads", 0, true, OPT_THREADS },
	{ "redis", 0, true, OPT_REDIS },
	{ "peer", 0, true, OPT_PEER },
	{ "corpus", 0, true, OPT_CORPUS },
	{ "allow-device", 0, false, OPT_ALLOW_DEVICE },
	{ "min-time", 0, true, OPT_MIN_TIME },
	{ "quiet", 'q', false, 'q' },
	{ "runs", 0, true, OPT_RUNS },
	{ "shuffle", 0, true, OPT_SHUFFLE },  /* internal, from --runs */
	{ "output-fd", 0, true, OPT_OUTPUT_FD },  /* internal, from --runs */
	{ "output-truncate", 0, false, OPT_OUTPUT_TRUNCATE },  /* internal, from --runs */
	{ "no-header", 0, false, OPT_NO_HEADER },  /* internal, from --runs */
	{ 0 },
};

static const char usage[] =
	"usage: tinyben run [options]\n"
	"  -b, --bench GLOB[,GLOB]   benchmarks to run (shell globs, e.g. 'mem.*'); BENCH:VARIANT\n"
	"                            selects variants (e.g. mem.mbw:MEMCPY). Default: all\n"
	"      --quick               small sizes, 3 repetitions, 0.05 s per repetition\n"
	"  -r, --reps N              measured repetitions (default 5, --quick 3)\n"
	"      --runs N              N independent runs (default 1), each a fresh process with\n"
	"                            its own run_id and a shuffled order of benchmarks and\n"
	"                            variants, into one output; compare needs 3 a side\n"
	"      --min-time S          seconds each repetition lasts at least (default 0.5)\n"
	"  -o, --output FILE         write results to FILE (refuses to replace it without --force)\n"
	"      --format csv|json     output format (default: from -o's extension, else csv)\n"
	"      --force               replace an existing output file\n"
	"                            (one writer at a time: while another tinyben writes FILE,\n"
	"                            run stops at once with exit 75 and leaves FILE alone)\n"
	"      --tag KEY=VALUE       add tag.KEY=VALUE to the detail of every row\n"
	"      --set BENCH.KEY=VAL   set an option of one benchmark (see 'tinyben list --options')\n"
	"      --dir DIR             where I/O benchmarks create their files (default: .)\n"
	"      --threads LIST        thread counts for scalable benchmarks: N, 1,2,4 or all\n"
	"      --redis ADDR          = --set io.redis.server=ADDR (host:port or socket path)\n"
	"      --peer HOST:PORT      = --set io.net.peer=HOST:PORT (a `tinyben serve`)\n"
	"      --corpus FILE         = --set cpu.lz4.corpus=FILE\n"
	"      --allow-device        = --set io.uring.allow_device=1 (never by default)\n"
	"  -q, --quiet               no progress and no summary on stderr\n";

static int fail(const char *fmt, const char *arg)
{
	char line[512];
	snprintf(line, sizeof(line), fmt, arg);
	tb_error("run: %s", line);
	return -1;
}

/* A count given twice (1,1 or all,2 where all is 2) runs once: two runs under one variant
 * name would give rows no reader could tell apart. An empty element (1,,2) is a typo.
 * 4096 threads: the team's per-thread state and pinning are sized for it, and more would only
 * time the scheduler. */
#define THREADS_MAX 4096
#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)

int tb_parse_thread_list(const char *s, int all, int *counts, int max, int *n)
{
	char *copy = strdup(s);
	if (!copy)
		return -ENOMEM;
	*n = 0;
	int rc = 0;
	for (char *next = copy, *tok; rc == 0 && (tok = strsep(&next, ","));) {
		long long v;
		if (strcmp(tok, "all") == 0)
			v = all;
		else if (tb_parse_ll(tok, 1, THREADS_MAX, &v) != 0) {
			rc = -EINVAL;
			break;
		}
		bool seen = false;
		for (int i = 0; i < *n; i++)
			seen |= counts[i] == (int)v;
		if (seen)
			continue;
		if (*n == max) {
			rc = -EINVAL;
			break;
		}
		counts[(*n)++] = (int)v;
	}
	free(copy);
	if (rc == 0 && *n == 0)
		rc = -EINVAL;
	return rc;
}

/* Checks value for option opt of b and records it; errors name the flag as shown. */
static int set_option(struct tb_run_args *a, const struct tb_bench *b, const struct tb_option *opt,
		      const char *value, const char *shown)
{
	char err[300];
	if (tb_option_check(opt, value, err, sizeof(err)) != 0) {
		char msg[400];
		snprintf(msg, sizeof(msg), "%s: %s", shown, err);
		return fail("%s", msg);
	}
	a->overrides = realloc(a->overrides, (a->n_overrides + 1) * sizeof(*a->overrides));
	if (!a->overrides)
		abort();
	a->overrides[a->n_overrides++] = (struct tb_override){ b, opt, value };
	return 0;
}

static const struct tb_option *find_option(const struct tb_bench *b, const char *name)
{
	for (const struct tb_option *o = b->options; o && o->name; o++)
		if (strcmp(o->name, name) == 0)
			return o;
	return NULL;
}

/* --redis, --corpus, --allow-device: the options of one benchmark, under their old flags. */
static int set_alias(struct tb_run_args *a, const char *bench, const char *name, const char *value,
		     const char *flag)
{
	const struct tb_bench *b = tb_bench_find(bench);
	const struct tb_option *opt = b ? find_option(b, name) : NULL;
	if (!opt)
		return fail("%s: this build has no benchmark for it", flag);
	if (!*value)
		return fail("%s: an empty value (leave the flag out for the default)", flag);
	return set_option(a, b, opt, value, flag);
}

static int add_override(struct tb_run_args *a, const char *arg)
{
	/* BENCH.KEY=VALUE where BENCH itself contains a dot: the key follows the last dot
	 * before '='. */
	const char *eq = strchr(arg, '=');
	if (!eq)
		return fail("--set '%s': expected BENCH.KEY=VALUE", arg);
	char name[256];
	size_t len = (size_t)(eq - arg);
	if (len >= sizeof(name))
		return fail("--set '%s': name too long", arg);
	memcpy(name, arg, len);
	name[len] = '\0';
	char *dot = strrchr(name, '.');
	if (!dot)
		return fail("--set '%s': expected BENCH.KEY=VALUE", arg);
	*dot = '\0';
	const struct tb_bench *b = tb_bench_find(name);
	if (!b)
		return fail("--set: unknown benchmark '%s' (see 'tinyben list')", name);
	const struct tb_option *opt = find_option(b, dot + 1);
	if (!opt) {
		char msg[300];
		snprintf(msg, sizeof(msg), "%s has no option '%s' (see 'tinyben list --options')",
			 b->name, dot + 1);
		return fail("--set: %s", msg);
	}
	char shown[300];
	snprintf(shown, sizeof(shown), "--set %s.%s", b->name, opt->name);
	return set_option(a, b, opt, eq + 1, shown);
}

static int add_tag(struct tb_run_args *a, const char *arg)
{
	/* Checked before the message below echoes arg: a newline or an escape sequence in it
	 * would turn one error line into several, or into terminal commands. */
	if (tb_has_control(arg))
		return fail("--tag: %s", "KEY=VALUE must not hold control characters");
	const char *eq = strchr(arg, '=');
	if (!eq || eq == arg || strchr(arg, ' '))
		return fail("--tag '%s': expected KEY=VALUE without spaces", arg);
	for (const unsigned char *p = (const unsigned char *)arg; *p;) {
		size_t n = tb_utf8_valid_len(p);
		if (n == 0)
			return fail("--tag: %s", "KEY=VALUE must be valid UTF-8 text");
		p += n;
	}
	char *t = tb_strdupf("%s tag.%s", a->tags ? a->tags : "", arg);
	free(a->tags);
	a->tags = t;
	return 0;
}

static int split_patterns(struct tb_run_args *a, const char *arg)
{
	char *copy = strdup(arg), *save = NULL;
	if (!copy)
		abort();
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		a->patterns = realloc(a->patterns, (a->n_patterns + 1) * sizeof(*a->patterns));
		if (!a->patterns)
			abort();
		a->patterns[a->n_patterns++] = strdup(tok);
	}
	free(copy);
	return a->n_patterns ? 0 : fail("-b '%s': no benchmark named", arg);
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcasecmp(s + n - m, suffix) == 0; /* r.JSON is JSON too */
}

/* A team row's variant (mem.mbw:MEMCPY-t2) copied from a results file selects that row back:
 * without --threads, each literal -tN ending a -b variant gives the team size N. */
static void threads_from_patterns(struct tb_run_args *a)
{
	struct tb_settings *s = &a->settings;
	int n_default = s->n_thread_counts;
	s->n_thread_counts = 0;
	for (size_t i = 0; i < a->n_patterns; i++) {
		const char *colon = strchr(a->patterns[i], ':');
		const char *t = colon ? strrchr(colon, '-') : NULL;
		long long n;
		if (!t || t[1] != 't' || !t[2] || strspn(t + 2, "0123456789") != strlen(t + 2) ||
		    tb_parse_ll(t + 2, 1, 4096, &n) != 0)
			continue;
		bool seen = false;
		for (int c = 0; c < s->n_thread_counts; c++)
			seen |= s->thread_counts[c] == (int)n;
		if (!seen && s->n_thread_counts < TB_MAX_THREAD_COUNTS)
			s->thread_counts[s->n_thread_counts++] = (int)n;
	}
	s->threads_given = s->n_thread_counts > 0;
	if (!s->threads_given)
		s->n_thread_counts = n_default;
}

/* What the options say, before they are checked together. */
struct raw {
	struct tb_run_args *a;
	const char *format, *reps, *min_time, *runs;
};

static int on_option(void *user, int id, const char *value)
{
	struct raw *r = user;
	struct tb_run_args *a = r->a;
	switch (id) {
	case 'b': a->bench_arg = value; return split_patterns(a, value);
	case OPT_QUICK: a->settings.quick = true; return 0;
	case 'r': r->reps = value; return 0;
	case 'o': a->output = value; return 0;
	case OPT_FORMAT: r->format = value; return 0;
	case OPT_FORCE: a->force = true; return 0;
	case OPT_TAG: return add_tag(a, value);
	case OPT_SET: return add_override(a, value);
	case OPT_DIR: a->settings.dir = value; return 0;
	case OPT_THREADS:
		a->settings.threads_given = true;
		if (tb_parse_thread_list(value, tb_cpu_count_allowed(), a->settings.thread_counts,
					 TB_MAX_THREAD_COUNTS, &a->settings.n_thread_counts) != 0)
			return fail("--threads '%s': expected N from 1 to " STRINGIFY(THREADS_MAX)
				    ", all, or a list of up to " STRINGIFY(TB_MAX_THREAD_COUNTS)
				    " of them like 1,2,4", value);
		return 0;
	case OPT_REDIS: return set_alias(a, "io.redis", "server", value, "--redis");
	case OPT_PEER: return set_alias(a, "io.net", "peer", value, "--peer");
	case OPT_CORPUS: return set_alias(a, "cpu.lz4", "corpus", value, "--corpus");
	case OPT_ALLOW_DEVICE: return set_alias(a, "io.uring", "allow_device", "1", "--allow-device");
	case OPT_MIN_TIME: r->min_time = value; return 0;
	case 'q': a->quiet = true; return 0;
	case OPT_RUNS: r->runs = value; return 0;
	case OPT_OUTPUT_FD: {
		long long fd;
		if (tb_parse_ll(value, 3, 1 << 20, &fd) != 0)
			return fail("--output-fd '%s': expected an inherited file descriptor", value);
		a->output_fd = (int)fd;
		return 0;
	}
	case OPT_OUTPUT_TRUNCATE: a->output_truncate = true; return 0;
	case OPT_NO_HEADER: a->no_header = true; return 0;
	case OPT_SHUFFLE: {
		char *end;
		errno = 0;
		a->shuffle_seed = strtoull(value, &end, 16);
		if (errno || end == value || *end)
			return fail("--shuffle '%s': expected a hexadecimal seed", value);
		return 0;
	}
	}
	return -1;
}

int tb_run_args_parse(int argc, char **argv, struct tb_run_args *a)
{
	memset(a, 0, sizeof(*a));
	a->settings.dir = ".";
	a->settings.thread_counts[0] = 1;
	a->settings.n_thread_counts = 1;
	a->bench_arg = "*";
	a->output_fd = -1;
	struct raw r = { .a = a };
	struct tb_args spec = { .verb = "run", .usage = usage, .table = args };
	int rc = tb_args_parse(&spec, argc, argv, on_option, &r);
	if (rc != 0) {
		tb_run_args_free(a);
		return rc;
	}
	const char *format = r.format, *reps = r.reps, *min_time = r.min_time;

	long long v = a->settings.quick ? 3 : 5;
	if (reps && tb_parse_ll(reps, 1, 1000000, &v) != 0) {
		fail("-r '%s': expected a whole number of repetitions from 1 to 1000000", reps);
		tb_run_args_free(a);
		return -1;
	}
	a->settings.reps = (int)v;
	v = 1;
	if (r.runs && tb_parse_ll(r.runs, 1, 1000, &v) != 0) {
		fail("--runs '%s': expected a whole number of runs from 1 to 1000", r.runs);
		tb_run_args_free(a);
		return -1;
	}
	a->runs = (int)v;
	a->settings.min_time = a->settings.quick ? 0.05 : 0.5;
	if (min_time && tb_parse_double(min_time, 0.0001, 3600, &a->settings.min_time) != 0) {
		fail("--min-time '%s': expected seconds between 0.0001 and 3600", min_time);
		tb_run_args_free(a);
		return -1;
	}

	if (format && strcmp(format, "csv") == 0)
		a->format = TB_FORMAT_CSV;
	else if (format && strcmp(format, "json") == 0)
		a->format = TB_FORMAT_JSON;
	else if (format) {
		fail("--format '%s': expected csv or json", format);
		tb_run_args_free(a);
		return -1;
	} else if (a->output && (ends_with(a->output, ".json") || ends_with(a->output, ".jsonl")))
		a->format = TB_FORMAT_JSON;

	if (!a->settings.threads_given)
		threads_from_patterns(a);

	struct stat st;
	if (stat(a->settings.dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		fail("--dir '%s': not an existing directory", a->settings.dir);
		tb_run_args_free(a);
		return -1;
	}
	return 0;
}

void tb_run_args_free(struct tb_run_args *a)
{
	for (size_t i = 0; i < a->n_patterns; i++)
		free(a->patterns[i]);
	free(a->patterns);
	free(a->overrides);
	free(a->tags);
	a->patterns = NULL;
	a->overrides = NULL;
	a->tags = NULL;
	a->n_patterns = a->n_overrides = 0;
}
