/* `tinyben canary`: guest side of the memory-readability demonstration.
 *
 * Plants a fresh random marker in three kinds of guest memory a host could try to read:
 * the heap, the stack and the page cache (a memfd, i.e. a tmpfs file), prints the *other*
 * form of the marker (marker.h: what is printed must not be what is planted) and keeps
 * the planted copies resident and unchanged for --seconds. Run `tinyben scan` on the
 * host against the VM process meanwhile. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "guest/marker.h"
#include "tinyben/ctx.h"
#include "tinyben/cli.h"
#include "tinyben/util.h"
#include "tinyben/verb.h"

#define DEFAULT_SECONDS 60

static int random_value(uint8_t *value)
{
	size_t got = 0;
	while (got < TB_MARKER_BYTES) {
		ssize_t n = getrandom(value + got, TB_MARKER_BYTES - got, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		got += (size_t)n;
	}
	return 0;
}

/* The page-cache copy: a memfd is a tmpfs file, needs no mount (none in a minimal
 * guest) and vanishes with the process, so nothing is left behind. */
static int plant_page_cache(const char *planted)
{
	int fd = memfd_create("tinyben-canary", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t len = strlen(planted);
	if (write(fd, planted, len) != (ssize_t)len) {
		int err = errno ? -errno : -EIO;
		close(fd);
		return err;
	}
	return fd;
}

static bool same(const volatile char *copy, const char *planted)
{
	for (size_t i = 0; planted[i]; i++)
		if (copy[i] != planted[i])
			return false;
	return true;
}

static int on_option(void *user, int id, const char *v)
{
	(void)id; /* --seconds is the only option */
	if (tb_parse_ll(v, 0, 7 * 24 * 3600, user)) {
		tb_error("canary: --seconds '%s' is not a whole number of seconds (0..604800)", v);
		return -1;
	}
	return 0;
}

static int canary_main(int argc, char **argv)
{
	static const struct tb_arg opts[] = { { .name = "seconds", .value = true }, { 0 } };
	long long seconds = DEFAULT_SECONDS;
	struct tb_args spec = { .verb = "canary", .table = opts,
				.usage = "usage: tinyben canary [--seconds S]   (default 60)\n" };
	TB_ARGS_OR_RETURN(&spec, argc, argv, on_option, &seconds);

	uint8_t value[TB_MARKER_BYTES];
	int err = random_value(value);
	if (err) {
		tb_error("canary: getrandom: %s", strerror(-err));
		return TB_EXIT_FAILED;
	}
	char planted[TB_MARKER_PLANTED_LEN + 1], printed[TB_MARKER_PRINTED_LEN + 1];
	tb_marker_planted(value, planted);
	tb_marker_printed(value, printed);

	/* Heap: its own page, locked when allowed so it cannot be swapped out of RAM. */
	long page = sysconf(_SC_PAGESIZE);
	char *heap = NULL;
	if (posix_memalign((void **)&heap, (size_t)page, (size_t)page)) {
		tb_error("canary: out of memory");
		return TB_EXIT_FAILED;
	}
	memset(heap, 0, (size_t)page);
	memcpy(heap, planted, sizeof(planted));
	bool locked = mlock(heap, (size_t)page) == 0;

	/* Stack: volatile so the compiler keeps a real copy in this frame. */
	volatile char stack[TB_MARKER_PLANTED_LEN + 1];
	for (size_t i = 0; i <= TB_MARKER_PLANTED_LEN; i++)
		stack[i] = planted[i];

	int fd = plant_page_cache(planted);

	printf("%s\n", printed);
	fflush(stdout);
	fprintf(stderr, "tinyben: canary planted in heap%s, stack%s for %lld s; on the host: "
			"tinyben scan --pid <VM process> --marker %s\n",
		locked ? " (locked)" : "", fd >= 0 ? " and page cache (memfd)" : "", seconds, printed);
	if (fd < 0)
		tb_warn("canary: no page-cache copy: memfd_create: %s", strerror(-fd));

	/* Keep every copy resident: touch them once a second and check nothing moved. */
	int rc = TB_EXIT_OK;
	for (long long s = 0; s < seconds; s++) {
		if (tb_interrupted()) {
			rc = TB_EXIT_INTERRUPTED;
			break;
		}
		if (!same(heap, planted) || !same(stack, planted)) {
			tb_error("canary: a planted copy changed in memory");
			rc = TB_EXIT_FAILED;
			break;
		}
		struct timespec ts = { 1, 0 };
		nanosleep(&ts, NULL);
	}
	explicit_bzero(heap, (size_t)page);
	for (size_t i = 0; i <= TB_MARKER_PLANTED_LEN; i++)
		stack[i] = 0;
	explicit_bzero(planted, sizeof(planted));
	if (locked)
		munlock(heap, (size_t)page);
	free(heap);
	if (fd >= 0)
		close(fd);
	return rc;
}

TB_VERB(canary,
	.order = 90,
	.synopsis = "canary [--seconds S]",
	.summary = "guest side: keep a unique marker resident in memory, print it");
