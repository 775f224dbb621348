/* `tinyben detect`: gathers (or loads) the evidence, decides the level, explains it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attest/evidence.h"
#include "attest/fileio.h"
#include "tinyben/csv.h"
#include "tinyben/cli.h"
#include "tinyben/util.h"
#include "tinyben/verb.h"

#define EVIDENCE_MAX (1u << 20)

static const char *const src_key[] = { "", "msr", "kmsg", "cpuid", "paths" };

static void json_str(const char *s)
{
	char buf[TB_EV_MAX_LINE * 6 + 8];
	tb_json_quote(buf, sizeof(buf), s ? s : "");
	fputs(buf, stdout);
}

static void json_words(const char *s)
{
	char buf[512];
	snprintf(buf, sizeof(buf), "%s", s);
	fputc('[', stdout);
	int i = 0;
	for (char *save = NULL, *w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		if (i++)
			fputc(',', stdout);
		json_str(w);
	}
	fputc(']', stdout);
}

static void json_list(char (*items)[256], int n)
{
	fputc('[', stdout);
	for (int i = 0; i < n; i++) {
		if (i)
			fputc(',', stdout);
		json_str(items[i]);
	}
	fputc(']', stdout);
}

static void print_json(const struct tb_evidence *ev, struct tb_cc_decision *d)
{
	fputs("{\"level\":", stdout);
	json_str(d->level);
	fputs(",\"features\":", stdout);
	json_words(d->features);
	if (d->c_bit >= 0)
		printf(",\"c_bit\":%d", d->c_bit);
	else
		fputs(",\"c_bit\":null", stdout);
	fputs(",\"decided_by\":", stdout);
	if (d->decided_by == TB_SRC_NONE)
		fputs("null", stdout);
	else
		json_str(src_key[d->decided_by]);
	fputs(",\"why\":", stdout);
	json_str(d->why);
	fputs(",\"sources\":{", stdout);
	for (enum tb_cc_source s = TB_SRC_MSR; s <= TB_SRC_PATH; s++) {
		printf("%s\"%s\":", s == TB_SRC_MSR ? "" : ",", src_key[s]);
		if (d->says[s][0])
			json_str(d->says[s]);
		else
			fputs("null", stdout);
	}
	fputs("},\"warnings\":", stdout);
	json_list(d->warnings, d->nwarnings);
	fputs(",\"unread\":", stdout);
	json_list(d->notes, d->nnotes);
	/* kmsg repeats: it becomes an array; every other key is unique. */
	fputs(",\"evidence\":{\"kmsg\":[", stdout);
	int k = 0;
	for (size_t i = 0; i < ev->n; i++) {
		if (strcmp(ev->items[i].key, "kmsg") != 0)
			continue;
		if (k++)
			fputc(',', stdout);
		json_str(ev->items[i].value);
	}
	fputc(']', stdout);
	for (size_t i = 0; i < ev->n; i++) {
		const char *key = ev->items[i].key;
		if (strcmp(key, "kmsg") == 0 || tb_ev_get(ev, key) != ev->items[i].value)
			continue;
		fputc(',', stdout);
		json_str(key);
		fputc(':', stdout);
		json_str(ev->items[i].value);
	}
	fputs("}}\n", stdout);
}

static void print_text(struct tb_cc_decision *d)
{
	printf("%s\n", d->level);
	if (d->decided_by != TB_SRC_NONE)
		printf("decided by %s: %s\n", tb_cc_source_name(d->decided_by), d->why);
	else
		printf("undecided: %s\n", d->why);
	if (d->features[0])
		printf("features: %s\n", d->features);
	if (d->c_bit >= 0)
		printf("C-bit position: %d\n", d->c_bit);
	fputs("sources:", stdout);
	for (enum tb_cc_source s = TB_SRC_MSR; s <= TB_SRC_PATH; s++)
		printf(" %s=%s", src_key[s], d->says[s][0] ? d->says[s] : "-");
	putchar('\n');
	for (int i = 0; i < d->nnotes; i++)
		printf("note: %s\n", d->notes[i]);
}

