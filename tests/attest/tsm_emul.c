/* An emulated configfs-tsm report directory (Documentation/ABI/testing/configfs-tsm) as a
 * FUSE file system, for tests on machines without SEV-SNP: mount it on
 * /sys/kernel/config/tsm/report in a private mount namespace and `tinyben attest` talks to
 * it as to the kernel.
 *
 * Kernel semantics kept: one report entry per mkdir (rmdir removes it); inblob takes up to
 * 64 bytes (more is EFBIG) and, like a configfs binary attribute, applies them when the
 * writer closes the file; every write of inblob or privlevel advances `generation`; outblob
 * is made on the first read after a write (report_data = inblob, zero-padded) and then
 * served unchanged; provider, privlevel_floor are read-only text. The report is the SNP
 * ATTESTATION_REPORT of --template with report_data and VMPL filled in, signed ECDSA P-384 /
 * SHA-384 by --vcek-key (R, S little-endian at 0x2A0, 0x2E8). auxblob serves --auxblob.
 *
 * Faults on request: --firmware-error makes outblob reads fail with EIO (as the kernel does
 * when the firmware refuses the request); --race makes "another process" write inblob right
 * after the first inblob write of each entry (generation advances twice); --wrong-data
 * hands out a report whose report_data differs from inblob in one bit (a provider fault);
 * --outblob-size N serves outblob as N bytes, the report followed by zeros (a provider whose
 * blob is larger than the reader's buffer, e.g. a large TDX quote).
 * --delay-ms N makes each new outblob take N ms more (a slow firmware or quote service, so
 * that a latency measured through the emulator has a known floor).
 * --log FILE records every mkdir, write, outblob generation and rmdir, one line each. */
#define FUSE_USE_VERSION 31
#include <errno.h>
#include <time.h>
#include <fuse.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "emul_snp.h"

#define REPORT_SIZE 1184
#define SIGNED_SIZE 0x2a0
#define INBLOB_MAX 64
#define MAX_ENTRIES 16

struct entry {
	bool used;
	char name[64];
	unsigned char inblob[INBLOB_MAX], pending[INBLOB_MAX];
	size_t inblob_len, pending_len;
	bool pending_dirty;
	unsigned write_gen, read_gen;
	bool have_out, raced;
	unsigned char outblob[REPORT_SIZE];
	unsigned privlevel;
};

static struct {
	unsigned char template[REPORT_SIZE];
	unsigned char *aux;
	size_t aux_len;
	EVP_PKEY *key;
	const char *provider;
	struct emul_opts o;
	bool race, wrong_data;
	size_t outblob_size; /* 0: the report's own size */
	struct entry e[MAX_ENTRIES];
} S = { .provider = "sev_guest" };

static const char *const attrs[] = { "inblob", "outblob", "auxblob", "provider", "generation",
				     "privlevel", "privlevel_floor" };
#define NATTRS (sizeof(attrs) / sizeof(attrs[0]))

/* "/name" -> entry, "/name/attr" -> entry and attr index; -1 attr for the directory. */
static struct entry *lookup(const char *path, int *attr)
{
	*attr = -1;
	if (path[0] != '/' || !path[1])
		return NULL;
	const char *slash = strchr(path + 1, '/');
	size_t n = slash ? (size_t)(slash - path - 1) : strlen(path + 1);
	for (int i = 0; i < MAX_ENTRIES; i++) {
		struct entry *e = &S.e[i];
		if (!e->used || strlen(e->name) != n || strncmp(e->name, path + 1, n) != 0)
			continue;
		if (!slash)
			return e;
		for (size_t a = 0; a < NATTRS; a++)
			if (strcmp(slash + 1, attrs[a]) == 0) {
				*attr = (int)a;
				return e;
			}
		return NULL;
	}
	return NULL;
}

static int make_outblob(struct entry *e)
{
	if (e->have_out && e->read_gen == e->write_gen)
		return 0;
	if (S.o.firmware_error) {
		emul_log(S.o.log, "outblob %s firmware-error", e->name);
		return -EIO;
	}
	unsigned char rd[64] = { 0 };
	memcpy(rd, e->inblob, e->inblob_len);
	if (S.wrong_data)
		rd[0] ^= 1;
	int rc = emul_snp_report(S.template, S.key, rd, e->privlevel, e->outblob);
	if (rc)
		return rc;
	emul_delay(S.o.delay_ms);
	e->have_out = true;
	e->read_gen = e->write_gen;
	emul_log(S.o.log, "outblob %s generation %u", e->name, e->write_gen);
	return 0;
}

