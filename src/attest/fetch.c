/* Report fetching, in order: configfs-tsm (Documentation/ABI/testing/configfs-tsm), the
 * sev-guest ioctl SNP_GET_REPORT, the tdx-guest ioctl TDX_CMD_GET_REPORT0 (attest/uapi.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "attest/fetch.h"
#include "attest/report.h"
#include "attest/uapi.h"
#include "tinyben/util.h"

static int read_attr(const char *dir, const char *name, unsigned char *buf, size_t cap,
		     size_t *len)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t n = 0;
	for (;;) {
		ssize_t r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			close(fd);
			return -e;
		}
		if (r == 0)
			break;
		if ((n += (size_t)r) == cap) {
			/* Full: one more byte means the attribute does not fit, and a blob cut
			 * short (a quote) must not pass for the whole one. */
			unsigned char more;
			do
				r = read(fd, &more, 1);
			while (r < 0 && errno == EINTR);
			if (r != 0) {
				close(fd);
				return r > 0 ? -EFBIG : -errno;
			}
			break;
		}
	}
	close(fd);
	*len = n;
	return 0;
}

static int write_attr(const char *dir, const char *name, const void *buf, size_t len)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t w = write(fd, buf, len);
	int e = errno;
	close(fd);
	return w == (ssize_t)len ? 0 : w < 0 ? -e : -EIO;
}

static long read_generation(const char *dir)
{
	char buf[32];
	size_t n;
	if (read_attr(dir, "generation", (unsigned char *)buf, sizeof(buf) - 1, &n))
		return -1;
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}

int tb_attest_tsm_provider(const char *base, char *provider, size_t len)
{
	char dir[320];
	snprintf(dir, sizeof(dir), "%s/tinyben-probe-%ld", base, (long)getpid());
	if (mkdir(dir, 0700) != 0)
		return -errno;
	tb_tmpdir_register(dir);
	size_t n = 0;
	int rc = len ? read_attr(dir, "provider", (unsigned char *)provider, len - 1, &n) : -EINVAL;
	if (!rc) {
		provider[n] = '\0';
		provider[strcspn(provider, "\n")] = '\0';
	}
	rmdir(dir);
	tb_tmp_forget(dir);
	return rc;
}

int tb_attest_fetch_tsm(const char *base, const unsigned char rd[64], unsigned char *out,
			size_t cap, size_t *len, char *how, size_t how_len, char *err,
			size_t err_len)
{
	char dir[320];
	/* The entry of a tinyben killed by SIGKILL stays behind, and in a container the next
	 * one often has its PID: another name then, and the stale entry is left alone. */
	int made = -1;
	for (int i = 0; i < 100 && made != 0; i++) {
		if (i == 0)
			snprintf(dir, sizeof(dir), "%s/tinyben-%ld", base, (long)getpid());
		else
			snprintf(dir, sizeof(dir), "%s/tinyben-%ld-%d", base, (long)getpid(), i);
		made = mkdir(dir, 0700);
		if (made != 0 && errno != EEXIST)
			break;
	}
	if (made != 0) {
		/* No provider registered (or not root): nothing was asked of the firmware yet,
		 * so the ioctl interfaces may still be tried. */
		snprintf(err, err_len, "%s: %s", dir, strerror(errno));
		return 1;
	}
	tb_tmpdir_register(dir); /* configfs entries go away with rmdir, also on Ctrl-C */
	char provider[64] = "";
	size_t n = 0;
	int rc = read_attr(dir, "provider", (unsigned char *)provider, sizeof(provider) - 1, &n);
	provider[rc ? 0 : n] = '\0';
	provider[strcspn(provider, "\n")] = '\0';
	/* The ABI's conflict check (configfs-tsm, "generation"): read it before writing, and
	 * after outblob it must have advanced by exactly our one write. Reading it only after
	 * our write would miss another writer that came between that write and the read, and
	 * we would hand out its report as bound to our data. */
	long gen = rc ? -1 : read_generation(dir);
	if (!rc)
		rc = write_attr(dir, "inblob", rd, 64);
	if (!rc)
		rc = read_attr(dir, "outblob", out, cap, len);
	if (!rc && (gen < 0 || read_generation(dir) != gen + 1))
		rc = -EBUSY;
	bool snp = strcmp(provider, "sev_guest") == 0;
	if (!rc && snp && *len != TB_SNP_REPORT_SIZE)
		rc = -EPROTO;
	/* An SNP report carries report_data in clear: a second check that it is ours. */
	if (!rc && snp && memcmp(out + TB_SNP_REPORT_DATA, rd, 64) != 0)
		rc = -EBADMSG;
	if (rc == -EBADMSG)
		snprintf(err, err_len, "configfs-tsm (sev_guest): the report's report_data is not "
			 "what was written to inblob (another writer or a provider fault); not retried");
	else if (rc == -EPROTO)
		snprintf(err, err_len, "configfs-tsm (sev_guest): outblob has %zu bytes, an SNP "
			 "report %d", *len, TB_SNP_REPORT_SIZE);
	else if (rc == -EFBIG)
		snprintf(err, err_len, "configfs-tsm (%s): outblob is larger than %zu bytes; not "
			 "handed out cut short", provider[0] ? provider : "?", cap);
	else if (rc == -EBUSY)
		snprintf(err, err_len, "configfs-tsm: %s was rewritten by another process while reading; not retried", dir);
	else if (rc)
		snprintf(err, err_len, "configfs-tsm (%s): %s", provider[0] ? provider : "?",
			 strerror(-rc));
	else
		snprintf(how, how_len, "configfs-tsm provider %s: %s", provider,
			 strcmp(provider, "tdx_guest") == 0 ? "TDX quote" : "SNP report");
	rmdir(dir);
	tb_tmp_forget(dir);
	return rc;
}

