/* Progress on stderr: silent for work under a second, so scripts and quick runs stay clean. */
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "report/progress.h"

static double since(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) * 1e-9;
}

void tb_progress_init(struct tb_progress *p, const char *verb)
{
	p->verb = verb;
	clock_gettime(CLOCK_MONOTONIC, &p->start);
	p->last = p->start;
	p->shown = false;
	p->tty = isatty(STDERR_FILENO) == 1;
}

void tb_progress_tick(struct tb_progress *p, const char *fmt, ...)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (since(&p->start, &now) < 1.0)
		return;
	if (p->shown && since(&p->last, &now) < (p->tty ? 0.5 : 2.0))
		return;
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* \033[K clears what a longer previous line left behind. */
	fprintf(stderr, p->tty ? "\rtinyben: %s: %s (%.0f s)\033[K" : "tinyben: %s: %s (%.0f s)\n",
		p->verb, msg, since(&p->start, &now));
	p->shown = true;
	p->last = now;
}

void tb_progress_done(struct tb_progress *p)
{
	if (p->shown && p->tty)
		fputs("\r\033[K", stderr);
	p->shown = false;
}
