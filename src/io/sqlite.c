/* io.sqlite: timed single-row INSERTs into a fresh SQLite database under --dir, the shape of
 * the reference experiments (autocommit, rollback journal, synchronous=FULL) and of Phoronix
 * pts/sqlite 2.3.0 (WAL, three passes of the same 2,500 statements). */
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "tinyben/bench.h"
#include "tinyben/ctx.h"
#include "tinyben/timer.h"
#include "tinyben/util.h"

/* arg: how the inserts are committed. */
enum { AUTOCOMMIT, WAL, BATCH };
static const struct tb_variant variants[] = {
	{ "autocommit", .arg = AUTOCOMMIT }, { "wal", .arg = WAL }, { "batch", .arg = BATCH }, { 0 },
};

struct sqlite_opts {
	long long rows;
	long long wal_passes;
};

enum { M_ELAPSED, M_INSERTS };
static const struct tb_metric metrics[] = {
	[M_ELAPSED] = { "elapsed", "s", TB_LOWER, "seconds for all the inserts of a repetition",
			.how = TB_SECONDS },
	[M_INSERTS] = { "inserts", "inserts/s", TB_HIGHER, "rows inserted per second",
			.how = TB_OPS_PER_S, .primary = true },
	{ 0 },
};

static const struct tb_option options[] = {
	TB_OPT_INT_FIELD(struct sqlite_opts, rows, "2500", "100", 1, 1000000,
		         "INSERT statements per pass (pts/sqlite and the reference experiments: 2500)"),
	TB_OPT_INT_FIELD(struct sqlite_opts, wal_passes, "3", NULL, 1, 1000,
		         "passes of the wal variant, each a new connection (pts/sqlite 2.3.0: 3)"),
	{ 0 },
};

/* The pts/sqlite table, word for word: quoted identifiers, a defaulted timestamp. */
static const char create_sql[] =
	"CREATE TABLE pts1 ('I' SMALLINT NOT NULL, 'DT' TIMESTAMP NOT NULL DEFAULT "
	"CURRENT_TIMESTAMP, 'F1' VARCHAR(4) NOT NULL, 'F2' VARCHAR(16) NOT NULL);";

struct sq {
	char **stmts; /* the statements as text: pts pipes text into the sqlite3 shell, which
			 prepares each one, so parsing is part of what it measures */
	long long rows;
	int passes;
};

/* pts-sqlite-tests-1's insertions: a row number, CURRENT_TIMESTAMP, a 4-digit and a
 * 16-digit string. A fixed seed keeps every run (and every guest) on the same text. */
static char **make_statements(long long rows)
{
	char **s = calloc((size_t)rows, sizeof(*s));
	if (!s)
		return NULL;
	uint64_t x = 0x9e3779b97f4a7c15ull;
	for (long long i = 0; i < rows; i++) {
		tb_xorshift64(&x);
		unsigned f1 = 1000 + (unsigned)(x % 9000);
		unsigned long long f2 = 1000000000000000ull + (x >> 8) % 9000000000000000ull;
		s[i] = tb_strdupf("INSERT INTO 'pts1' ('I', 'DT', 'F1', 'F2') VALUES ('%lld', "
				  "CURRENT_TIMESTAMP, '%u', '%llu');", i + 1, f1, f2);
	}
	return s;
}

