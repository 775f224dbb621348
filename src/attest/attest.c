/* `tinyben attest`: fetch a report from the hardware, `attest show` parses one,
 * `attest verify` checks its signature. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "attest/fetch.h"
#include "attest/fileio.h"
#include "attest/report.h"
#include "attest/verify.h"
#include "tinyben/cli.h"
#include "tinyben/util.h"
#include "tinyben/verb.h"

#define REPORT_FILE_MAX (1u << 20)

static const char usage_text[] =
	"usage: tinyben attest [--bind FILE | --report-data HEX] [-o FILE [--force]]\n"
	"         fetch a report (configfs-tsm, /dev/sev-guest, /dev/tdx_guest); without -o,\n"
	"         it is printed as hex text\n"
	"       tinyben attest show FILE [--json | --kds-url [--product NAME]]\n"
	"         parse an SNP ATTESTATION_REPORT (versions 2, 3, 5) or a TDX TDREPORT,\n"
	"         binary or hex text; --kds-url prints only the AMD KDS URL of the VCEK for the\n"
	"         report's chip and reported_tcb (--product Milan|Genoa|Turin for version 2)\n"
	"       tinyben attest verify FILE --vcek CERT [--chain PEM] [--bound FILE] [--at TIME]\n"
	"         check the SNP report's ECDSA P-384 signature with the VCEK, and with --chain\n"
	"         that the ASK signed the VCEK and the ARK signed the ASK; with --bound, that\n"
	"         report_data is SHA-512 of exactly that FILE (the results CSV it was bound to);\n"
	"         every certificate must be within its validity dates now, or at --at TIME\n"
	"         (YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ, UTC, or @SECONDS since 1970)\n"
	"  --bind FILE        put SHA-512(FILE) into report_data (e.g. the results CSV)\n"
	"  --report-data HEX  up to 64 bytes of report_data (zero-padded)\n";

/* A signal while an input is read (a FIFO, /dev/zero) ends the verb like any other. */
static int interrupted(const char *verb)
{
	tb_error("attest%s%s: interrupted", *verb ? " " : "", verb);
	return TB_EXIT_INTERRUPTED;
}

static int load_report(const char *verb, const char *path, struct tb_report *r)
{
	unsigned char *buf;
	size_t len;
	int rc = tb_read_file(path, REPORT_FILE_MAX, &buf, &len);
	if (rc == -EINTR)
		return interrupted(verb);
	if (rc) {
		tb_error("attest %s: %s: %s", verb, path,
			 rc == -EFBIG ? "larger than 1 MiB, not a report" : strerror(-rc));
		return TB_EXIT_USAGE;
	}
	char err[256];
	rc = tb_report_parse(buf, len, r, err, sizeof(err));
	free(buf);
	if (rc) {
		tb_error("attest %s: %s: %s", verb, path, err);
		return TB_EXIT_USAGE;
	}
	return TB_EXIT_OK;
}

/* The options of show or verify into given[], and their one report FILE, which may stand
 * before, between or after them. Returns FILE's index in argv, 0 after --help, or -1
 * after one error line (want: what the verb needs, when the FILE count is off). */
static int parse_sub(const char *verb, const struct tb_arg *opts, const char **given,
		     int argc, char **argv, const char *want)
{
	struct tb_args spec = { .verb = verb, .usage = usage_text, .table = opts, .mixed = true };
	int p = tb_args_parse(&spec, argc, argv, tb_args_keep, given);
	if (p != 0)
		return p > 0 ? 0 : -1;
	if (spec.first_operand + 1 != argc) {
		tb_error("%s: %s", verb, want);
		return -1;
	}
	return spec.first_operand;
}

