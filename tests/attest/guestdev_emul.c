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
 * TDX: the TDREPORT of --template with REPORTDATA (offset 128) from the request; its MAC is
 * not recomputed (only the TDX module could).
 *
 * usage: guestdev_emul --device sev|tdx --template FILE [--vcek-key PEM] [--firmware-error]
 *                      [--log FILE] -- COMMAND [ARG...]      exits with COMMAND's status */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <stdarg.h>
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
#include <unistd.h>

#include "attest/uapi.h"
#include "emul_snp.h"

#define SNP_REPORT_SIZE 1184
#define TDX_REPORT_SIZE 1024
#define SEV_RET_INVALID_PARAM 0x16

static struct {
	bool tdx, firmware_error;
	const char *dev;
	unsigned char template[SNP_REPORT_SIZE];
	EVP_PKEY *key;
	FILE *log;
	int mem; /* /proc/PID/mem of the command */
} S;

static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void note(const char *fmt, ...)
{
	if (!S.log)
		return;
	va_list ap;
	va_start(ap, fmt);
	vfprintf(S.log, fmt, ap);
	va_end(ap);
	fputc('\n', S.log);
	fflush(S.log);
}

static int peek(uint64_t addr, void *buf, size_t len)
{
	return pread(S.mem, buf, len, (off_t)addr) == (ssize_t)len ? 0 : -EFAULT;
}

static int poke(uint64_t addr, const void *buf, size_t len)
{
	return pwrite(S.mem, buf, len, (off_t)addr) == (ssize_t)len ? 0 : -EFAULT;
}

/* SNP_GET_REPORT: returns the ioctl's result (0 or -errno). */
static int snp_get_report(uint64_t arg)
{
	struct tb_snp_guest_request_ioctl io;
	struct tb_snp_report_req req;
	if (peek(arg, &io, sizeof(io)) || peek(io.req_data, &req, sizeof(req)))
		return -EFAULT;
	note("SNP_GET_REPORT msg_version=%u vmpl=%u", io.msg_version, req.vmpl);
	if (io.msg_version == 0 || req.vmpl > 3)
		return -EINVAL;
	if (S.firmware_error) {
		io.exitinfo2 = SEV_RET_INVALID_PARAM;
		return poke(arg, &io, sizeof(io)) ? -EFAULT : -EIO;
	}
	static struct tb_snp_report_resp resp;
	memset(&resp, 0, sizeof(resp));
	uint32_t size = SNP_REPORT_SIZE;
	memcpy(resp.data + TB_SNP_RSP_SIZE, &size, 4);
	if (emul_snp_report(S.template, S.key, req.user_data, req.vmpl,
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
	note("TDX_CMD_GET_REPORT0");
	if (S.firmware_error)
		return -EIO;
	memcpy(req.tdreport, S.template, TDX_REPORT_SIZE);
	memcpy(req.tdreport + 128, req.reportdata, 64);
	return poke(arg, &req, sizeof(req));
}

static int filter_and_exec(int sock, char **argv)
{
	/* openat always (the path is only readable from user space), the two report ioctls. */
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_openat, 4, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_ioctl, 0, 4),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[1])),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)TB_SNP_GET_REPORT, 1, 0),
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
				note("open %s", name);
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
			int rc = S.tdx == (req->data.args[1] == (uint32_t)TB_TDX_CMD_GET_REPORT0)
					 ? (S.tdx ? tdx_get_report0(req->data.args[2])
						  : snp_get_report(req->data.args[2]))
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
	const char *template = NULL, *key = NULL, *device = NULL;
	int i = 1;
	for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--device") == 0 && v)
			device = argv[++i];
		else if (strcmp(a, "--template") == 0 && v)
			template = argv[++i];
		else if (strcmp(a, "--vcek-key") == 0 && v)
			key = argv[++i];
		else if (strcmp(a, "--log") == 0 && v)
			S.log = fopen(argv[++i], "a");
		else if (strcmp(a, "--firmware-error") == 0)
			S.firmware_error = true;
		else
			break;
	}
	if (i + 1 >= argc || strcmp(argv[i], "--") != 0 || !template || !device ||
	    (strcmp(device, "sev") && strcmp(device, "tdx"))) {
		fprintf(stderr, "usage: guestdev_emul --device sev|tdx --template FILE [--vcek-key PEM] "
				"[--firmware-error] [--log FILE] -- COMMAND [ARG...]\n");
		return 2;
	}
	S.tdx = strcmp(device, "tdx") == 0;
	S.dev = S.tdx ? "/dev/tdx_guest" : "/dev/sev-guest";
	if (emul_load_template(template, S.tdx ? TDX_REPORT_SIZE : SNP_REPORT_SIZE, S.template))
		return 2;
	if (!S.tdx && !(S.key = emul_load_key(key)))
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
