/* The report's answer at a glance: one sentence per comparison, one line per group, and the
 * rule they follow; as HTML (the top of the report) and as Markdown (report --format md). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report/cmpfmt.h"
#include "report/summary.h"
#include "report/svg.h"

static void group_figure(const struct tb_group_sum *g, char *buf, size_t len)
{
	tb_fmt_overhead(buf, len, g->ov, g->lo, g->hi);
}

/* "equivalent within +-2%", "worse", ... */
static void call_words(const struct tb_stage *st, enum tb_call c, char *buf, size_t len)
{
	if (c == TB_CALL_EQUIVALENT)
		snprintf(buf, len, "equivalent within \xc2\xb1%g%%", st->margin_pct);
	else
		snprintf(buf, len, "%s", tb_call_name(c));
}

static void put_text(FILE *f, bool html, const char *s)
{
	if (html)
		tb_xml_put(f, s);
	else
		tb_md_put(f, s);
}

static void sentence(FILE *f, const struct tb_stage *st, const struct tb_pair *p, bool html)
{
	const struct tb_side *b = &st->sides[p->base], *c = &st->sides[p->cand];
	fputs(html ? "<p class=\"sentence\"><b>" : "**", f);
	put_text(f, html, c->label);
	fputs(html ? "</b> against <b>" : "** against **", f);
	put_text(f, html, b->label);
	fputs(html ? "</b>: " : "**: ", f);
	if (!p->n_groups)
		fputs("no bench and variant measured on both sides.", f);
	for (size_t i = 0; i < p->n_groups; i++) {
		const struct tb_group_sum *g = &p->groups[i];
		char fig[96], words[64];
		group_figure(g, fig, sizeof(fig));
		call_words(st, g->call, words, sizeof(words));
		if (html)
			fprintf(f, "<span class=\"c%d\">", (int)g->call);
		put_text(f, html, g->group);
		fprintf(f, " %s, %s", fig, words);
		if (html)
			fputs("</span>", f);
		fputs(i + 1 < p->n_groups ? "; " : ".", f);
	}
	fputs(html ? "</p>\n" : "\n\n", f);
}

static const char rule[] =
	"Overhead: the extra cost of the candidate for the same work, in % (positive = it costs "
	"more: longer times, lower rates). Each bench and variant counts once, with its primary "
	"metric (the one its descriptor names; for a bench this tinyben does not know, the "
	"variant's first metric in the file). A group's figure is the geometric mean of those "
	"metrics' cost ratios; its 95% interval is the mean log ratio \xc2\xb1 t \xc3\x97 the mean "
	"of their standard errors, with the fewest degrees of freedom among them (the metrics "
	"share their runs, so this is never narrower than the truth). Worse or better: the 95% "
	"interval excludes 0. Equivalent: the 90% interval lies within \xc2\xb1--margin. No "
	"difference shown: the interval holds 0. Undetermined: a metric has fewer than 3 runs a "
	"side (no interval between runs). mem.latency curves are not in these figures: they are "
	"drawn ";
/* Where: the HTML report draws them under the summary, Markdown has no plots. */
static const char rule_html_end[] = "below.", rule_md_end[] = "in the HTML report.";

