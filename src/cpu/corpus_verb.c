/* `tinyben corpus`: write the generated corpus to a file, so `lz4 -b` can read the same bytes. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tinyben/cli.h"
#include "tinyben/ctx.h"
#include "tinyben/util.h"
#include "tinyben/verb.h"
#include "corpus.h"

static const char usage[] =
	"usage: tinyben corpus -o FILE [--size MIB] [--quick] [--force]\n"
	"  -o, --output FILE   where to write the corpus (refuses an existing file)\n"
	"      --size MIB      size in MiB (default 64, --quick 4); a shorter corpus is a\n"
	"                      prefix of a longer one\n"
	"      --force         replace FILE if it exists (a regular file only)\n"
	"Prints the size and the FNV-1a 64-bit hash that cpu.lz4 writes in its detail.\n";

struct corpus_args {
	const char *out, *size;
	bool force, quick;
};

static int on_option(void *user, int id, const char *value)
{
	struct corpus_args *c = user;
	switch (id) {
	case 'o': c->out = value; break;
	case 's': c->size = value; break;
	case 'q': c->quick = true; break;
	case 'f': c->force = true; break;
	}
	return 0;
}

static int corpus_main(int argc, char **argv)
{
	static const struct tb_arg args[] = {
		{ "output", 'o', true, 'o' },
		{ "size", 0, true, 's' },
		{ "quick", 0, false, 'q' },
		{ "force", 0, false, 'f' },
		{ 0 },
	};
	struct corpus_args c = { 0 };
	struct tb_args spec = { .verb = "corpus", .usage = usage, .table = args };
	int rc = tb_args_parse(&spec, argc, argv, on_option, &c);
	if (rc != 0)
		return rc > 0 ? TB_EXIT_OK : TB_EXIT_USAGE;
	const char *out = c.out, *size_arg = c.size;
	bool force = c.force, quick = c.quick;
	if (!out) {
		tb_error("corpus: -o FILE is required (the corpus is binary; it never goes to stdout)");
		return TB_EXIT_USAGE;
	}
	long long mib = quick ? TB_CORPUS_QUICK_MIB : TB_CORPUS_MIB;
	/* 2047 MiB: LZ4's block API takes an int size (LZ4_MAX_INPUT_SIZE is just under 2 GiB). */
	if (size_arg && tb_parse_ll(size_arg, 1, 2047, &mib) != 0) {
		tb_error("corpus: --size '%s': expected MiB between 1 and 2047", size_arg);
		return TB_EXIT_USAGE;
	}
	struct tb_doc doc;
	rc = tb_doc_open(&doc, out, force);
	if (rc < 0)
		return tb_output_exit_code(rc);
	size_t len = (size_t)mib << 20;
	unsigned char *buf = malloc(len);
	rc = buf ? 0 : -ENOMEM;
	uint64_t hash = 0;
	if (buf) {
		tb_corpus_fill(buf, len);
		hash = tb_fnv1a64(buf, len);
		fwrite(buf, 1, len, doc.f);
	}
	free(buf);
	/* Renamed into place whole or not at all: a cut corpus is silently different bytes. */
	if (rc < 0) {
		tb_doc_abort(&doc);
		tb_error("%s: cannot make the corpus: %s", out, strerror(-rc));
		return TB_EXIT_FAILED;
	}
	if (tb_doc_commit(&doc) < 0)
		return TB_EXIT_FAILED;
	printf("corpus=%s bytes=%zu fnv1a64=%016" PRIx64 "\n", out, len, hash);
	return TB_EXIT_OK;
}

static const struct tb_verb corpus_verb = {
	.name = "corpus",
	.synopsis = "corpus -o FILE [--size MIB] [--quick] [--force]",
	.summary = "write cpu.lz4's generated corpus to FILE (to run lz4 -b on the same bytes)",
	.main = corpus_main,
	.order = 80,
};
TB_REGISTER_VERB(corpus_verb);
