/* Static builds only: SQLite's unix VFS calls dlopen() for load_extension(), and in a fully
 * static binary that call (linked with -Wl,--wrap=dlopen) lands here. glibc's static dlopen
 * would need the shared libraries of the build machine at run time and is the one link
 * warning of the build; tinyben never enables extension loading, so this just refuses. */
#include <stddef.h>

void *__wrap_dlopen(const char *file, int mode);

void *__wrap_dlopen(const char *file, int mode)
{
	(void)file;
	(void)mode;
	return NULL;
}
