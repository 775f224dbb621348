/* `tinyben corpus`: write the generated corpus to a file, so `lz4 -b` can read the same bytes. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tinyben/ctx.h"
#include "tinyben/util.h"
#include "tinyben/verb.h"
#include "corpus.h"

static const char usage[] =
	"usage: tinyben corpus -o FILE [--size MIB] [--quick] [--force]\n"
	"  -o, --output FILE   where to write the corpus (refuses an existing file)\n"
	"      --size MIB      size in MiB (default " "64" ", --quick 8); a shorter corpus is a\n"
	"                      prefix of a longer one\n"
	"      --force         replace FILE if it exists (a regular file only)\n"
	"Prints the size and the FNV-1a 64-bit hash that cpu.lz4 writes in its detail.\n";

static int corpus_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "size", required_argument, NULL, 's' },
		{ "quick", no_argument, NULL, 'q' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *out = NULL, *size_arg = NULL;
	bool force = false, quick = false;
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 's': size_arg = optarg; break;
		case 'q': quick = true; break;
		case 'f': force = true; break;
		case 'h': fputs(usage, stdout); return TB_EXIT_OK;
		case ':': tb_error("corpus: %s needs a value", argv[optind - 1]); return TB_EXIT_USAGE;
		default: tb_error("corpus: unknown option '%s' (see 'tinyben corpus --help')",
				  argv[optind - 1]);
			return TB_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		tb_error("corpus: unexpected argument '%s'", argv[optind]);
		return TB_EXIT_USAGE;
	}
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
	FILE *f;
	if (tb_output_open(out, force, &f) != 0)
		return TB_EXIT_USAGE;
	size_t len = (size_t)mib << 20;
	unsigned char *buf = malloc(len);
	int rc = buf ? 0 : -ENOMEM;
	uint64_t hash = 0;
	if (buf) {
		tb_corpus_fill(buf, len);
		hash = tb_fnv1a64(buf, len);
		if (fwrite(buf, 1, len, f) != len)
			rc = -errno;
	}
	if (fclose(f) != 0 && rc == 0)
		rc = -errno;
	free(buf);
	if (rc < 0) {
		tb_error("%s: cannot write the corpus: %s", out, strerror(-rc));
		unlink(out); /* a truncated corpus would be silently different bytes */
		return TB_EXIT_FAILED;
	}
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