static int em_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	(void)fi;
	memset(st, 0, sizeof(*st));
	int attr;
	if (strcmp(path, "/") == 0) {
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
		return 0;
	}
	struct entry *e = lookup(path, &attr);
	if (!e)
		return -ENOENT;
	if (attr < 0) {
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
		return 0;
	}
	static const mode_t modes[] = { 0200, 0400, 0400, 0444, 0444, 0600, 0444 };
	st->st_mode = S_IFREG | modes[attr];
	st->st_nlink = 1;
	st->st_size = 4096; /* what configfs shows for every attribute */
	return 0;
}

static int em_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off,
		      struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	(void)off, (void)fi, (void)flags;
	fill(buf, ".", NULL, 0, 0);
	fill(buf, "..", NULL, 0, 0);
	if (strcmp(path, "/") == 0) {
		for (int i = 0; i < MAX_ENTRIES; i++)
			if (S.e[i].used)
				fill(buf, S.e[i].name, NULL, 0, 0);
		return 0;
	}
	int attr;
	struct entry *e = lookup(path, &attr);
	if (!e || attr >= 0)
		return -ENOTDIR;
	for (size_t a = 0; a < NATTRS; a++)
		fill(buf, attrs[a], NULL, 0, 0);
	return 0;
}

static int em_mkdir(const char *path, mode_t mode)
{
	(void)mode;
	int attr;
	if (strchr(path + 1, '/'))
		return -EPERM; /* attributes are not directories */
	if (lookup(path, &attr))
		return -EEXIST;
	if (strlen(path + 1) >= sizeof(S.e[0].name))
		return -ENAMETOOLONG;
	for (int i = 0; i < MAX_ENTRIES; i++) {
		if (S.e[i].used)
			continue;
		memset(&S.e[i], 0, sizeof(S.e[i]));
		S.e[i].used = true;
		snprintf(S.e[i].name, sizeof(S.e[i].name), "%s", path + 1);
		emul_log(S.o.log, "mkdir %s", S.e[i].name);
		return 0;
	}
	return -ENOSPC;
}

static int em_rmdir(const char *path)
{
	int attr;
	struct entry *e = lookup(path, &attr);
	if (!e || attr >= 0)
		return -ENOENT;
	emul_log(S.o.log, "rmdir %s", e->name);
	e->used = false;
	return 0;
}

static int em_open(const char *path, struct fuse_file_info *fi)
{
	int attr;
	struct entry *e = lookup(path, &attr);
	if (!e || attr < 0)
		return -ENOENT;
	bool wr = (fi->flags & O_ACCMODE) != O_RDONLY;
	bool rd = (fi->flags & O_ACCMODE) != O_WRONLY;
	if ((wr && attr != 0 && attr != 5) || (rd && attr == 0))
		return -EACCES;
	fi->direct_io = 1; /* contents change with the generation: no page cache */
	if (attr == 0) {
		e->pending_len = 0;
		e->pending_dirty = false;
	}
	return 0;
}

static int serve(const void *data, size_t len, char *buf, size_t size, off_t off)
{
	if ((size_t)off >= len)
		return 0;
	size_t n = len - (size_t)off < size ? len - (size_t)off : size;
	memcpy(buf, (const char *)data + off, n);
	return (int)n;
}

/* outblob as --outblob-size bytes: the report, then zeros. */
static int serve_padded(const unsigned char *report, size_t len, char *buf, size_t size,
			off_t off)
{
	if ((size_t)off >= len)
		return 0;
	size_t n = len - (size_t)off < size ? len - (size_t)off : size;
	memset(buf, 0, n);
	if ((size_t)off < REPORT_SIZE)
		memcpy(buf, report + off, REPORT_SIZE - (size_t)off < n ? REPORT_SIZE - (size_t)off : n);
	return (int)n;
}

static int em_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
	(void)fi;
	int attr;
	struct entry *e = lookup(path, &attr);
	if (!e || attr < 0)
		return -ENOENT;
	char text[64];
	switch (attr) {
	case 1: {
		int rc = make_outblob(e);
		if (!rc && S.outblob_size > REPORT_SIZE)
			return serve_padded(e->outblob, S.outblob_size, buf, size, off);
		return rc ? rc : serve(e->outblob, REPORT_SIZE, buf, size, off);
	}
	case 2:
		return serve(S.aux, S.aux_len, buf, size, off);
	case 3:
		snprintf(text, sizeof(text), "%s\n", S.provider);
		break;
	case 4:
		snprintf(text, sizeof(text), "%u\n", e->write_gen);
		break;
	case 5:
		snprintf(text, sizeof(text), "%u\n", e->privlevel);
		break;
	default:
		snprintf(text, sizeof(text), "0\n");
	}
	return serve(text, strlen(text), buf, size, off);
}

