/* Unit tests of the comparison statistics and the CSV reader, against hand-computed values. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/check.h"
#include "report/cmpstats.h"
#include "report/table.h"
#include "tinyben/stats.h"

#define HDR "timestamp,run_id,host,cc_level,cc_features,kernel,cpu_model,vcpus,mem_mib," \
	    "tinyben_version,group,bench,variant,metric,unit,better,rep,value,status,detail"
#define ROW(v) "t,r1,h,none,,k,c,2,100,0.1.0,mem,mem.mbw,MEMCPY,copy_bw,MiB/s,higher,1," v ",ok,"

static int parse(const char *text, char *err, size_t n, struct tb_table *t)
{
	return tb_csv_parse(t, "x.csv", text, strlen(text), err, n);
}

static void test_reader(void)
{
	struct tb_table t = { 0 };
	char err[256];
	CHECK(parse(HDR "\r\n" ROW("12.5") "\r\n" ROW("13") "\n", err, sizeof(err), &t) == 0);
	CHECK(t.n == 2);
	CHECK_NEAR(t.rows[0].value, 12.5, 0);
	CHECK(t.rows[1].line == 3);
	CHECK_STR(t.rows[0].f[TB_COL_BENCH], "mem.mbw");
	/* Quoted fields with "" escapes, commas and a line break; the next row's line. */
	CHECK(parse(HDR "\n" "t,r1,h,none,,k,\"AMD \"\"EPYC\"\", 2\nlines\",2,100,0.1.0,mem,m,v,"
		    "x,u,lower,1,3,ok,\"a=1 b=2\"\n" ROW("1") "\n", err, sizeof(err), &t) == 0);
	CHECK(strcmp(t.rows[2].f[TB_COL_CPU_MODEL], "AMD \"EPYC\", 2\nlines") == 0);
	CHECK(t.rows[3].line == 4);
	CHECK(t.n_files == 2);
	size_t before = t.n;
	CHECK(parse(HDR "\n" ROW("1") "\n" ROW("1"), err, sizeof(err), &t) == -22);
	CHECK_STR(err, "x.csv:3: truncated last line (no line end: the file was cut off; "
		       "--allow-truncated drops it)");
	CHECK(t.n == before); /* rows of a bad file are dropped */
	CHECK(parse(HDR "\n" ROW("abc") "\n", err, sizeof(err), &t) == -22);
	CHECK_STR(err, "x.csv:2: value 'abc' is not a finite number");
	CHECK(parse(HDR "\n" ROW("nan") "\n", err, sizeof(err), &t) == -22);
	CHECK(parse(HDR "\n" ROW("1e999") "\n", err, sizeof(err), &t) == -22);
	CHECK(parse("a,b\n", err, sizeof(err), &t) == -22);
	CHECK_STR(err, "x.csv:1: not a tinyben CSV: header column 1 is 'a', expected 'timestamp'");
	CHECK(parse(HDR ",x\n", err, sizeof(err), &t) == -22);
	CHECK_STR(err, "x.csv:1: not a tinyben CSV: header column 21 is 'x', expected 'boot_id'");
	CHECK(parse(HDR ",boot_id,x\n", err, sizeof(err), &t) == -22);
	CHECK_STR(err, "x.csv:1: not a tinyben CSV: header has 22 columns, expected 21 "
		       "(timestamp,...,boot_id; 20 in files before boot_id)");
	CHECK(parse(HDR "\n\"unterminated\n", err, sizeof(err), &t) == -22);
	CHECK_STR(err, "x.csv:2: truncated last line (a quoted field is never closed; "
		       "--allow-truncated drops it)");
	CHECK(parse(HDR "\na\"b\n", err, sizeof(err), &t) == -22);
	CHECK(parse(HDR "\n" "t,r1,h,none,,k,c,2,100,0.1.0,mem,m,v,x,u,maybe,1,3,ok,\n", err,
		    sizeof(err), &t) == -22);
	CHECK_STR(err, "x.csv:2: better 'maybe' is not higher or lower");
	/* Skipped rows need no value; a repeated header (cat a.csv b.csv) is accepted. */
	CHECK(parse("\xef\xbb\xbf" HDR "\n" "t,r1,h,none,,k,c,2,100,0.1.0,io,io.x,v,,,,,,skipped,"
		    "no disk\n" HDR "\r\n" ROW("2") "\r\n", err, sizeof(err), &t) == 0);
	CHECK(isnan(t.rows[t.n - 2].value));
	CHECK_NEAR(t.rows[t.n - 1].value, 2, 0);
	CHECK_STR(t.rows[t.n - 1].f[TB_COL_BOOT_ID], "");
	/* boot_id: a file with it, then (cat) one without; each row has as many fields as the
	 * header above it says. */
	CHECK(parse(HDR ",boot_id\n" ROW("3") ",b-1\n" HDR "\n" ROW("4") "\n", err, sizeof(err),
		    &t) == 0);
	CHECK_STR(t.rows[t.n - 2].f[TB_COL_BOOT_ID], "b-1");
	CHECK_STR(t.rows[t.n - 1].f[TB_COL_BOOT_ID], "");
	CHECK(parse(HDR ",boot_id\n" ROW("3") "\n", err, sizeof(err), &t) == -22);
	CHECK_STR(err, "x.csv:2: 20 fields, expected 21");
	CHECK(parse(HDR "\n" ROW("3") ",b-1\n", err, sizeof(err), &t) == -22);
	CHECK_STR(err, "x.csv:2: 21 fields, expected 20");
	tb_table_free(&t);
}