static int show_main(int argc, char **argv)
{
	enum { JSON, KDS, PRODUCT, N_OPTS };
	static const struct tb_arg opts[] = {
		{ .name = "json", .id = JSON },
		{ .name = "kds-url", .id = KDS },
		{ .name = "product", .value = true, .id = PRODUCT },
		{ 0 },
	};
	const char *given[N_OPTS] = { 0 };
	int first = parse_sub("attest show", opts, given, argc, argv, "want exactly one report FILE");
	if (first <= 0)
		return first == 0 ? TB_EXIT_OK : TB_EXIT_USAGE;
	bool json = given[JSON], kds = given[KDS];
	const char *product = given[PRODUCT];
	if (kds && json) {
		tb_error("attest show: --kds-url and --json exclude each other");
		return TB_EXIT_USAGE;
	}
	if (product && !kds) {
		tb_error("attest show: --product goes with --kds-url");
		return TB_EXIT_USAGE;
	}
	struct tb_report r;
	int rc = load_report("show", argv[first], &r);
	if (rc)
		return rc;
	if (kds) {
		char url[512], err[256];
		if (r.kind != TB_REPORT_SNP) {
			tb_error("attest show: %s: a TDREPORT has no VCEK (KDS serves AMD SEV-SNP only)",
				 argv[first]);
			return TB_EXIT_USAGE;
		}
		if (tb_snp_kds_url(r.raw, product, url, sizeof(url), err, sizeof(err)) != 0) {
			tb_error("attest show: %s: %s", argv[first], err);
			return TB_EXIT_USAGE;
		}
		puts(url);
		return tb_stdout_done("attest show");
	}
	if (r.kind == TB_REPORT_SNP)
		tb_snp_print(r.raw, stdout, json);
	else
		tb_tdx_print(r.raw, stdout, json);
	return tb_stdout_done("attest show");
}

/* --at: a UTC date or time, or seconds since the epoch. */
static int parse_time(const char *s, time_t *out)
{
	if (s[0] == '@') {
		long long v;
		if (tb_parse_ll(s + 1, 0, 253402300799LL, &v) != 0)
			return -EINVAL;
		*out = (time_t)v;
		return 0;
	}
	static const char *const forms[] = { "%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S",
					     "%Y-%m-%d %H:%M:%S", "%Y-%m-%d" };
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		struct tm tm;
		memset(&tm, 0, sizeof(tm));
		const char *end = strptime(s, forms[i], &tm);
		if (end && *end == '\0') {
			*out = timegm(&tm);
			return 0;
		}
	}
	return -EINVAL;
}

static int verify_main(int argc, char **argv)
{
	enum { VCEK, CHAIN, BOUND, AT, N_OPTS };
	static const struct tb_arg opts[] = {
		{ .name = "vcek", .value = true, .id = VCEK },
		{ .name = "chain", .value = true, .id = CHAIN },
		{ .name = "bound", .value = true, .id = BOUND },
		{ .name = "at", .value = true, .id = AT },
		{ 0 },
	};
	const char *given[N_OPTS] = { 0 };
	static const char want[] = "want one report FILE and --vcek CERT";
	int first = parse_sub("attest verify", opts, given, argc, argv, want);
	if (first <= 0)
		return first == 0 ? TB_EXIT_OK : TB_EXIT_USAGE;
	const char *vcek = given[VCEK], *chain = given[CHAIN], *bound = given[BOUND];
	if (!vcek) {
		tb_error("attest verify: %s", want);
		return TB_EXIT_USAGE;
	}
	time_t at = time(NULL);
	if (given[AT] && parse_time(given[AT], &at) != 0) {
		tb_error("attest verify: --at '%s': expected YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ (UTC) "
			 "or @SECONDS", given[AT]);
		return TB_EXIT_USAGE;
	}
	struct tb_report r;
	int rc = load_report("verify", argv[first], &r);
	if (rc)
		return rc;
	if (r.kind != TB_REPORT_SNP) {
		tb_error("attest verify: %s: a TDREPORT carries a MAC only the same CPU can check, "
			 "no signature", argv[first]);
		return TB_EXIT_USAGE;
	}
	/* Hash the bound file first: an unreadable one is a usage error, whatever the rest. */
	unsigned char digest[TB_REPORT_DATA_SIZE];
	if (bound) {
		rc = tb_sha512_file(bound, digest);
		if (rc == -EINTR)
			return interrupted("verify");
		if (rc) {
			tb_error("attest verify: --bound %s: %s", bound, strerror(-rc));
			return TB_EXIT_USAGE;
		}
	}
	char msg[768];
	rc = tb_snp_verify(r.raw, vcek, chain, at, msg, sizeof(msg));
	if (rc == -EINTR)
		return interrupted("verify");
	if (rc < 0) {
		tb_error("attest verify: %s", msg);
		return rc == -ENOTSUP ? TB_EXIT_FAILED : TB_EXIT_USAGE;
	}
	/* The signature covers report_data, so a valid report whose report_data is the file's
	 * SHA-512 says: this guest produced a report about exactly these bytes. */
	if (rc == 0 && bound) {
		size_t n = strlen(msg);
		if (memcmp(r.raw + TB_SNP_REPORT_DATA, digest, sizeof(digest)) == 0) {
			snprintf(msg + n, sizeof(msg) - n, "; report_data = SHA-512 of %s", bound);
		} else {
			snprintf(msg, sizeof(msg), "report_data is not SHA-512 of %s: the file is not "
				 "the one bound into this report (changed since, or another file)", bound);
			rc = 1;
		}
	}
	/* Which time the certificates were judged at is part of the verdict. */
	char when[32];
	struct tm tm;
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&at, &tm));
	printf("%s: %s; certificate dates checked at %s (%s)\n", rc == 0 ? "valid" : "INVALID",
	       msg, when, given[AT] ? "--at" : "now");
	int out = tb_stdout_done("attest verify");
	return rc == 0 ? out : TB_EXIT_FAILED;
}

