/* The output sink of a run: rows formatted as CSV or JSON Lines, written whole and made
 * durable. Every row of a batch goes out in one write(); a batch the file system takes
 * only in part (ENOSPC, EFBIG, EIO) is cut off again, so the file always ends at a whole
 * row, whatever happens to the process or the disk. */
#ifndef TB_CORE_SINK_H
#define TB_CORE_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "tinyben/csv.h"

enum tb_format { TB_FORMAT_CSV, TB_FORMAT_JSON };

struct tb_sink {
	int fd;
	bool owned;          /* a file we opened (-o): may be cut back and must be closed */
	bool borrowed;       /* --runs' output, handed down: may be cut back, not closed */
	bool regular;        /* fdatasync and ftruncate mean something */
	const char *name;    /* for messages: the path or "stdout" */
	enum tb_format format;
	char *buf;           /* formatted rows not yet written */
	size_t len, cap;
	size_t rows;         /* whole rows in buf (the header not counted) */
	off_t committed;     /* file size after the last batch written whole */
	bool error;
};

/* Opens path (stdout when NULL) with tb_output_open's rules. Returns 0, or a negative
 * errno after one error line. */
int tb_sink_open(struct tb_sink *s, const char *path, bool force, enum tb_format format);
/* The rows of one run of `--runs` go straight into the parent's (locked) output fd,
 * appended at its end (after truncating it when asked: the first run over --force). */
int tb_sink_open_fd(struct tb_sink *s, int fd, bool truncate, enum tb_format format,
		    const char *name);
void tb_sink_header(struct tb_sink *s);
/* Formats one row of TB_NCOLS fields into the batch. */
void tb_sink_row(struct tb_sink *s, const char *const field[TB_NCOLS]);
/* Writes the batch with one write() (continued only when a pipe takes part of it) and,
 * when durable, fdatasync()s it. On failure it says on stderr how many rows were lost and
 * leaves the file at its last whole row; later calls write nothing. `what` names the
 * rows of the batch in that message ("mem.mbw MEMCPY"). Returns false after a failure. */
bool tb_sink_flush(struct tb_sink *s, bool durable, const char *what);
/* Flushes (durably) and closes; false when anything could not be written. */
bool tb_sink_close(struct tb_sink *s, const char *what);

#endif
