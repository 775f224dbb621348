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

/* The options, by their place in given[] (what tb_args_keep fills). */
enum { A_OUTPUT, A_SIZE, A_QUICK, A_FORCE, A_N };

static const char usage[] =
	"usage: tinyben corpus -o FILE [--size MIB] [--quick] [--force]\n"
	"  -o, --output FILE   where to write the corpus (refuses an existing file)\n"
	"      --size MIB      size in MiB (default 64, --quick 4); a shorter corpus is a\n"
	"                      prefix of a longer one\n"
	"      --force         replace FILE if it exists (a regular file only)\n"
	"Prints the size and the FNV-1a 64-bit hash that cpu.lz4 writes in its detail.\n";

static int corpus_main(int argc, char **argv)
{
	static const struct tb_arg args[] = {
		{ .name = "output", .short_name = 'o', .value = true, .id = A_OUTPUT },
		{ .name = "size", .value = true, .id = A_SIZE },
		{ .name = "quick", .id = A_QUICK },
		{ .name = "force", .id = A_FORCE },
		{ 0 },
	};
	const char *given[A_N] = { 0 };
	struct tb_args spec = { .verb = "corpus", .usage = usage, .table = args };
	TB_ARGS_OR_RETURN(&spec, argc, argv, tb_args_keep, given);
	const char *out = given[A_OUTPUT], *size_arg = given[A_SIZE];
	bool force = given[A_FORCE], quick = given[A_QUICK];
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
	int rc = tb_doc_open(&doc, out, force);
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

TB_VERB(corpus,
	.order = 80,
	.synopsis = "corpus -o FILE [--size MIB] [--quick] [--force]",
	.summary = "write cpu.lz4's generated corpus to FILE (to run lz4 -b on the same bytes)");
