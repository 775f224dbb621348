/* Messages and string helpers used everywhere. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "tinyben/util.h"

void tb_vline(const char *lead, const char *fmt, va_list ap)
{
	/* One write per line so that messages from threads do not interleave mid-line. */
	char line[1024];
	int n = snprintf(line, sizeof(line), "%s", lead);
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	fprintf(stderr, "%s\n", line);
}

void tb_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	tb_vline("tinyben: ", fmt, ap);
	va_end(ap);
}

void tb_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	tb_vline("tinyben: warning: ", fmt, ap);
	va_end(ap);
}

char *tb_strdupf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	va_start(ap, fmt);
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	return s;
}

const char *tb_fmt_g(char *buf, size_t len, double v)
{
	snprintf(buf, len, "%.6g", v);
	return buf;
}
