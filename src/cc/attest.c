/* cc.attest: how long getting evidence takes, per interface: a configfs-tsm report, the
 * sev-guest and tdx-guest ioctls, and a TPM's PCR read, PCR extend and quote. Each
 * repetition is `requests` requests timed one by one, each with fresh random data (report
 * data, digest, nonce); the fetching is src/attest/fetch.c's, the code `tinyben attest` runs. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "attest/fetch.h"
#include "cc/quantum.h"
#include "cc/tpm_cmd.h"
#include "cc/tpm_dev.h"
#include "tinyben/bench.h"
#include "tinyben/ctx.h"
#include "tinyben/stats.h"
#include "tinyben/timer.h"

enum kind { TSM_REPORT, SEV_GUEST, SEV_GUEST_EXT, TDX_REPORT, TDX_QUOTE, TPM_PCR_READ,
	    TPM_PCR_EXTEND, TPM_QUOTE };
static const struct tb_variant variants[] = {
	{ "tsm-report", .arg = TSM_REPORT }, { "sev-guest", .arg = SEV_GUEST },
	{ "sev-guest-ext", .arg = SEV_GUEST_EXT }, { "tdx-report", .arg = TDX_REPORT },
	{ "tdx-quote", .arg = TDX_QUOTE }, { "tpm-pcr-read", .arg = TPM_PCR_READ },
	{ "tpm-pcr-extend", .arg = TPM_PCR_EXTEND }, { "tpm-quote", .arg = TPM_QUOTE },
	{ 0 },
};

enum { M_P50, M_P99, M_RPS };
/* Written by rep_record (tb_emit): percentiles of the repetition's timed requests
 * (TB_EMITTED: no .how). */
static const struct tb_metric metrics[] = {
	[M_P50] = { "latency_p50", "us", TB_LOWER,
		    "request to evidence, median of the repetition's requests", .primary = true },
	[M_P99] = { "latency_p99", "us", TB_LOWER,
		    "request to evidence, 99th percentile (linear between ranks)" },
	[M_RPS] = { "rps", "req/s", TB_HIGHER,
		    "requests completed per second of the repetition's wall time" },
	{ 0 },
};

static const char *const hierarchies[] = { "owner", "endorsement", NULL };
struct attest_opts {
	long long requests;
	long long max_seconds;
	long long pcr;
	int hierarchy;
	const char *tsm_dir;
	const char *sev_guest_device;
	const char *tdx_guest_device;
	const char *tpm_device;
};

/* TPM commands are written to it: a regular file given here (a typo, a results CSV) was
 * overwritten with them. A TPM is a character device or swtpm's socket; a path that does not
 * exist (yet) is a skipped row with the reason. */
static int check_tpm_device(const char *value, char *err, size_t err_len)
{
	struct stat st;
	if (!*value || stat(value, &st) != 0 || S_ISCHR(st.st_mode) || S_ISSOCK(st.st_mode))
		return 0;
	snprintf(err, err_len, "'%s' is not a TPM (a character device such as /dev/tpmrm0, or "
		 "swtpm's server socket)", value);
	return -EINVAL;
}

static const struct tb_option options[] = {
	TB_OPT_INT_FIELD(struct attest_opts, requests, "50", "5", 1, 100000,
		         "requests per repetition, each timed alone (the warm-up is a tenth, at least one)"),
	TB_OPT_INT_FIELD(struct attest_opts, max_seconds, "10", "3", 1, 86400,
		         "a repetition stops early after this long (a TDX quote takes about a second)"),
	/* Never 0-15: extending a boot PCR would break what is sealed to it until reboot. */
	TB_OPT_INT_FIELD(struct attest_opts, pcr, "16", NULL, 16, 23,
		         "the PCR tpm-pcr-read reads and tpm-pcr-extend extends (16: the debug PCR; "
		         "16-23, never a boot PCR)"),
	{ .name = "tpm_hierarchy", .type = TB_OPT_CHOICE, .def = "owner", .choices = hierarchies,
	  .offset = offsetof(struct attest_opts, hierarchy),
	  .help = "where tpm-quote's attestation key (restricted ECDSA P-256) is created" },
	{ TB_OPT_FIELD(struct attest_opts, tsm_dir), .type = TB_OPT_STR, .def = TB_TSM_DIR,
	  .help = "the configfs-tsm report directory" },
	{ TB_OPT_FIELD(struct attest_opts, sev_guest_device), .type = TB_OPT_STR,
	  .def = "/dev/sev-guest", .help = "the SEV-SNP guest device" },
	{ TB_OPT_FIELD(struct attest_opts, tdx_guest_device), .type = TB_OPT_STR,
	  .def = "/dev/tdx_guest", .help = "the TDX guest device" },
	{ TB_OPT_FIELD(struct attest_opts, tpm_device), .type = TB_OPT_STR, .def = "",
	  .check = check_tpm_device,
	  .help = "a TPM device or swtpm server socket; empty: /dev/tpmrm0, else /dev/tpm0" },
	{ 0 },
};

