/* Strict number parsing for options: the whole string must be a number in range. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tinyben/util.h"

/* strtoll and strtod skip leading blanks; a value is the whole string, so " 5" is refused
 * as "5 " is. */
static bool starts_blank(const char *s)
{
	return isspace((unsigned char)*s);
}

bool tb_has_control(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return true;
	return false;
}

int tb_parse_ll(const char *s, long long min, long long max, long long *out)
{
	if (!s || !*s || starts_blank(s))
		return -EINVAL;
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (end == s)
		return -EINVAL;
	if (errno == ERANGE)
		return -ERANGE;
	long long mul = 1;
	if (*end) {
		switch (*end) {
		case 'k': case 'K': mul = 1LL << 10; break;
		case 'm': case 'M': mul = 1LL << 20; break;
		case 'g': case 'G': mul = 1LL << 30; break;
		default: return -EINVAL;
		}
		if (end[1])
			return -EINVAL;
	}
	if (v > 0 && v > LLONG_MAX / mul)
		return -ERANGE;
	if (v < 0 && v < LLONG_MIN / mul)
		return -ERANGE;
	v *= mul;
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int tb_parse_double(const char *s, double min, double max, double *out)
{
	if (!s || !*s || starts_blank(s))
		return -EINVAL;
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (end == s || *end || isnan(v))
		return -EINVAL;
	if (errno == ERANGE || v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int tb_parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "1", "true", "yes", "on" };
	static const char *const no[] = { "0", "false", "no", "off" };
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (s && strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (s && strcasecmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

int tb_hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The input files accepted so far (their identity, not their spelling): -o --force naming
 * one of them, through any name, would replace it before it is read. */
static struct input_seen {
	dev_t dev;
	ino_t ino;
	char name[256];
} inputs_seen[16];
static size_t n_inputs_seen;

int tb_check_input_file(const char *value, char *err, size_t err_len)
{
	struct stat st;
	if (!*value)
		return 0;
	if (stat(value, &st) != 0 || !S_ISREG(st.st_mode) || access(value, R_OK) != 0) {
		snprintf(err, err_len, "'%s' is not a readable regular file", value);
		return -EINVAL;
	}
	if (n_inputs_seen < sizeof(inputs_seen) / sizeof(inputs_seen[0])) {
		struct input_seen *in = &inputs_seen[n_inputs_seen++];
		in->dev = st.st_dev;
		in->ino = st.st_ino;
		snprintf(in->name, sizeof(in->name), "%s", value);
	}
	return 0;
}

const char *tb_input_file_named(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return NULL;
	for (size_t i = 0; i < n_inputs_seen; i++)
		if (inputs_seen[i].dev == st.st_dev && inputs_seen[i].ino == st.st_ino)
			return inputs_seen[i].name;
	return NULL;
}