static int fetch_main(int argc, char **argv)
{
	enum { BIND, REPORT_DATA, OUTPUT, FORCE, N_OPTS };
	static const struct tb_arg opts[] = {
		{ .name = "bind", .value = true, .id = BIND },
		{ .name = "report-data", .value = true, .id = REPORT_DATA },
		{ .name = "output", .short_name = 'o', .value = true, .id = OUTPUT },
		{ .name = "force", .id = FORCE },
		{ 0 },
	};
	const char *given[N_OPTS] = { 0 };
	struct tb_args spec = { .verb = "attest", .usage = usage_text, .table = opts };
	TB_ARGS_OR_RETURN(&spec, argc, argv, tb_args_keep, given);
	const char *bind = given[BIND], *hex = given[REPORT_DATA], *out = given[OUTPUT];
	bool force = given[FORCE];
	if (bind && hex) {
		tb_error("attest: --bind and --report-data exclude each other");
		return TB_EXIT_USAGE;
	}
	unsigned char rd[TB_REPORT_DATA_SIZE] = { 0 };
	if (hex) {
		long n = tb_hex_decode(hex, strlen(hex), rd, sizeof(rd));
		if (n < 0) {
			tb_error("attest: --report-data: %s", n == -ERANGE ? "more than 64 bytes"
							      : "not hex digits (an even count)");
			return TB_EXIT_USAGE;
		}
	}
	if (bind) {
		int rc = tb_sha512_file(bind, rd);
		if (rc == -EINTR)
			return interrupted("");
		if (rc) {
			tb_error("attest: --bind %s: %s", bind, strerror(-rc));
			return TB_EXIT_USAGE;
		}
	}
	/* Even with --force, the report must not replace the results it binds. */
	struct stat bst, ost;
	if (bind && out && stat(bind, &bst) == 0 && stat(out, &ost) == 0 &&
	    bst.st_dev == ost.st_dev && bst.st_ino == ost.st_ino) {
		tb_error("attest: -o %s is the --bind file: the report would replace the results "
			 "it is about", out);
		return TB_EXIT_USAGE;
	}
	/* Refuse early (exit 2), but create the file only once there is a report to put in it. */
	if (out && !force && access(out, F_OK) == 0) {
		tb_error("attest: %s: already exists (use --force to replace it)", out);
		return TB_EXIT_USAGE;
	}
	static unsigned char report[TB_FETCH_MAX];
	size_t len = 0;
	char how[128] = "", err[512] = "";
	int rc = tb_attest_fetch(rd, report, sizeof(report), &len, how, sizeof(how), err, sizeof(err));
	if (rc) {
		tb_error("attest: %s", err);
		return TB_EXIT_FAILED;
	}
	fprintf(stderr, "tinyben: attest: %zu bytes from %s%s%s\n", len, how,
		bind ? ", report_data = SHA-512 of " : "", bind ? bind : "");
	if (out) {
		/* A cut-short report is no report: it is renamed into place whole or not at all. */
		struct tb_doc doc;
		int orc = tb_doc_open(&doc, out, force);
		if (orc < 0)
			return tb_output_exit_code(orc);
		fwrite(report, 1, len, doc.f);
		return tb_doc_commit(&doc) < 0 ? TB_EXIT_FAILED : TB_EXIT_OK;
	}
	char line[65];
	for (size_t i = 0; i < len; i += 32) {
		tb_hex_encode(report + i, len - i < 32 ? len - i : 32, line);
		puts(line);
	}
	return tb_stdout_done("attest");
}

static int attest_main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "show") == 0)
		return show_main(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "verify") == 0)
		return verify_main(argc - 1, argv + 1);
	return fetch_main(argc, argv);
}

TB_VERB(attest,
	.order = 40,
	.synopsis = "attest [--bind FILE | --report-data HEX] [-o FILE] | show FILE [--json | "
		    "--kds-url] | verify FILE --vcek CERT [--chain PEM] [--bound FILE] [--at TIME]",
	.summary = "fetch, show or verify a hardware attestation report (SEV-SNP, TDX)");