#define CERTS_BYTES (32 * 1024) /* the host's VCEK, ASK and ARK with their table: ~5 KiB */

struct attest_state {
	struct tb_ctx *ctx;
	const char *variant;
	enum kind kind;
	int fd;                     /* the guest device of the current variant */
	struct tb_tpm_dev tpm;      /* opened once, kept for every tpm-* variant */
	const char *tpm_path;
	uint32_t ak;                /* tpm-quote's key, 0 until created */
	char provider[64];          /* configfs-tsm's, once probed */
	double *lat;                /* seconds of each request of the repetition */
	size_t n;
	double wall;
	size_t evidence_bytes, certs_bytes;
	unsigned long retries;      /* TPM commands sent again in this repetition */
	long tpm_rc;                /* the last TPM command's return code */
	int prepared;               /* tpm_prepare's result for the current variant */
	struct tb_tpm_buf cmd, rsp;
	unsigned char out[TB_FETCH_MAX];
	unsigned char *certs;
	char err[512];
};

static enum kind kind_of(const struct tb_variant *v)
{
	return (enum kind)v->arg;
}

static bool is_tpm(enum kind k)
{
	return k >= TPM_PCR_READ;
}

static int setup(struct tb_ctx *ctx, void **state)
{
	struct attest_state *st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	*state = st;
	st->ctx = ctx;
	st->fd = -1;
	st->tpm.fd = -1;
	st->lat = calloc((size_t)TB_OPTS(ctx, struct attest_opts)->requests, sizeof(double));
	/* The driver copies the certificates in whole pages. */
	st->certs = aligned_alloc(4096, CERTS_BYTES);
	return st->lat && st->certs ? 0 : -ENOMEM;
}

static void teardown(struct tb_ctx *ctx, void *state)
{
	(void)ctx;
	struct attest_state *st = state;
	if (st->ak) {
		/* Without the resource manager the key would outlive us in the TPM's few slots. */
		tb_tpm_flush_context(&st->cmd, st->ak);
		tb_tpm_transact(&st->tpm, &st->cmd, &st->rsp);
	}
	tb_tpm_close(&st->tpm);
	if (st->fd >= 0)
		close(st->fd);
	free(st->lat);
	free(st->certs);
	free(st);
}

/* True with the device open in st->fd, else false with the reason in why. */
static bool open_guest_device(struct attest_state *st, const char *path, const char *what,
			      char *why, size_t len)
{
	if (st->fd >= 0)
		close(st->fd);
	st->fd = open(path, O_RDWR | O_CLOEXEC);
	if (st->fd >= 0)
		return true;
	if (errno == ENOENT)
		snprintf(why, len, "%s does not exist: not a %s guest, or its guest driver is not "
			 "loaded", path, what);
	else
		snprintf(why, len, "%s: %s%s", path, strerror(errno),
			 errno == EACCES ? " (needs root)" : "");
	return false;
}

