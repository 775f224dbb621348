/* Buffers of the memory benchmarks: fresh anonymous memory, written before anything is timed. */
#include <string.h>
#include <sys/mman.h>

#include "tinyben/util.h"

void *tb_map_touched(size_t bytes, int fill)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	/* As mbw, tinymembench and lz4 -b do: page faults are not what their kernels cost. */
	memset(p, fill, bytes);
	return p;
}