static void commit_inblob(struct entry *e, const unsigned char *data, size_t len, const char *who)
{
	memcpy(e->inblob, data, len);
	e->inblob_len = len;
	e->write_gen++;
	emul_log(S.o.log, "inblob %s %zu bytes by %s, generation %u", e->name, len, who, e->write_gen);
}

static int em_write(const char *path, const char *buf, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	(void)fi;
	int attr;
	struct entry *e = lookup(path, &attr);
	if (!e || attr < 0)
		return -ENOENT;
	if (attr == 0) {
		if ((size_t)off + size > INBLOB_MAX)
			return -EFBIG;
		memcpy(e->pending + off, buf, size);
		if ((size_t)off + size > e->pending_len)
			e->pending_len = (size_t)off + size;
		e->pending_dirty = true;
		return (int)size;
	}
	/* privlevel: a text attribute, applied on write; SNP VMPLs are 0..3. */
	char text[16] = "";
	if (off != 0 || size >= sizeof(text))
		return -EINVAL;
	memcpy(text, buf, size);
	char *end;
	unsigned long v = strtoul(text, &end, 10);
	if (end == text || (*end && *end != '\n') || v > 3)
		return -EINVAL;
	e->privlevel = (unsigned)v;
	e->write_gen++;
	emul_log(S.o.log, "privlevel %s %lu, generation %u", e->name, v, e->write_gen);
	return (int)size;
}

/* configfs applies a binary attribute when the writer closes it; flush is the synchronous
 * part of close(2) in FUSE (release is not), so the writer sees the new generation at once. */
static int em_flush(const char *path, struct fuse_file_info *fi)
{
	(void)fi;
	int attr;
	struct entry *e = lookup(path, &attr);
	if (!e || attr != 0 || !e->pending_dirty)
		return 0;
	e->pending_dirty = false;
	commit_inblob(e, e->pending, e->pending_len, "the writer");
	if (S.race && !e->raced) {
		static const unsigned char other[INBLOB_MAX] = { [0 ... INBLOB_MAX - 1] = 0xee };
		e->raced = true;
		commit_inblob(e, other, sizeof(other), "another process");
	}
	return 0;
}

static int em_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	(void)path, (void)size, (void)fi;
	return 0;
}

static int em_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	(void)path, (void)mode, (void)fi;
	return -EPERM; /* configfs has no user-created files */
}

static const struct fuse_operations ops = {
	.getattr = em_getattr,
	.readdir = em_readdir,
	.mkdir = em_mkdir,
	.rmdir = em_rmdir,
	.open = em_open,
	.read = em_read,
	.write = em_write,
	.flush = em_flush,
	.truncate = em_truncate,
	.create = em_create,
};

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	unsigned char *buf = malloc(1 << 20);
	*len = buf ? fread(buf, 1, 1 << 20, f) : 0;
	fclose(f);
	return buf;
}

static int usage(void)
{
	fprintf(stderr, "usage: tsm_emul --template REPORT --vcek-key PEM [--auxblob FILE] "
			"[--provider NAME] [--firmware-error] [--race] [--wrong-data] [--outblob-size N] "
			"[--delay-ms N] [--log FILE] "
			"MOUNTPOINT\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *mnt = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (emul_option(&S.o, argc, argv, &i))
			continue;
		if (strcmp(a, "--auxblob") == 0 && v)
			S.aux = slurp(argv[++i], &S.aux_len);
		else if (strcmp(a, "--provider") == 0 && v)
			S.provider = argv[++i];
		else if (strcmp(a, "--race") == 0)
			S.race = true;
		else if (strcmp(a, "--wrong-data") == 0)
			S.wrong_data = true;
		else if (strcmp(a, "--outblob-size") == 0 && v)
			S.outblob_size = strtoul(argv[++i], NULL, 10);
		else if (a[0] != '-' && !mnt)
			mnt = a;
		else
			return usage();
	}
	if (!mnt || !S.o.template || !S.o.key)
		return usage();
	if (emul_load_template(S.o.template, REPORT_SIZE, S.template) || !(S.key = emul_load_key(S.o.key)))
		return 2;
	/* Foreground, single-threaded: the state above needs no locks. */
	char *fargs[] = { argv[0], "-f", "-s", (char *)mnt, NULL };
	return fuse_main(4, fargs, &ops, NULL);
}