static bool tsm_usable(struct attest_state *st, const struct attest_opts *o, char *why,
		       size_t len)
{
	struct stat sb;
	bool exists = stat(o->tsm_dir, &sb) == 0;
	if (!exists || !S_ISDIR(sb.st_mode)) {
		snprintf(why, len, "configfs-tsm absent: %s %s (no CONFIG_TSM_REPORTS, "
			 "or not a SEV-SNP or TDX guest)", o->tsm_dir,
			 exists ? "is not a directory" : "does not exist");
		return false;
	}
	if (!st->provider[0]) {
		int rc = tb_attest_tsm_provider(o->tsm_dir, st->provider, sizeof(st->provider));
		if (rc) {
			snprintf(why, len, "configfs-tsm: no entry can be made under %s (%s)%s",
				 o->tsm_dir, strerror(-rc), rc == -EACCES ? ": needs root" : "");
			return false;
		}
	}
	return true;
}

/* The TPM: the option's path, else /dev/tpmrm0 (the kernel's resource manager), else
 * /dev/tpm0 (then tinyben is the TPM's one user and flushes its key itself). */
static bool tpm_usable(struct attest_state *st, const struct attest_opts *o, char *why,
		       size_t len)
{
	if (st->tpm.fd >= 0)
		return true;
	st->tpm_path = o->tpm_device[0] ? o->tpm_device
		       : access("/dev/tpmrm0", F_OK) == 0 ? "/dev/tpmrm0" : "/dev/tpm0";
	if (!o->tpm_device[0] && access(st->tpm_path, F_OK) != 0) {
		snprintf(why, len, "no TPM: neither /dev/tpmrm0 nor /dev/tpm0 exists");
		return false;
	}
	int rc = tb_tpm_open(&st->tpm, st->tpm_path);
	if (rc) {
		snprintf(why, len, "TPM %s: %s%s", st->tpm_path, strerror(-rc),
			 rc == -EACCES ? " (needs root or the tss group)"
			 : rc == -EBUSY ? " (another process holds it; /dev/tpmrm0 is shared)" : "");
		return false;
	}
	return true;
}

static int tpm_prepare(struct attest_state *st, const struct attest_opts *o);

static bool supported(struct tb_ctx *ctx, void *state, const struct tb_variant *variant, char *why,
		      size_t len)
{
	struct attest_state *st = state;
	const struct attest_opts *o = TB_OPTS(ctx, struct attest_opts);
	switch (kind_of(variant)) {
	case TSM_REPORT:
		return tsm_usable(st, o, why, len);
	case TDX_QUOTE:
		if (!tsm_usable(st, o, why, len))
			return false;
		if (strcmp(st->provider, "tdx_guest") == 0)
			return true;
		snprintf(why, len, "configfs-tsm provider is %s: a TDX quote needs tdx_guest",
			 st->provider);
		return false;
	case SEV_GUEST:
	case SEV_GUEST_EXT:
		return open_guest_device(st, o->sev_guest_device, "SEV-SNP", why, len);
	case TDX_REPORT:
		return open_guest_device(st, o->tdx_guest_device, "TDX", why, len);
	default:
		if (!tpm_usable(st, o, why, len))
			return false;
		/* The key is made here: a hierarchy with a password is this machine's choice, a
		 * skipped row, not a failure (other errors fail the row in run). */
		st->kind = kind_of(variant);
		st->err[0] = '\0';
		st->prepared = tpm_prepare(st, o);
		if (st->prepared && tb_tpm_rc_auth(st->tpm_rc)) {
			snprintf(why, len, "%s: the %s hierarchy has a password (tinyben uses the empty "
				 "one)", st->err, hierarchies[o->hierarchy]);
			return false;
		}
		return true;
	}
}

/* One TPM command; a TPM error is a failure with its code in st->err. */
static int tpm_call(struct attest_state *st, const char *name)
{
	int rc;
	long trc;
	/* TPM_RC_RETRY, YIELDED, TESTING: "send it again", as tpm2-tss does (up to 16
	 * times); the resends are part of the request's latency, and counted. */
	for (int i = 0;; i++) {
		rc = tb_tpm_transact(&st->tpm, &st->cmd, &st->rsp);
		trc = rc ? 0 : tb_tpm_response_rc(&st->rsp);
		st->tpm_rc = trc;
		if (i == 16 || !tb_tpm_rc_retry(trc))
			break;
		st->retries++;
	}
	char text[128];
	if (rc)
		snprintf(st->err, sizeof(st->err), "TPM %s: %s: %s", st->tpm_path, name, strerror(-rc));
	else if (trc)
		snprintf(st->err, sizeof(st->err), "TPM %s: %s: %s", st->tpm_path, name,
			 tb_tpm_rc_text(trc, text, sizeof(text)));
	else
		st->evidence_bytes = st->rsp.len;
	return rc ? rc : trc ? -EIO : 0;
}

