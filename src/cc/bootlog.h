/* The boot's milestones from the texts that record them (docs/BOOT.md): the kernel log, the
 * boot-finished file cloud-init writes, and the host-side boot log of launch.sh --boot-log and
 * matrix.sh. Pure parsing: the unit tests feed it recorded logs. */
#ifndef TB_CC_BOOTLOG_H
#define TB_CC_BOOTLOG_H

#include <stdbool.h>
#include <stddef.h>

/* Milestones the kernel log shows, in the order a boot passes them (init and the root mount
 * swap places without an initramfs: the kernel then mounts the root before it runs init). */
enum tb_boot_kmsg_phase { TB_BOOT_KERNEL, TB_BOOT_INIT, TB_BOOT_ROOT_MOUNT, TB_BOOT_KMSG_PHASES };

struct tb_boot_kmsg {
	double t[TB_BOOT_KMSG_PHASES];    /* seconds since boot (the kernel's timestamps) */
	bool seen[TB_BOOT_KMSG_PHASES];
};

/* The phase's name (a variant of cc.boot) and the marker that dates it. */
const char *tb_boot_kmsg_phase_name(enum tb_boot_kmsg_phase p);
const char *tb_boot_kmsg_phase_marker(enum tb_boot_kmsg_phase p);

/* One kernel message (text without timestamp, n bytes) at time t: keeps the first time of
 * each phase whose marker it carries. */
void tb_boot_kmsg_message(struct tb_boot_kmsg *k, const char *msg, size_t n, double t);
/* A /dev/kmsg record "PRIO,SEQ,USEC,FLAGS;TEXT\n"; -EINVAL when it is not one. */
int tb_boot_kmsg_record(struct tb_boot_kmsg *k, const char *rec, size_t n);
/* Text as dmesg or klogctl(SYSLOG_ACTION_READ_ALL) gives it: "[    1.234567] TEXT" lines,
 * each optionally after "<6>"; lines without a timestamp are passed over. */
void tb_boot_kmsg_text(struct tb_boot_kmsg *k, const char *text);

/* /var/lib/cloud/instance/boot-finished: "UPTIME - TIMESTAMP - v. VERSION" (cloud-init's
 * cc_final_message); the uptime is seconds since boot. 0, or -EINVAL. */
int tb_boot_finished_uptime(const char *text, double *out);

/* A recorded file's text without the byte-order mark a Windows editor puts first. */
const char *tb_boot_text(const char *text);

/* The host's boot log: "PHASE SECONDS" lines, '#' comments; SECONDS on one clock for the
 * whole file (launch.sh writes the host's /proc/uptime), "qemu-start" its origin. Sets *out
 * to the first time of phase (1), or returns 0 when the phase is not there; -EINVAL with
 * "line N: ..." in err when a line is malformed. */
int tb_boot_host_phase(const char *text, const char *phase, double *out, char *err, size_t err_len);

#endif