static void test_detail(void)
{
	char v[32];
	CHECK(tb_detail_get("pages=4k block_bytes=1048576 tag.guest=a", "block_bytes", v, sizeof(v)));
	CHECK_STR(v, "1048576");
	CHECK(!tb_detail_get("xblock_bytes=1", "block_bytes", v, sizeof(v)));
	CHECK(tb_detail_get("tag.guest=a", "tag.guest", v, sizeof(v)));
	CHECK_STR(v, "a");
}

static void test_ratio(void)
{
	/* Hand-computed: medians 20 and 30, ratio 1.5. */
	double x[] = { 10, 20, 30 }, y[] = { 25, 30, 40 };
	struct tb_ratio r, r2;
	CHECK(tb_ratio_ci(x, 3, y, 3, 2000, 42, &r) == 0);
	CHECK_NEAR(r.base_med, 20, 0);
	CHECK_NEAR(r.cand_med, 30, 0);
	CHECK_NEAR(r.ratio, 1.5, 1e-12);
	CHECK(r.has_ci && r.lo <= r.ratio && r.ratio <= r.hi);
	/* Bootstrap medians of {10,20,30} lie in [10,30] and of {25,30,40} in [25,40]:
	 * every resampled ratio lies in [25/30, 40/10]. */
	CHECK(r.lo >= 25.0 / 30 && r.hi <= 4.0);
	/* Deterministic: the same seed gives the same interval, another seed may not. */
	CHECK(tb_ratio_ci(x, 3, y, 3, 2000, 42, &r2) == 0);
	CHECK(r.lo == r2.lo && r.hi == r2.hi);
	/* Constant samples: the interval is the point. */
	double c1[] = { 4, 4, 4, 4 }, c2[] = { 5, 5, 5 };
	CHECK(tb_ratio_ci(c1, 4, c2, 3, 500, 1, &r) == 0);
	CHECK_NEAR(r.lo, 1.25, 1e-12);
	CHECK_NEAR(r.hi, 1.25, 1e-12);
	/* One sample a side: a ratio, no interval. */
	CHECK(tb_ratio_ci(x, 1, y, 1, 500, 1, &r) == 0);
	CHECK(!r.has_ci && isnan(r.lo));
	CHECK_NEAR(r.ratio, 2.5, 1e-12);
	double z[] = { 0, 0 };
	CHECK(tb_ratio_ci(z, 2, y, 3, 500, 1, &r) != 0);
	/* Median CI relative to itself contains 1 and stays inside min/med .. max/med. */
	CHECK(tb_median_ci(y, 3, 2000, 3, &r) == 0);
	CHECK_NEAR(r.ratio, 1, 0);
	CHECK(r.lo >= 25.0 / 30 - 1e-12 && r.hi <= 40.0 / 30 + 1e-12 && r.lo <= 1 && r.hi >= 1);
}

