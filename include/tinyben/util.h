/* Small helpers shared by every part: number parsing, temp-file hygiene, child processes. */
#ifndef TINYBEN_UTIL_H
#define TINYBEN_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

/* Parse a whole number with an optional k/K, m/M, g/G suffix (powers of 1024).
 * Returns 0, or -EINVAL (not a number, trailing junk) / -ERANGE (outside [min, max]). */
int tb_parse_ll(const char *s, long long min, long long max, long long *out);
int tb_parse_double(const char *s, double min, double max, double *out);
int tb_parse_bool(const char *s, bool *out);
/* Whether s holds a control character (C0 or DEL): one that would split a one-line message
 * or a CSV row, or reach the terminal as a command. */
bool tb_has_control(const char *s);
/* An option naming a file to read (struct tb_option.check): "" (none) or a readable
 * regular file; 0, or -EINVAL with the reason in err. */
int tb_check_input_file(const char *value, char *err, size_t err_len);
/* The input file tb_check_input_file accepted that path is (by identity: ./x, a symlink and a
 * hard link are x), or NULL. */
const char *tb_input_file_named(const char *path);
/* Value of one hex digit, or -1. */
int tb_hex_digit(int c);

/* Temp files and directories that must disappear on exit, error and Ctrl-C.
 * Registered paths are removed by tb_cleanup_all() (also from the signal path). */
int tb_tmp_register(const char *path);     /* a file */
int tb_tmpdir_register(const char *path);  /* an (empty at the end) directory */
void tb_tmp_forget(const char *path);      /* removed or kept on purpose by the caller */
/* Creates a new file DIR/tinyben-PREFIX-XXXXXX (O_EXCL, mode 0600), registers it for
 * cleanup and writes its path into path. Returns the fd, or a negative errno. */
int tb_tmp_create(const char *dir, const char *prefix, char *path, size_t path_len);
/* Same for a directory; returns 0 or a negative errno. */
int tb_tmpdir_create(const char *dir, const char *prefix, char *path, size_t path_len);
/* Outputs the user named (-o FILE): one writer at a time. tb_output_claim opens path
 * (created when absent; an existing one only with force, and only a regular file) and
 * holds an exclusive lock on it until the fd is closed; *created says whether it was made
 * now. Prints one error line; returns 0 or a negative errno: -EEXIST exists without force,
 * -EBUSY another writer holds it (exit TB_EXIT_BUSY: tb_output_exit_code). */
int tb_output_claim(const char *path, bool force, int *fd, bool *created);
int tb_output_exit_code(int rc);
/* tb_output_claim, then the file truncated (a stream of rows written in place). */
int tb_output_open_fd(const char *path, bool force, int *fd);
/* A whole document (report, corpus, attestation report, evidence): written to a temp file
 * beside path and renamed over it only when every byte is on disk, so a full disk, a
 * file size limit or a kill never leaves a cut document that looks whole. tb_doc_open
 * prints one error line and returns a negative errno (exit code: tb_output_exit_code);
 * tb_doc_commit returns 0, or a negative errno after one error line naming the output
 * (nothing put in place, the claimed path removed when it was created for this);
 * tb_doc_abort gives up without a message. */
struct tb_doc {
	FILE *f;       /* write the document here */
	const char *path;
	int lock_fd;
	bool created;
	char tmp[4096];
	char final[4096]; /* path with symbolic links resolved: what the rename replaces */
};
int tb_doc_open(struct tb_doc *d, const char *path, bool force);
int tb_doc_commit(struct tb_doc *d);
void tb_doc_abort(struct tb_doc *d);
/* strerror() for a failed write, naming EFBIG (a file size limit) and ENOSPC apart. */
const char *tb_write_strerror(int err);

/* Child processes (e.g. redis-server) sent SIGTERM, then SIGKILL, at cleanup. */
int tb_child_register(pid_t pid);
void tb_child_forget(pid_t pid);
void tb_cleanup_all(void);

/* The confidential-computing level of the rows (cc_level, cc_features) comes from above the
 * core: main() hands the probe in (tinyben/cc.h), so the core depends on nothing of the
 * features built on it. Without one, rows say "unknown". */
typedef void (*tb_cc_probe_fn)(char *level, size_t level_len, char *features,
			       size_t features_len);
void tb_env_set_cc_probe(tb_cc_probe_fn probe);

/* Runs fn (a verb's main) on a thread with an 8 MiB stack when RLIMIT_STACK is smaller
 * (ulimit -s 16 crashed run and report); one error line and TB_EXIT_USAGE when even that
 * stack cannot be had. Otherwise just calls fn. */
int tb_run_with_stack(int (*fn)(int argc, char **argv), int argc, char **argv);

/* SIGINT/SIGTERM: installed once by main(). */
void tb_signals_install(void);

/* A private anonymous mapping of bytes, every byte set to fill before it is returned (so
 * that no page fault lands in a timed kernel); NULL when it cannot be mapped. munmap() it. */
void *tb_map_touched(size_t bytes, int fill);

/* Human number formatting in a caller buffer: "12.3", "1.23e+06". */
const char *tb_fmt_g(char *buf, size_t len, double v);

/* Printf into a malloc'd string; aborts on out of memory. */
char *tb_strdupf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Error line "tinyben: ..." on stderr. */
void tb_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void tb_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* lead, then the formatted message, as one line on stderr written at once (lines of
 * several threads never mix); at most 1023 bytes before the newline. */
void tb_vline(const char *lead, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* The one fast PRNG of the benchmarks (random offsets, keys, fill data): Marsaglia's
 * xorshift64 (13, 7, 17), period 2^64 - 1. The state must not be 0; returns the new state.
 * (The report's bootstrap uses splitmix64, report/cmpstats.h: its streams are seeded per
 * series and must stay as they are for reproducible intervals.) */
static inline uint64_t tb_xorshift64(uint64_t *state)
{
	uint64_t x = *state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *state = x;
}

#endif
