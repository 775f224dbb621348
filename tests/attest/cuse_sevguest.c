/* /dev/sev-guest as a character device in user space (CUSE), for the TCG guest of
 * test_cuse.py: the ioctl goes through the kernel's VFS and FUSE like the real driver's.
 * SNP_GET_REPORT (include/uapi/linux/sev-guest.h) carries pointers to the request and the
 * response, so the ioctl is "unrestricted": the kernel is asked, in two retries, for the
 * ioctl structure, then for the request it points at and the room for the response.
 * The response holds MSG_REPORT_RSP (status, report size, the report at 0x20): the
 * --template report with the request's report_data and VMPL, signed by --vcek-key.
 * --firmware-error fails the ioctl with EIO and fw_error 0x16 (SEV_RET_INVALID_PARAM).
 * Each request is logged on stderr ("SNP_GET_REPORT vmpl=0"), so the test can count them.
 *
 * usage: cuse_sevguest --template FILE --vcek-key PEM [--firmware-error] */
#define FUSE_USE_VERSION 31
#include <cuse_lowlevel.h>
#include <errno.h>
#include <fuse_lowlevel.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>

#include "attest/uapi.h"
#include "emul_snp.h"

#define SEV_RET_INVALID_PARAM 0x16

static struct {
	unsigned char template[EMUL_SNP_SIZE];
	EVP_PKEY *key;
	bool firmware_error;
} S;

static void dev_open(fuse_req_t req, struct fuse_file_info *fi)
{
	fuse_reply_open(req, fi);
}

static void dev_ioctl(fuse_req_t req, int cmd, void *arg, struct fuse_file_info *fi,
		      unsigned flags, const void *in, size_t in_len, size_t out_len)
{
	(void)fi, (void)flags, (void)out_len;
	if ((unsigned)cmd != (unsigned)TB_SNP_GET_REPORT) {
		fuse_reply_err(req, ENOTTY);
		return;
	}
	struct tb_snp_guest_request_ioctl io;
	struct iovec io_iov = { arg, sizeof(io) };
	if (in_len < sizeof(io)) { /* first: the ioctl structure itself */
		fuse_reply_ioctl_retry(req, &io_iov, 1, &io_iov, 1);
		return;
	}
	memcpy(&io, in, sizeof(io));
	static struct tb_snp_report_resp resp;
	struct iovec in_iov[2] = { io_iov, { (void *)(uintptr_t)io.req_data,
					     sizeof(struct tb_snp_report_req) } };
	struct iovec out_iov[2] = { io_iov, { (void *)(uintptr_t)io.resp_data, sizeof(resp) } };
	if (in_len < sizeof(io) + sizeof(struct tb_snp_report_req)) { /* then what it points at */
		fuse_reply_ioctl_retry(req, in_iov, 2, out_iov, 2);
		return;
	}
	struct tb_snp_report_req rq;
	memcpy(&rq, (const char *)in + sizeof(io), sizeof(rq));
	fprintf(stderr, "SNP_GET_REPORT vmpl=%u\n", rq.vmpl);
	if (io.msg_version == 0 || rq.vmpl > 3) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	memset(&resp, 0, sizeof(resp));
	if (S.firmware_error) {
		io.exitinfo2 = SEV_RET_INVALID_PARAM;
		out_iov[0].iov_base = &io;
		fuse_reply_ioctl_iov(req, -EIO, out_iov, 1);
		return;
	}
	uint32_t size = EMUL_SNP_SIZE;
	memcpy(resp.data + TB_SNP_RSP_SIZE, &size, 4);
	if (emul_snp_report(S.template, S.key, rq.user_data, rq.vmpl,
			    resp.data + TB_SNP_RSP_REPORT)) {
		fuse_reply_err(req, EIO);
		return;
	}
	io.exitinfo2 = 0;
	out_iov[0].iov_base = &io;
	out_iov[1].iov_base = &resp;
	fuse_reply_ioctl_iov(req, 0, out_iov, 2);
}

static const struct cuse_lowlevel_ops ops = {
	.open = dev_open,
	.ioctl = dev_ioctl,
};

int main(int argc, char **argv)
{
	const char *template = NULL, *key = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--template") == 0 && i + 1 < argc)
			template = argv[++i];
		else if (strcmp(argv[i], "--vcek-key") == 0 && i + 1 < argc)
			key = argv[++i];
		else if (strcmp(argv[i], "--firmware-error") == 0)
			S.firmware_error = true;
		else
			template = NULL, i = argc;
	}
	if (!template) {
		fprintf(stderr, "usage: cuse_sevguest --template FILE --vcek-key PEM [--firmware-error]\n");
		return 2;
	}
	if (emul_load_template(template, EMUL_SNP_SIZE, S.template) || !(S.key = emul_load_key(key)))
		return 2;
	const char *dev_info[] = { "DEVNAME=sev-guest" };
	struct cuse_info ci = { .dev_info_argc = 1, .dev_info_argv = dev_info,
				.flags = CUSE_UNRESTRICTED_IOCTL };
	/* Foreground, single-threaded. */
	char *fargs[] = { argv[0], "-f", "-s", NULL };
	return cuse_lowlevel_main(3, fargs, &ci, &ops, NULL);
}