static void test_overhead(void)
{
	/* Throughput halves: cand needs twice the time, +100%. Time doubles: +100%. */
	CHECK_NEAR(tb_overhead_pct(0.5, true), 100, 1e-9);
	CHECK_NEAR(tb_overhead_pct(2.0, false), 100, 1e-9);
	CHECK_NEAR(tb_overhead_pct(1.25, true), -20, 1e-9);
	CHECK_NEAR(tb_overhead_pct(0.8, false), -20, 1e-9);
	CHECK_NEAR(tb_overhead_pct(1.0, true), 0, 1e-12);
	CHECK_NEAR(tb_norm_perf(0.8, true), 0.8, 1e-12);
	CHECK_NEAR(tb_norm_perf(1.25, false), 0.8, 1e-12);
}

static struct tb_row mkrow(const char *bench, const char *metric, const char *better,
			   const char *unit, double v)
{
	struct tb_row r = { .value = v };
	for (int i = 0; i < TB_NCOLS; i++)
		r.f[i] = "";
	r.f[TB_COL_RUN_ID] = "r";
	r.f[TB_COL_CC_LEVEL] = "none";
	r.f[TB_COL_GROUP] = "cpu";
	r.f[TB_COL_BENCH] = bench;
	r.f[TB_COL_VARIANT] = "v";
	r.f[TB_COL_METRIC] = metric;
	r.f[TB_COL_BETTER] = better;
	r.f[TB_COL_UNIT] = unit;
	r.f[TB_COL_STATUS] = "ok";
	return r;
}

static void test_compare_rows(void)
{
	struct tb_row rows[] = {
		mkrow("a", "t", "lower", "s", 1.0), mkrow("a", "t", "lower", "s", 1.1),
		mkrow("a", "t", "lower", "s", 0.9), mkrow("b", "t", "lower", "s", 5),
		mkrow("a", "t", "lower", "s", 2.0), mkrow("a", "t", "lower", "s", 2.2),
		mkrow("a", "t", "lower", "s", 1.8), mkrow("c", "t", "higher", "x", 5),
	};
	struct tb_side b, c;
	tb_side_init(&b, "base", 1);
	tb_side_init(&c, "cand", 1);
	for (int i = 0; i < 4; i++)
		tb_side_add(&b, &rows[i]);
	for (int i = 4; i < 8; i++)
		tb_side_add(&c, &rows[i]);
	struct tb_cmp cmp;
	tb_compare(&b, &c, NULL, &cmp);
	CHECK(cmp.n == 3);
	CHECK(cmp.rows[0].kind == TB_CMP_BOTH && cmp.rows[0].ok);
	CHECK_NEAR(cmp.rows[0].r.ratio, 2.0, 1e-12);
	CHECK_NEAR(cmp.rows[0].overhead, 100, 1e-9);
	/* Every resampled ratio is in [1.8/1.1, 2.2/0.9], but within one run only: no
	 * verdict from one run a side. */
	CHECK(!cmp.rows[0].significant);
	CHECK(cmp.rows[0].verdict == TB_VERDICT_UNDETERMINED);
	CHECK(cmp.rows[0].r.method == TB_CI_BOOT);
	CHECK_STR(cmp.rows[0].reason, "1/1 runs, need 3 a side (tinyben run --runs)");
	CHECK(cmp.rows[0].r.lo >= 1.8 / 1.1 - 1e-12 && cmp.rows[0].r.hi <= 2.2 / 0.9 + 1e-12);
	CHECK(cmp.rows[1].kind == TB_CMP_BASE_ONLY);
	CHECK(cmp.rows[2].kind == TB_CMP_CAND_ONLY);
	tb_cmp_free(&cmp);
	tb_side_free(&b);
	tb_side_free(&c);
}

/* Upper quantiles t(p, df) of Student's t against published values, each to its source's
 * digits. */
