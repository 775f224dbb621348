/* Small helpers shared by every part: number parsing, temp-file hygiene, child processes. */
#ifndef TINYBEN_UTIL_H
#define TINYBEN_UTIL_H

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
/* An option naming a file to read (struct tb_option.check): "" (none) or a readable
 * regular file; 0, or -EINVAL with the reason in err. */
int tb_check_input_file(const char *value, char *err, size_t err_len);
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
/* Opens path, a file the user named as output (stdout when NULL): refuses an existing
 * file unless force, and anything but a regular file always. Prints one error line;
 * returns 0 or a negative errno (-EEXIST: exists without force). */
int tb_output_open(const char *path, bool force, FILE **out);
/* Same, as a file descriptor (path must not be NULL). */
int tb_output_open_fd(const char *path, bool force, int *fd);

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

#endif