/* Once per TPM: TPM2_Startup where nobody sent it (a bare swtpm socket; the kernel's driver
 * does it at boot), then the attestation key for tpm-quote. */
static int tpm_prepare(struct attest_state *st, const struct attest_opts *o)
{
	tb_tpm_pcr_read(&st->cmd, 0);
	int rc = tb_tpm_transact(&st->tpm, &st->cmd, &st->rsp);
	if (!rc && tb_tpm_response_rc(&st->rsp) == TB_TPM_RC_INITIALIZE) {
		tb_tpm_startup_clear(&st->cmd);
		if ((rc = tpm_call(st, "TPM2_Startup")))
			return rc;
	}
	if (st->kind != TPM_QUOTE || st->ak)
		return 0;
	tb_tpm_create_primary_ak(&st->cmd, o->hierarchy ? TB_TPM_RH_ENDORSEMENT : TB_TPM_RH_OWNER);
	if ((rc = tpm_call(st, "TPM2_CreatePrimary")))
		return rc;
	st->ak = tb_tpm_response_handle(&st->rsp);
	return 0;
}

/* One request with fresh random input (not timed: it is the caller's data). */
static int request(struct attest_state *st, const struct attest_opts *o, double *seconds)
{
	unsigned char rnd[64];
	if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
		return -errno;
	char how[160];
	size_t len = 0;
	int rc;
	double t0 = tb_now();
	switch (st->kind) {
	case TSM_REPORT:
	case TDX_QUOTE:
		rc = tb_attest_fetch_tsm(o->tsm_dir, rnd, st->out, sizeof(st->out), &len, how,
					 sizeof(how), st->err, sizeof(st->err));
		rc = rc > 0 ? -EIO : rc;
		break;
	case SEV_GUEST:
		rc = tb_attest_fetch_snp(st->fd, rnd, st->out, sizeof(st->out), &len, st->err,
					 sizeof(st->err));
		break;
	case SEV_GUEST_EXT:
		rc = tb_attest_fetch_snp_ext(st->fd, rnd, st->out, sizeof(st->out), &len, st->certs,
					     CERTS_BYTES, &st->certs_bytes, st->err, sizeof(st->err));
		break;
	case TDX_REPORT:
		rc = tb_attest_fetch_tdx(st->fd, rnd, st->out, sizeof(st->out), &len, st->err,
					 sizeof(st->err));
		break;
	case TPM_PCR_READ:
		tb_tpm_pcr_read(&st->cmd, (unsigned)o->pcr);
		rc = tpm_call(st, "TPM2_PCR_Read");
		break;
	case TPM_PCR_EXTEND:
		tb_tpm_pcr_extend(&st->cmd, (unsigned)o->pcr, rnd);
		rc = tpm_call(st, "TPM2_PCR_Extend");
		break;
	default:
		tb_tpm_quote(&st->cmd, st->ak, rnd);
		rc = tpm_call(st, "TPM2_Quote");
		break;
	}
	*seconds = tb_now() - t0;
	if (!is_tpm(st->kind))
		st->evidence_bytes = len;
	return rc;
}

/* A repetition: the requests one by one, until `requests` or `max_seconds` (at least one);
 * the warm-up (rep 0) is a tenth of them. */