static const struct {
	double p, df, t, tol;
} t_quantiles[] = {
	/* Tables of Student's t (e.g. Abramowitz & Stegun table 26.10). */
	{ 0.025, 1, 12.706204736, 1e-6 },
	{ 0.025, 5, 2.570581836, 1e-8 },
	{ 0.025, 10, 2.228138852, 1e-8 },
	{ 0.05, 4, 2.131846786, 1e-8 },
	{ 0.05, 30, 1.697260887, 1e-8 },
	{ 0.025, 1e6, 1.959966, 1e-5 },
	{ 0.025, 32, 2.036933343, 1e-8 },
	{ 0.025, 40, 2.021075390, 1e-8 },
	/* Fractional df (Welch's), against mpmath's t quantiles (50 digits). */
	{ 0.025, 1.2, 8.648826510749, 1e-9 },
	{ 0.05, 1.5, 3.705180820097, 1e-9 },
	{ 0.025, 2.3, 3.807163208232, 1e-9 },
	{ 0.05, 2.9, 2.386818190438, 1e-9 },
	{ 0.025, 3.7, 2.867520707191, 1e-9 },
	{ 0.05, 4.4, 2.077363281716, 1e-9 },
	{ 0.025, 5.5, 2.501858617589, 1e-9 },
	{ 0.025, 7.25, 2.348194849105, 1e-9 },
	{ 0.05, 13.9, 1.762205925627, 1e-9 },
};

static void test_tdist(void)
{
	for (size_t i = 0; i < sizeof(t_quantiles) / sizeof(*t_quantiles); i++)
		CHECK_NEAR(tb_t_upper(t_quantiles[i].p, t_quantiles[i].df), t_quantiles[i].t,
			   t_quantiles[i].tol);
	/* NIST/SEMATECH e-Handbook 1.3.6.7.2, three decimals. */
	static const double t975[] = {
		0, 12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
		2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
		2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
	};
	for (size_t df = 1; df <= 30; df++)
		CHECK_NEAR(tb_t_upper(0.025, (double)df), t975[df], 5e-4);
	/* One t quantile: run's summary reads the same exact one (its table plus 2.4/df was
	 * 0.05% off at df 40). */
	CHECK_NEAR(tb_student_t975(40), 2.021075390, 1e-8);
	CHECK_NEAR(tb_student_t975(5), tb_t_upper(0.025, 5), 0);
	/* Fractional df (Welch) lies between its integer neighbours, and the tail inverts. */
	double t55 = tb_t_upper(0.025, 5.5);
	CHECK(t55 < tb_t_upper(0.025, 5) && t55 > tb_t_upper(0.025, 6));
	CHECK_NEAR(tb_t_two_sided(t55, 5.5), 0.05, 1e-12);
	CHECK_NEAR(tb_incbeta(0.5, 2, 2), 0.5, 1e-14);
	CHECK_NEAR(tb_incbeta(0.25, 1, 1), 0.25, 1e-14);
}

/* Runs of 4 samples each: the interval comes from the runs' medians, exactly as Welch's
 * t interval on their logs computed by hand. */
static void test_runs_ci(void)
{
	double x[] = { 10, 11, 9, 10.5, 12, 12.5, 11.5, 12.2, 9.5, 9.9, 10.1, 9.8 };
	uint32_t rx[] = { 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2 };
	double y[] = { 13, 12, 14, 13.5, 12.5, 12.9, 13.1, 12.7, 14, 14.5, 13.8, 14.2 };
	uint32_t ry[] = { 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2 };
	struct tb_ratio r;
	CHECK(tb_runs_ci(x, rx, 12, 3, y, ry, 12, 3, &r) == 0);
	CHECK(r.has_ci && r.method == TB_CI_RUNS && r.runs_b == 3 && r.runs_c == 3);
	/* Run medians: base 10.25, 12.1, 9.85; cand 13.25, 12.8, 14.1. */
	double lb[] = { log(10.25), log(12.1), log(9.85) }, lc[] = { log(13.25), log(12.8), log(14.1) };
	double mb = (lb[0] + lb[1] + lb[2]) / 3, mc = (lc[0] + lc[1] + lc[2]) / 3, vb = 0, vc = 0;
	for (int i = 0; i < 3; i++) {
		vb += (lb[i] - mb) * (lb[i] - mb) / 2;
		vc += (lc[i] - mc) * (lc[i] - mc) / 2;
	}
	double se = sqrt(vb / 3 + vc / 3);
	double df = pow(vb / 3 + vc / 3, 2) / (pow(vb / 3, 2) / 2 + pow(vc / 3, 2) / 2);
	CHECK_NEAR(r.df, df, 1e-9);
	CHECK_NEAR(r.ratio, exp(mc - mb), 1e-12);
	CHECK_NEAR(r.base_med, exp(mb), 1e-9);
	CHECK_NEAR(log(r.hi) - log(r.ratio), tb_t_upper(0.025, df) * se, 1e-9);
	CHECK_NEAR(log(r.ratio) - log(r.lo90), tb_t_upper(0.05, df) * se, 1e-9);
	/* The same interval as literal numbers, computed outside this code (Python's
	 * statistics module for the logs and Welch's df, mpmath's incomplete beta function
	 * for the t quantiles at that fractional df): a shared slip in the formula above
	 * and in cmpstats.c cannot hide here. */
	CHECK_NEAR(r.df, 2.775579433801, 1e-9);
	CHECK_NEAR(r.lo, 0.993707883653, 1e-9);
	CHECK_NEAR(r.hi, 1.574735413477, 1e-9);
	CHECK_NEAR(r.lo90, 1.057441619531, 1e-9);
	CHECK_NEAR(r.hi90, 1.479823534592, 1e-9);
	/* Two runs a side: no interval between runs. */
	CHECK(tb_runs_ci(x, rx, 8, 2, y, ry, 8, 2, &r) == 0 && !r.has_ci && r.runs_b == 2);
	/* A run median of 0 has no log. */
	double z[] = { 0, 0, 0, 1, 1, 1, 2, 2, 2 };
	uint32_t rz[] = { 0, 0, 0, 1, 1, 1, 2, 2, 2 };
	CHECK(tb_runs_ci(z, rz, 9, 3, y, ry, 12, 3, &r) == -EINVAL);
}

