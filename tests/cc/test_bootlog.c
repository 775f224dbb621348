/* The boot timeline's parsers (src/cc/bootlog.c) on recorded logs: a Debian 12 guest's kernel
 * log as dmesg and klogctl print it, /dev/kmsg records, cloud-init's boot-finished, the
 * host's boot log. */
#include <errno.h>
#include <stdlib.h>

#include "cc/bootlog.h"
#include "check.h"

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		printf("Bail out! cannot read %s\n", path);
		exit(1);
	}
	static char buf[1 << 16];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void dmesg_text(const char *fixtures)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/kmsg-debian12.txt", fixtures);
	struct tb_boot_kmsg k = { 0 };
	tb_boot_kmsg_text(&k, slurp(path));
	CHECK(k.seen[TB_BOOT_KERNEL] && k.seen[TB_BOOT_INIT] && k.seen[TB_BOOT_ROOT_MOUNT]);
	CHECK_NEAR(k.t[TB_BOOT_KERNEL], 0.0, 1e-9);
	CHECK_NEAR(k.t[TB_BOOT_INIT], 2.935811, 1e-9);
	/* the root's mount, not the re-mount nor the seed's later mount */
	CHECK_NEAR(k.t[TB_BOOT_ROOT_MOUNT], 4.870124, 1e-9);

	struct tb_boot_kmsg w = { 0 };
	snprintf(path, sizeof(path), "%s/kmsg-wrapped.txt", fixtures);
	tb_boot_kmsg_text(&w, slurp(path));
	CHECK(!w.seen[TB_BOOT_KERNEL] && !w.seen[TB_BOOT_INIT]);
}

static void klogctl_text(void)
{
	struct tb_boot_kmsg k = { 0 };
	tb_boot_kmsg_text(&k, "<5>[    0.000000] Linux version 6.1.0\n"
			      "<6>[    0.402395] Run /sbin/init as init process\n"
			      "no timestamp: Run /bin/sh as init process\n"
			      "<6>[    0.300000] VFS: Mounted root (ext4 filesystem) on device 254:1.\n"
			      "<6>[    0.9] Run /bin/sh as init process"); /* no newline at the end */
	CHECK(k.seen[TB_BOOT_KERNEL]);
	CHECK_NEAR(k.t[TB_BOOT_INIT], 0.402395, 1e-9); /* the first one */
	CHECK_NEAR(k.t[TB_BOOT_ROOT_MOUNT], 0.3, 1e-9);
	/* a line that only looks like one */
	struct tb_boot_kmsg z = { 0 };
	tb_boot_kmsg_text(&z, "[garbage] Linux version 1\n[ 1.0 Linux version 2\n<6\n[");
	CHECK(!z.seen[TB_BOOT_KERNEL]);
}

static void dev_kmsg_records(void)
{
	struct tb_boot_kmsg k = { 0 };
	const char *r1 = "5,0,0,-;Linux version 6.1.0-27-cloud-amd64 (debian-kernel@lists.debian.org)\n";
	const char *r2 = "6,612,2935811,-,caller=T1;Run /init as init process\n SUBSYSTEM=x\n";
	const char *r3 = "6,700,4870124,c;EXT4-fs (vda): mounted filesystem with ordered data mode.\n";
	CHECK(tb_boot_kmsg_record(&k, r1, strlen(r1)) == 0);
	CHECK(tb_boot_kmsg_record(&k, r2, strlen(r2)) == 0);
	CHECK(tb_boot_kmsg_record(&k, r3, strlen(r3)) == 0);
	CHECK_NEAR(k.t[TB_BOOT_INIT], 2.935811, 1e-9);
	CHECK_NEAR(k.t[TB_BOOT_ROOT_MOUNT], 4.870124, 1e-9);
	CHECK(tb_boot_kmsg_record(&k, "6,1;no usec", 11) == -EINVAL);
	CHECK(tb_boot_kmsg_record(&k, "6,1,x,-;text", 12) == -EINVAL);
	CHECK(tb_boot_kmsg_record(&k, "no semicolon", 12) == -EINVAL);
}

static void boot_finished(void)
{
	double t = -1;
	CHECK(tb_boot_finished_uptime("35.27 - Wed, 02 Dec 2026 06:12:09 +0000 - v. 22.4.2\n", &t) == 0);
	CHECK_NEAR(t, 35.27, 1e-9);
	CHECK(tb_boot_finished_uptime("", &t) == -EINVAL);
	CHECK(tb_boot_finished_uptime("soon - now", &t) == -EINVAL);
	CHECK(tb_boot_finished_uptime("-1 - x", &t) == -EINVAL);
}

static void host_log(void)
{
	const char *log = "# comment\nqemu-start 0.00\r\nfirst-serial-byte 0.41\n\nkernel 1.37\n"
			  "kernel 9.99\nssh-login 31.80";
	char err[128] = "";
	double t = -1;
	CHECK(tb_boot_host_phase(log, "kernel", &t, err, sizeof(err)) == 1);
	CHECK_NEAR(t, 1.37, 1e-9); /* the first */
	CHECK(tb_boot_host_phase(log, "ssh-login", &t, err, sizeof(err)) == 1);
	CHECK_NEAR(t, 31.80, 1e-9);
	CHECK(tb_boot_host_phase(log, "cloud-init-final", &t, err, sizeof(err)) == 0);
	CHECK(tb_boot_host_phase("kernel 1\ninit soon\n", "kernel", &t, err, sizeof(err)) == -EINVAL);
	CHECK_STR(err, "line 2: expected 'PHASE SECONDS', got 'init soon'");
	CHECK(tb_boot_host_phase("kernel 1 2\n", "kernel", &t, err, sizeof(err)) == -EINVAL);
	CHECK(tb_boot_host_phase("kernel -1\n", "kernel", &t, err, sizeof(err)) == -EINVAL);
	CHECK(tb_boot_host_phase("kernel nan\n", "kernel", &t, err, sizeof(err)) == -EINVAL);
	/* A byte-order mark (a Windows editor) is not part of the first phase's name. */
	CHECK(tb_boot_host_phase("\xef\xbb\xbfqemu-start 2\r\n", "qemu-start", &t, err,
				 sizeof(err)) == 1);
	CHECK_NEAR(t, 2, 1e-9);
}

int main(int argc, char **argv)
{
	const char *fixtures = argc > 1 ? argv[1] : "tests/cc/fixtures";
	dmesg_text(fixtures);
	klogctl_text();
	dev_kmsg_records();
	boot_finished();
	host_log();
	return check_done();
}