static int load_evidence(const char *path, struct tb_evidence *ev)
{
	unsigned char *buf;
	size_t len;
	int rc = tb_read_file(path, EVIDENCE_MAX, &buf, &len);
	if (rc == -EINTR) { /* a FIFO that never delivers */
		tb_error("detect: interrupted");
		return TB_EXIT_INTERRUPTED;
	}
	if (rc) {
		tb_error("detect: %s: %s", path,
			 rc == -EFBIG ? "larger than 1 MiB, not an evidence file" : strerror(-rc));
		return TB_EXIT_USAGE;
	}
	char err[256];
	rc = tb_ev_parse(ev, (const char *)buf, len, err, sizeof(err));
	free(buf);
	if (rc) {
		tb_error("detect: %s: %s", path, err);
		return TB_EXIT_USAGE;
	}
	return TB_EXIT_OK;
}

static int save_evidence(const char *path, bool force, const struct tb_evidence *ev)
{
	/* Renamed into place whole: a torn record would pass for the whole one with --evidence. */
	struct tb_doc doc;
	int rc = tb_doc_open(&doc, path, force);
	if (rc < 0)
		return tb_output_exit_code(rc);
	rc = tb_ev_write(ev, doc.f);
	if (rc) {
		tb_doc_abort(&doc);
		tb_error("detect: %s: %s", path, tb_write_strerror(-rc));
		return TB_EXIT_FAILED;
	}
	return tb_doc_commit(&doc) < 0 ? TB_EXIT_FAILED : TB_EXIT_OK;
}

static const char usage_text[] =
	"usage: tinyben detect [--json] [--evidence FILE] [--save-evidence FILE [--force]]\n"
	"  prints the confidential-computing level (none, sev, sev-es, sev-snp, tdx, unknown)\n"
	"  and which evidence decided it: SEV_STATUS MSR > kernel log > CPUID > device paths\n"
	"      --json                level, features, C-bit position, sources and evidence as JSON\n"
	"      --evidence FILE       decide from a saved evidence file instead of this system\n"
	"      --save-evidence FILE  write the evidence (key=value lines) to a new FILE\n"
	"      --force               let --save-evidence replace an existing file\n";

static int detect_main(int argc, char **argv)
{
	enum { JSON, EVIDENCE, SAVE_EVIDENCE, FORCE, N_OPTS };
	static const struct tb_arg opts[] = {
		{ .name = "json", .id = JSON },
		{ .name = "evidence", .value = true, .id = EVIDENCE },
		{ .name = "save-evidence", .value = true, .id = SAVE_EVIDENCE },
		{ .name = "force", .id = FORCE },
		{ 0 },
	};
	const char *given[N_OPTS] = { 0 };
	struct tb_args spec = { .verb = "detect", .usage = usage_text, .table = opts };
	TB_ARGS_OR_RETURN(&spec, argc, argv, tb_args_keep, given);
	bool json = given[JSON], force = given[FORCE];
	const char *in = given[EVIDENCE], *out = given[SAVE_EVIDENCE];
	struct tb_evidence ev;
	tb_ev_init(&ev);
	int rc = TB_EXIT_OK;
	if (in)
		rc = load_evidence(in, &ev);
	else
		tb_ev_gather(&ev);
	if (rc == TB_EXIT_OK && out)
		rc = save_evidence(out, force, &ev);
	if (rc != TB_EXIT_OK) {
		tb_ev_free(&ev);
		return rc;
	}
	struct tb_cc_decision *d = malloc(sizeof(*d));
	if (!d) {
		tb_ev_free(&ev);
		tb_error("detect: out of memory");
		return TB_EXIT_FAILED;
	}
	tb_cc_decide(&ev, d);
	if (in && d->invalid[0]) {
		tb_error("detect: %s: %s", in, d->invalid);
		rc = TB_EXIT_USAGE;
	} else {
		for (int i = 0; i < d->nwarnings; i++)
			tb_warn("detect: conflicting evidence: %s", d->warnings[i]);
		if (json)
			print_json(&ev, d);
		else
			print_text(d);
		rc = tb_stdout_done("detect");
	}
	free(d);
	tb_ev_free(&ev);
	return rc;
}

TB_VERB(detect,
	.order = 30,
	.synopsis = "detect [--json] [--evidence FILE] [--save-evidence FILE]",
	.summary = "say which confidential-computing level this guest runs at, and why");