static int setup(struct tb_ctx *ctx, void **state)
{
	struct sq *q = calloc(1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	*state = q;
	q->rows = TB_OPTS(ctx, struct sqlite_opts)->rows;
	q->passes = (int)TB_OPTS(ctx, struct sqlite_opts)->wal_passes;
	q->stmts = make_statements(q->rows);
	return q->stmts ? 0 : -ENOMEM;
}

/* The database file and the files SQLite creates beside it, all registered for removal
 * before they exist so that Ctrl-C at any point leaves nothing behind. */
struct dbfiles {
	char path[4096];
	char side[3][4200];
};

static int db_create(const char *dir, struct dbfiles *f)
{
	memset(f, 0, sizeof(*f));
	int fd = tb_tmp_create(dir, "sqlite", f->path, sizeof(f->path));
	if (fd < 0)
		return fd;
	close(fd); /* an empty file is a valid empty database */
	static const char *const suffix[3] = { "-journal", "-wal", "-shm" };
	for (int i = 0; i < 3; i++) {
		snprintf(f->side[i], sizeof(f->side[i]), "%s%s", f->path, suffix[i]);
		int rc = tb_tmp_register(f->side[i]);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static void db_remove(struct dbfiles *f)
{
	if (!f->path[0])
		return;
	unlink(f->path);
	tb_tmp_forget(f->path);
	for (int i = 0; i < 3 && f->side[i][0]; i++) {
		unlink(f->side[i]);
		tb_tmp_forget(f->side[i]);
	}
}

static int sql_err(struct tb_ctx *ctx, const char *variant, sqlite3 *db, const char *what)
{
	/* sqlite says "disk I/O error" for a file size limit too, and keeps no errno for a
	 * short write: name the limit when one is set. */
	int err = db ? sqlite3_system_errno(db) : 0;
	struct rlimit fsize;
	if (!err && db && sqlite3_extended_errcode(db) == SQLITE_IOERR_WRITE &&
	    getrlimit(RLIMIT_FSIZE, &fsize) == 0 && fsize.rlim_cur != RLIM_INFINITY)
		err = EFBIG;
	tb_fail(ctx, variant, "sqlite %s: %s%s%s%s", what, db ? sqlite3_errmsg(db) : "out of memory",
		err ? " (" : "", err ? tb_write_strerror(err) : "", err ? ")" : "");
	return -EIO;
}

static int db_open(struct tb_ctx *ctx, const char *variant, const char *path, sqlite3 **db)
{
	if (sqlite3_open_v2(path, db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		int rc = sql_err(ctx, variant, *db, "open");
		sqlite3_close(*db);
		*db = NULL;
		return rc;
	}
	/* FULL is SQLite's compiled-in default; said explicitly so a distribution build with
	 * another default cannot change what is measured. */
	if (sqlite3_exec(*db, "PRAGMA synchronous=FULL;", NULL, NULL, NULL) != SQLITE_OK)
		return sql_err(ctx, variant, *db, "PRAGMA synchronous");
	return 0;
}

static int exec_text(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* One pass: every statement in turn, in autocommit or inside one transaction. */
static int pass(struct tb_ctx *ctx, const char *variant, sqlite3 *db, const struct sq *q,
		bool one_txn)
{
	if (one_txn && exec_text(db, "BEGIN;") < 0)
		return sql_err(ctx, variant, db, "BEGIN");
	for (long long i = 0; i < q->rows; i++) {
		if (tb_interrupted())
			return -EINTR;
		if (exec_text(db, q->stmts[i]) < 0)
			return sql_err(ctx, variant, db, "INSERT");
	}
	if (one_txn && exec_text(db, "COMMIT;") < 0)
		return sql_err(ctx, variant, db, "COMMIT");
	return 0;
}

/* One repetition on a fresh database (created, opened and put in journal mode by prepare,
 * untimed); the runner times the inserts only (and, for wal, each pass's open and close,
 * as pts times whole sqlite3 shell runs). */
struct sq_reps {
	struct tb_ctx *ctx;
	const struct sq *q;
	const char *variant;
	int mode;
	struct dbfiles f;
	sqlite3 *db;
};

/* The runner calls it after every prepare that succeeded; prepare, when it fails. */
static void rep_finish(void *arg, int rep)
{
	(void)rep;
	struct sq_reps *r = arg;
	sqlite3_close(r->db);
	r->db = NULL;
	db_remove(&r->f);
}

static int rep_prepare(void *arg, int rep)
{
	struct sq_reps *r = arg;
	const char *dir = tb_settings(r->ctx)->dir;
	int rc = db_create(dir, &r->f);
	if (rc < 0) {
		tb_fail(r->ctx, r->variant, "cannot create a database in '%s': %s", dir,
			strerror(-rc));
		rep_finish(r, rep);
		return rc;
	}
	rc = db_open(r->ctx, r->variant, r->f.path, &r->db);
	if (rc == 0 && exec_text(r->db, create_sql) < 0)
		rc = sql_err(r->ctx, r->variant, r->db, "CREATE TABLE");
	if (rc == 0 && r->mode == WAL &&
	    sqlite3_exec(r->db, "PRAGMA journal_mode='wal';", NULL, NULL, NULL))
		rc = sql_err(r->ctx, r->variant, r->db, "PRAGMA journal_mode");
	if (rc == 0 && r->mode == WAL) {
		/* pts: the pragma runs in its own shell; each pass is a new connection. */
		sqlite3_close(r->db);
		r->db = NULL;
	}
	if (rc < 0)
		rep_finish(r, rep);
	return rc;
}

static int rep_measure(void *arg, int rep)
{
	(void)rep;
	struct sq_reps *r = arg;
	if (r->mode != WAL)
		return pass(r->ctx, r->variant, r->db, r->q, r->mode == BATCH);
	int rc = 0;
	for (int p = 0; p < r->q->passes && rc == 0; p++) {
		rc = db_open(r->ctx, r->variant, r->f.path, &r->db);
		if (rc == 0)
			rc = pass(r->ctx, r->variant, r->db, r->q, false);
		sqlite3_close(r->db);
		r->db = NULL;
	}
	return rc;
}

static int run(struct tb_ctx *ctx, void *state, const struct tb_variant *v)
{
	struct sq_reps r = { .ctx = ctx, .q = state, .variant = v->name, .mode = (int)v->arg };
	int passes = r.mode == WAL ? r.q->passes : 1;
	char detail[160];
	snprintf(detail, sizeof(detail), "passes=%d journal=%s synchronous=FULL txn=%s sqlite=%s",
		 passes, r.mode == WAL ? "wal" : "delete", r.mode == BATCH ? "one" : "per-insert",
		 sqlite3_libversion());
	/* rep 0 is the warm-up: file-system metadata, page cache and the library's code. */
	struct tb_rep_plan plan = {
		.warmup = true, .prepare = rep_prepare, .measure = rep_measure,
		.finish = rep_finish, .variant = v->name,
		.work = { .ops = (double)(r.q->rows * passes), .detail = detail },
	};
	return tb_reps_run(ctx, &plan, &r);
}

static void teardown(struct tb_ctx *ctx, void *state)
{
	(void)ctx;
	struct sq *q = state;
	for (long long i = 0; q->stmts && i < q->rows; i++)
		free(q->stmts[i]);
	free(q->stmts);
	free(q);
}

TB_BENCH(sqlite_bench, "io.sqlite",
	 "SQLite single-row INSERTs: autocommit+FULL sync, WAL (pts/sqlite), one batch",
	 struct sqlite_opts, .io = true, .setup = setup, .run = run, .teardown = teardown);
