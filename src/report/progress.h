/* A progress line on stderr for compare and report when reading takes more than a second. */
#ifndef TB_REPORT_PROGRESS_H
#define TB_REPORT_PROGRESS_H

#include <stdbool.h>
#include <time.h>

struct tb_progress {
	const char *verb;
	struct timespec start, last;
	bool shown, tty;
};

void tb_progress_init(struct tb_progress *p, const char *verb);
/* Prints "VERB: <what>" once the work has lasted a second, then at most twice a second
 * (on a terminal: one line rewritten in place; otherwise one line every 2 s). */
void tb_progress_tick(struct tb_progress *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Ends the progress line (on a terminal: erases it). */
void tb_progress_done(struct tb_progress *p);

#endif