/* A normal deviate from the fixed-seed generator (Box-Muller). */
static double normal(uint64_t *st)
{
	double u = ((double)(tb_splitmix64(st) >> 11) + 0.5) / 9007199254740992.0;
	double v = ((double)(tb_splitmix64(st) >> 11) + 0.5) / 9007199254740992.0;
	return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

/* "detectable" promises 80% power. Simulated runs whose log medians are normal (one sample
 * a run, so the run median is the sample): for 3, 4 and 6 runs a side, the mean detectable
 * change over 4000 A/A comparisons, injected into the candidate of 4000 others, is found
 * in 80-95% of them. The formula at Welch's estimated df gave 73-78% here; without the
 * power term (t_0.975 alone) it would be about 50%. */
static void test_detectable_keeps_its_promise(void)
{
	enum { TRIALS = 4000, MAXK = 6 };
	static const int sides[] = { 3, 4, 6 };
	uint64_t st = 42;
	for (size_t s = 0; s < sizeof(sides) / sizeof(*sides); s++) {
		int k = sides[s];
		double x[MAXK], y[MAXK], sum = 0;
		uint32_t run[MAXK];
		for (int i = 0; i < k; i++)
			run[i] = (uint32_t)i;
		struct tb_cmp_row row;
		struct tb_series b = { .bench = (char *)"b", .variant = (char *)"v",
				       .metric = (char *)"m", .better = (char *)"lower", .v = x,
				       .run = run, .n = (size_t)k };
		struct tb_series c = b;
		c.v = y;
		int counted = 0;
		for (int t = 0; t < TRIALS; t++) {
			for (int i = 0; i < k; i++) {
				x[i] = exp(0.02 * normal(&st));
				y[i] = exp(0.02 * normal(&st));
			}
			row = (struct tb_cmp_row){ .b = &b, .c = &c };
			tb_cmp_fill(&row, (size_t)k, (size_t)k, NAN);
			if (!isnan(row.detect_pct)) {
				sum += row.detect_pct;
				counted++;
			}
		}
		CHECK(counted == TRIALS);
		double change = 1 + sum / counted / 100;
		int found = 0;
		for (int t = 0; t < TRIALS; t++) {
			for (int i = 0; i < k; i++) {
				x[i] = exp(0.02 * normal(&st));
				y[i] = change * exp(0.02 * normal(&st));
			}
			row = (struct tb_cmp_row){ .b = &b, .c = &c };
			tb_cmp_fill(&row, (size_t)k, (size_t)k, NAN);
			found += row.verdict == TB_VERDICT_YES;
		}
		double power = (double)found / TRIALS;
		printf("# %d runs a side: detectable %.2f%%, found in %.1f%%\n", k, sum / counted,
		       power * 100);
		CHECK(power >= 0.80 && power <= 0.95);
	}
}

int main(void)
{
	test_detectable_keeps_its_promise();
	test_tdist();
	test_runs_ci();
	test_reader();
	test_detail();
	test_ratio();
	test_overhead();
	test_compare_rows();
	return check_done();
}
