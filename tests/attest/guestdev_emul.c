/* An emulated /dev/sev-guest (or /dev/tdx_guest) for one command, without the hardware and
 * without CUSE: the command runs under a seccomp filter whose user notifications come here
 * (seccomp_unotify(2)). Opening the device path gets an injected file descriptor; the
 * report ioctl on it is answered by reading and writing the caller's memory through the
 * pointers of the uapi structures, as the guest driver does (include/uapi/linux/
 * sev-guest.h SNP_GET_REPORT, tdx-guest.h TDX_CMD_GET_REPORT0). Every other open goes on
 * unchanged (SECCOMP_USER_NOTIF_FLAG_CONTINUE).
 *
 * SNP: the response buffer gets MSG_REPORT_RSP (status 0, report size, the report at 0x20):
 * the --template report with report_data and VMPL from the request, signed ECDSA P-384 /
 * SHA-384 by --vcek-key. --firmware-error fails the ioctl with EIO and fw_error
 * SEV_RET_INVALID_PARAM (0x16), as the driver reports a firmware refusal.
 * SNP_GET_EXT_REPORT also writes a certificate table to the request's certs_address (one
 * GUID entry, the VCEK GUID, with --certs FILE's bytes, or none) and sets certs_len; a
 * buffer too small gets EIO, VMM error 1 (SNP_GUEST_VMM_ERR_INVALID_LEN) and the length
 * needed, as the driver does. --delay-ms N answers every report ioctl N ms later (a known
 * floor for a latency measured through the emulator).
 * TDX: the TDREPORT of --template with REPORTDATA (offset 128) from the request; its MAC is
 * not recomputed (only the TDX module could).
 *
 * usage: guestdev_emul --device sev|tdx --template FILE [--vcek-key PEM] [--firmware-error]
 *                      [--certs FILE] [--delay-ms N] [--log FILE] -- COMMAND [ARG...]
 * exits with COMMAND's status */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "attest/uapi.h"
#include "emul_snp.h"

#define SNP_REPORT_SIZE 1184
#define TDX_REPORT_SIZE 1024
#define SEV_RET_INVALID_PARAM 0x16

static struct {
	struct emul_opts o;
	bool tdx;
	const char *dev;
	unsigned char template[SNP_REPORT_SIZE];
	EVP_PKEY *key;
	int mem; /* /proc/PID/mem of the command */
	unsigned char *certs;
	size_t certs_len;
} S;

static int peek(uint64_t addr, void *buf, size_t len)
{
	return pread(S.mem, buf, len, (off_t)addr) == (ssize_t)len ? 0 : -EFAULT;
}

static int poke(uint64_t addr, const void *buf, size_t len)
{
	return pwrite(S.mem, buf, len, (off_t)addr) == (ssize_t)len ? 0 : -EFAULT;
}

/* The certificate table of SNP_GET_EXT_REPORT (GHCB spec, "SNP Extended Guest Request"):
 * entries of GUID, offset, length, a zero entry, then the certificates. */
static size_t certs_table(unsigned char *out, size_t cap)
{
	static const unsigned char vcek_guid[16] = { 0x8b, 0x33, 0xdd, 0x63, 0x1d, 0x6a, 0xe3, 0x4a,
						     0x91, 0xb3, 0x2c, 0x3f, 0x44, 0xb3, 0x65, 0x23 };
	if (!S.certs)
		return 0;
	size_t need = 2 * 24 + S.certs_len;
	if (need > cap)
		return need;
	memset(out, 0, 48);
	memcpy(out, vcek_guid, 16);
	uint32_t off = 48, len = (uint32_t)S.certs_len;
	memcpy(out + 16, &off, 4);
	memcpy(out + 20, &len, 4);
	memcpy(out + 48, S.certs, S.certs_len);
	return need;
}