/* The table of group figures, one row per comparison and group, as HTML or Markdown. */
static void group_table(FILE *f, const struct tb_stage *st, bool html)
{
	static const char *const head[7] = {
		"candidate", "base", "group", "metrics", "overhead", "95% interval", "verdict",
	};
	fputs(html ? "<div class=\"wide\"><table class=\"summary\">\n<tr>" : "|", f);
	for (int k = 0; k < 7; k++)
		fprintf(f, html ? "<th>%s</th>" : " %s |", head[k]);
	fputs(html ? "</tr>\n" : "\n|---|---|---|--:|--:|--:|---|\n", f);
	for (size_t i = 0; i < st->n_pairs; i++) {
		const struct tb_pair *p = &st->pairs[i];
		for (size_t j = 0; j < p->n_groups; j++) {
			const struct tb_group_sum *g = &p->groups[j];
			char n[32], ov[32], ci[64], words[64], verdict[128];
			snprintf(n, sizeof(n), "%zu", g->n);
			snprintf(ov, sizeof(ov), isnan(g->ov) ? "n/a" : "%+.1f%%", g->ov);
			if (isnan(g->lo))
				snprintf(ci, sizeof(ci), "n/a");
			else
				snprintf(ci, sizeof(ci), "[%.1f, %.1f]", g->lo, g->hi);
			call_words(st, g->call, words, sizeof(words));
			if (g->n_undetermined)
				snprintf(verdict, sizeof(verdict), "%s (%zu of %zu metrics)", words,
					 g->n_undetermined, g->n);
			else
				snprintf(verdict, sizeof(verdict), "%s", words);
			const char *cells[7] = { st->sides[p->cand].label, st->sides[p->base].label,
						 g->group, n, ov, ci, verdict };
			fputs(html ? "<tr>" : "|", f);
			for (int k = 0; k < 7; k++) {
				if (html && k == 6)
					fprintf(f, "<td class=\"c%d\">", (int)g->call);
				else
					fputs(html ? (k >= 3 ? "<td class=\"n\">" : "<td>") : " ", f);
				put_text(f, html, cells[k]);
				fputs(html ? "</td>" : " |", f);
			}
			fputs(html ? "</tr>\n" : "\n", f);
		}
	}
	fputs(html ? "</table></div>\n" : "\n", f);
}

/* The summary as HTML (a section of the page) or as Markdown: the sentences, the group
 * table and the rule they follow. */
static void summary(FILE *f, const struct tb_stage *st, bool html)
{
	static const char alone[] = "One configuration only: nothing to compare against.";
	fputs(html ? "<section id=\"summary\">\n<h2>Summary</h2>\n" : "## Summary\n\n", f);
	if (!st->n_pairs)
		fprintf(f, html ? "<p>%s</p>\n" : "%s\n\n", alone);
	for (size_t i = 0; i < st->n_pairs; i++)
		sentence(f, st, &st->pairs[i], html);
	if (st->n_pairs)
		group_table(f, st, html);
	if (html) {
		fputs("<p class=\"note rule\">", f);
		tb_xml_put(f, rule);
		tb_xml_put(f, rule_html_end);
		fputs("</p>\n</section>\n", f);
	} else {
		fprintf(f, "%s%s\n\n", rule, rule_md_end);
	}
}

void tb_summary_html(FILE *f, const struct tb_stage *st)
{
	summary(f, st, true);
}

void tb_summary_md(FILE *f, const struct tb_stage *st)
{
	summary(f, st, false);
	for (size_t i = 0; i < st->n_pairs; i++) {
		const struct tb_pair *p = &st->pairs[i];
		fputs("### Overhead by bench and variant: ", f);
		tb_md_put(f, st->sides[p->cand].label);
		fputs(" against ", f);
		tb_md_put(f, st->sides[p->base].label);
		fputs("\n\n| group | bench | variant | metric | overhead | 95% interval | verdict |\n"
		      "|---|---|---|---|--:|--:|---|\n", f);
		for (size_t j = 0; j < p->n_head; j++) {
			const struct tb_cmp_row *r = p->head[j].row;
			char words[64];
			call_words(st, p->head[j].call, words, sizeof(words));
			const char *cells[] = { r->b->group, r->b->bench, r->b->variant, r->b->metric };
			for (size_t k = 0; k < 4; k++) {
				fputs("| ", f);
				tb_md_put(f, cells[k]);
				fputs(" ", f);
			}
			fputs("| ", f);
			fprintf(f, r->ok ? "%+.2f%% | " : "n/a | ", r->overhead);
			if (isnan(r->ov_lo))
				fputs("n/a | ", f);
			else
				fprintf(f, "[%+.2f%%, %+.2f%%] | ", r->ov_lo, r->ov_hi);
			fprintf(f, "%s |\n", words);
		}
		fputs("\n", f);
	}
}