static int rep_measure(void *arg, int rep)
{
	struct attest_state *st = arg;
	const struct attest_opts *o = TB_OPTS(st->ctx, struct attest_opts);
	size_t want = (size_t)o->requests;
	if (rep == 0)
		want = want / 10 ? want / 10 : 1;
	double start = tb_now();
	st->n = 0;
	st->retries = 0;
	while (st->n < want && (st->n == 0 || tb_now() - start < (double)o->max_seconds)) {
		if (tb_interrupted())
			return -EINTR;
		int rc = request(st, o, &st->lat[st->n]);
		if (rc) {
			tb_fail(st->ctx, st->variant, "%s", st->err[0] ? st->err : strerror(-rc));
			return rc;
		}
		st->n++;
	}
	st->wall = tb_now() - start;
	return 0;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static void rep_record(void *arg, int rep, double seconds)
{
	(void)seconds; /* st->wall: the requests' own span, max_seconds may stop it early */
	struct attest_state *st = arg;
	const struct attest_opts *o = TB_OPTS(st->ctx, struct attest_opts);
	qsort(st->lat, st->n, sizeof(double), by_value);
	double p50 = tb_quantile_sorted(st->lat, st->n, 0.50);
	double p99 = tb_quantile_sorted(st->lat, st->n, 0.99);
	char what[256], quantum[64];
	switch (st->kind) {
	case TSM_REPORT:
	case TDX_QUOTE:
		snprintf(what, sizeof(what), "interface=configfs-tsm provider=%s dir=%s "
			 "entry=per-request", st->provider, o->tsm_dir);
		break;
	case SEV_GUEST:
	case SEV_GUEST_EXT:
		snprintf(what, sizeof(what), "interface=%s ioctl=%s certs_bytes=%zu",
			 o->sev_guest_device, st->kind == SEV_GUEST ? "SNP_GET_REPORT" : "SNP_GET_EXT_REPORT",
			 st->kind == SEV_GUEST ? 0 : st->certs_bytes);
		break;
	case TDX_REPORT:
		snprintf(what, sizeof(what), "interface=%s ioctl=TDX_CMD_GET_REPORT0", o->tdx_guest_device);
		break;
	default: {
		char which[96];
		if (st->kind == TPM_QUOTE)
			snprintf(which, sizeof(which), "pcrs=0-7 key=ecc-p256-restricted hierarchy=%s",
				 hierarchies[o->hierarchy]);
		else
			snprintf(which, sizeof(which), "pcr=%lld", o->pcr);
		snprintf(what, sizeof(what), "interface=%s%s bank=sha256 %s retries=%lu", st->tpm_path,
			 strcmp(st->tpm_path, "/dev/tpm0") == 0 ? " resource_manager=none" : "", which,
			 st->retries);
	}
		break;
	}
	char detail[512];
	snprintf(detail, sizeof(detail), "%s requests=%zu seconds=%.6f evidence_bytes=%zu%s", what,
		 st->n, st->wall, st->evidence_bytes, tb_polling_quantum(p50, quantum, sizeof(quantum)));
	tb_emit(st->ctx, st->variant, &metrics[M_P50], rep, p50 * 1e6, detail);
	tb_emit(st->ctx, st->variant, &metrics[M_P99], rep, p99 * 1e6, detail);
	tb_emit(st->ctx, st->variant, &metrics[M_RPS], rep, (double)st->n / st->wall, detail);
}

static int run(struct tb_ctx *ctx, void *state, const struct tb_variant *v)
{
	struct attest_state *st = state;
	const char *variant = v->name;
	st->variant = variant;
	st->kind = kind_of(v);
	st->err[0] = '\0';
	if (is_tpm(st->kind) && st->prepared) {
		tb_fail(ctx, variant, "%s", st->err);
		return st->prepared;
	}
	struct tb_rep_plan plan = { .warmup = true, .measure = rep_measure, .record = rep_record };
	int rc = tb_reps_run(ctx, &plan, st);
	if (st->fd >= 0 && !is_tpm(st->kind)) {
		close(st->fd);
		st->fd = -1;
	}
	return rc;
}

TB_BENCH(attest_bench, "cc.attest",
	 "latency of getting evidence: configfs-tsm, sev-guest, tdx-guest, TPM PCR read/extend/quote",
	 struct attest_opts, .setup = setup, .supported = supported, .run = run,
	 .teardown = teardown);