/* SNP_GET_REPORT and SNP_GET_EXT_REPORT: returns the ioctl's result (0 or -errno). */
static int snp_get_report(uint64_t arg, bool ext)
{
	struct tb_snp_guest_request_ioctl io;
	struct tb_snp_ext_report_req req;
	if (peek(arg, &io, sizeof(io)) ||
	    peek(io.req_data, &req, ext ? sizeof(req) : sizeof(req.data)))
		return -EFAULT;
	emul_log(S.o.log, "%s msg_version=%u vmpl=%u", ext ? "SNP_GET_EXT_REPORT" : "SNP_GET_REPORT",
	     io.msg_version, req.data.vmpl);
	emul_delay(S.o.delay_ms);
	if (io.msg_version == 0 || req.data.vmpl > 3)
		return -EINVAL;
	if (S.o.firmware_error) {
		io.exitinfo2 = SEV_RET_INVALID_PARAM;
		return poke(arg, &io, sizeof(io)) ? -EFAULT : -EIO;
	}
	if (ext) {
		static unsigned char table[1 << 16];
		size_t n = certs_table(table, sizeof(table));
		bool fits = n <= req.certs_len;
		if (n && fits && poke(req.certs_address, table, n))
			return -EFAULT;
		req.certs_len = (uint32_t)(n + 4095) / 4096 * 4096;
		if (!n)
			req.certs_len = 0;
		if (poke(io.req_data, &req, sizeof(req)))
			return -EFAULT;
		if (!fits) {
			io.vmm_error = 1; /* SNP_GUEST_VMM_ERR_INVALID_LEN */
			io.fw_error = 0;
			return poke(arg, &io, sizeof(io)) ? -EFAULT : -EIO;
		}
	}
	static struct tb_snp_report_resp resp;
	memset(&resp, 0, sizeof(resp));
	uint32_t size = SNP_REPORT_SIZE;
	memcpy(resp.data + TB_SNP_RSP_SIZE, &size, 4);
	if (emul_snp_report(S.template, S.key, req.data.user_data, req.data.vmpl,
			    resp.data + TB_SNP_RSP_REPORT))
		return -EIO;
	io.exitinfo2 = 0;
	if (poke(io.resp_data, &resp, sizeof(resp)) || poke(arg, &io, sizeof(io)))
		return -EFAULT;
	return 0;
}

static int tdx_get_report0(uint64_t arg)
{
	static struct tb_tdx_report_req req;
	if (peek(arg, req.reportdata, sizeof(req.reportdata)))
		return -EFAULT;
	emul_log(S.o.log, "TDX_CMD_GET_REPORT0");
	emul_delay(S.o.delay_ms);
	if (S.o.firmware_error)
		return -EIO;
	memcpy(req.tdreport, S.template, TDX_REPORT_SIZE);
	memcpy(req.tdreport + 128, req.reportdata, 64);
	return poke(arg, &req, sizeof(req));
}

static int filter_and_exec(int sock, char **argv)
{
	/* openat always (the path is only readable from user space), the three report ioctls. */
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_openat, 5, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_ioctl, 0, 5),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[1])),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)TB_SNP_GET_REPORT, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)TB_SNP_GET_EXT_REPORT, 1, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)TB_TDX_CMD_GET_REPORT0, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -errno;
	int fd = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
			      SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
	if (fd < 0)
		return -errno;
	char c = 0;
	struct iovec iov = { &c, 1 };
	union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } u;
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			    .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	if (sendmsg(sock, &m, 0) != 1)
		return -errno;
	close(fd);
	close(sock);
	execvp(argv[0], argv);
	return -errno;
}

static int recv_fd(int sock)
{
	char c;
	struct iovec iov = { &c, 1 };
	union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } u;
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			    .msg_controllen = sizeof(u.buf) };
	if (recvmsg(sock, &m, 0) != 1)
		return -1;
	int fd;
	memcpy(&fd, CMSG_DATA(CMSG_FIRSTHDR(&m)), sizeof(int));
	return fd;
}