/* One guest request through the sev-guest driver: `req` is the request structure of `cmd`
 * (SNP_GET_REPORT or SNP_GET_EXT_REPORT), both answered by MSG_REPORT_RSP. */
static int snp_request(int fd, unsigned long cmd, const char *name, void *req,
		       unsigned char *out, size_t cap, size_t *len, char *err, size_t err_len)
{
	static struct tb_snp_report_resp resp;
	memset(&resp, 0, sizeof(resp));
	struct tb_snp_guest_request_ioctl io = {
		.msg_version = 1,
		.req_data = (uint64_t)(uintptr_t)req,
		.resp_data = (uint64_t)(uintptr_t)&resp,
	};
	if (ioctl(fd, cmd, &io) < 0) {
		int e = errno;
		snprintf(err, err_len,
			 "/dev/sev-guest %s: %s (firmware error 0x%x, VMM error 0x%x); "
			 "not retried: repeated failures can disable the guest's VMPCK until reboot",
			 name, strerror(e), io.fw_error, io.vmm_error);
		return -e;
	}
	uint32_t status = (uint32_t)tb_le(resp.data + TB_SNP_RSP_STATUS, 4);
	uint32_t size = (uint32_t)tb_le(resp.data + TB_SNP_RSP_SIZE, 4);
	if (status != 0 || size < TB_SNP_REPORT_SIZE ||
	    size > sizeof(resp.data) - TB_SNP_RSP_REPORT || size > cap) {
		snprintf(err, err_len, "/dev/sev-guest: firmware status 0x%x, report size %u", status, size);
		return -EIO;
	}
	memcpy(out, resp.data + TB_SNP_RSP_REPORT, TB_SNP_REPORT_SIZE);
	*len = TB_SNP_REPORT_SIZE;
	return 0;
}

int tb_attest_fetch_snp(int fd, const unsigned char rd[64], unsigned char *out, size_t cap,
			size_t *len, char *err, size_t err_len)
{
	struct tb_snp_report_req req = { .vmpl = 0 };
	memcpy(req.user_data, rd, 64);
	return snp_request(fd, TB_SNP_GET_REPORT, "SNP_GET_REPORT", &req, out, cap, len, err,
			   err_len);
}

int tb_attest_fetch_snp_ext(int fd, const unsigned char rd[64], unsigned char *out,
			    size_t cap, size_t *len, unsigned char *certs, size_t certs_cap,
			    size_t *certs_len, char *err, size_t err_len)
{
	struct tb_snp_ext_report_req req = {
		.data = { .vmpl = 0 },
		.certs_address = (uint64_t)(uintptr_t)certs,
		.certs_len = (uint32_t)certs_cap,
	};
	memcpy(req.data.user_data, rd, 64);
	int rc = snp_request(fd, TB_SNP_GET_EXT_REPORT, "SNP_GET_EXT_REPORT", &req, out, cap,
			     len, err, err_len);
	/* The driver writes back the certificates' length (0: the host gave none). */
	*certs_len = req.certs_len;
	return rc;
}

int tb_attest_fetch_tdx(int fd, const unsigned char rd[64], unsigned char *out, size_t cap,
			size_t *len, char *err, size_t err_len)
{
	static struct tb_tdx_report_req req;
	memset(&req, 0, sizeof(req));
	memcpy(req.reportdata, rd, 64);
	if (cap < TB_TDX_REPORT_SIZE)
		return -ENOSPC;
	if (ioctl(fd, TB_TDX_CMD_GET_REPORT0, &req) < 0) {
		int e = errno;
		snprintf(err, err_len, "/dev/tdx_guest TDX_CMD_GET_REPORT0: %s", strerror(e));
		return -e;
	}
	memcpy(out, req.tdreport, TB_TDX_REPORT_SIZE);
	*len = TB_TDX_REPORT_SIZE;
	return 0;
}

int tb_attest_fetch(const unsigned char report_data[64], unsigned char *out, size_t cap,
		    size_t *len, char *how, size_t how_len, char *err, size_t err_len)
{
	struct stat st;
	char tsm_err[320] = "";
	if (stat(TB_TSM_DIR, &st) == 0) {
		int rc = tb_attest_fetch_tsm(TB_TSM_DIR, report_data, out, cap, len, how, how_len, err, err_len);
		if (rc <= 0)
			return rc;
		snprintf(tsm_err, sizeof(tsm_err), "%s", err);
	}
	static const char *const devs[] = { "/dev/sev-guest", "/dev/tdx_guest" };
	for (int i = 0; i < 2; i++) {
		int fd = open(devs[i], O_RDWR | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT)
			continue;
		if (fd < 0) {
			int e = errno;
			snprintf(err, err_len, "%s: %s%s", devs[i], strerror(e),
				 e == EACCES ? " (needs root)" : "");
			return -e;
		}
		int rc = i == 0 ? tb_attest_fetch_snp(fd, report_data, out, cap, len, err, err_len)
				: tb_attest_fetch_tdx(fd, report_data, out, cap, len, err, err_len);
		close(fd);
		if (!rc)
			snprintf(how, how_len, "%s: %s", devs[i], i == 0 ? "SNP report" : "TDREPORT");
		return rc;
	}
	if (tsm_err[0]) {
		snprintf(err, err_len, "configfs-tsm unusable (%s) and neither /dev/sev-guest nor "
			 "/dev/tdx_guest exists", tsm_err);
		return -ENODEV;
	}
	snprintf(err, err_len, "no attestation interface: neither " TB_TSM_DIR
		 " (configfs-tsm), /dev/sev-guest nor /dev/tdx_guest exists: not a SEV-SNP or TDX guest "
		 "(see 'tinyben detect'), or its guest driver is not loaded");
	return -ENODEV;
}