static void serve(int listener, pid_t child)
{
	struct seccomp_notif_sizes sizes;
	syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes);
	struct seccomp_notif *req = calloc(1, sizes.seccomp_notif);
	struct seccomp_notif_resp *resp = calloc(1, sizes.seccomp_notif_resp);
	for (;;) {
		struct pollfd p = { .fd = listener, .events = POLLIN };
		if (poll(&p, 1, 200) < 0 && errno != EINTR)
			break;
		if (p.revents & (POLLHUP | POLLERR))
			break; /* every process of the filter has exited */
		if (!(p.revents & POLLIN)) {
			if (waitpid(child, NULL, WNOHANG | WNOWAIT) == child)
				break;
			continue;
		}
		memset(req, 0, sizes.seccomp_notif);
		if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, req) != 0)
			continue;
		memset(resp, 0, sizes.seccomp_notif_resp);
		resp->id = req->id;
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/mem", req->pid);
		S.mem = open(path, O_RDWR | O_CLOEXEC);
		if (req->data.nr == __NR_openat) {
			char name[256] = "";
			pread(S.mem, name, sizeof(name) - 1, (off_t)req->data.args[1]);
			if (strcmp(name, S.dev) == 0 &&
			    ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &req->id) == 0) {
				emul_log(S.o.log, "open %s", name);
				int dev = open("/dev/null", O_RDWR);
				struct seccomp_notif_addfd add = {
					.id = req->id, .flags = SECCOMP_ADDFD_FLAG_SEND, .srcfd = (uint32_t)dev,
					.newfd_flags = (uint32_t)(req->data.args[2] & O_CLOEXEC),
				};
				ioctl(listener, SECCOMP_IOCTL_NOTIF_ADDFD, &add);
				close(dev);
				close(S.mem);
				continue;
			}
			resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		} else {
			uint32_t cmd = (uint32_t)req->data.args[1];
			int rc = S.tdx == (cmd == (uint32_t)TB_TDX_CMD_GET_REPORT0)
					 ? (S.tdx ? tdx_get_report0(req->data.args[2])
						  : snp_get_report(req->data.args[2],
								   cmd == (uint32_t)TB_SNP_GET_EXT_REPORT))
					 : -ENOTTY;
			resp->error = rc < 0 ? rc : 0;
			resp->val = 0;
		}
		close(S.mem);
		ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, resp);
	}
	free(req);
	free(resp);
}

int main(int argc, char **argv)
{
	const char *device = NULL;
	int i = 1;
	for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (emul_option(&S.o, argc, argv, &i))
			continue;
		if (strcmp(a, "--device") == 0 && v) {
			device = argv[++i];
		} else if (strcmp(a, "--certs") == 0 && v) {
			FILE *f = fopen(argv[++i], "rb");
			S.certs = malloc(1 << 15);
			S.certs_len = f && S.certs ? fread(S.certs, 1, 1 << 15, f) : 0;
			if (f)
				fclose(f);
		} else {
			break;
		}
	}
	if (i + 1 >= argc || strcmp(argv[i], "--") != 0 || !S.o.template || !device ||
	    (strcmp(device, "sev") && strcmp(device, "tdx"))) {
		fprintf(stderr, "usage: guestdev_emul --device sev|tdx --template FILE [--vcek-key PEM] "
				"[--firmware-error] [--certs FILE] [--delay-ms N] [--log FILE] -- COMMAND [ARG...]\n");
		return 2;
	}
	S.tdx = strcmp(device, "tdx") == 0;
	S.dev = S.tdx ? "/dev/tdx_guest" : "/dev/sev-guest";
	if (emul_load_template(S.o.template, S.tdx ? TDX_REPORT_SIZE : SNP_REPORT_SIZE, S.template))
		return 2;
	if (!S.tdx && !(S.key = emul_load_key(S.o.key)))
		return 2;
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return 2;
	pid_t pid = fork();
	if (pid == 0) {
		close(sv[0]);
		int e = filter_and_exec(sv[1], argv + i + 1);
		fprintf(stderr, "guestdev_emul: %s: %s\n", argv[i + 1], strerror(-e));
		_exit(127);
	}
	close(sv[1]);
	int listener = recv_fd(sv[0]);
	close(sv[0]);
	if (listener >= 0)
		serve(listener, pid);
	int status = 0;
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
