/* The attest verbs' last step: output that never arrived is a failure (apart from fileio.c,
 * whose parsers the fuzz target links without the rest of tinyben). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "attest/fileio.h"
#include "tinyben/util.h"
#include "tinyben/verb.h"

int tb_stdout_done(const char *verb)
{
	/* An earlier buffer flush may have failed already (ferror); the final one reports
	 * the errno of what is still pending. */
	int e = fflush(stdout) != 0 ? errno : ferror(stdout) ? EIO : 0;
	if (!e)
		return TB_EXIT_OK;
	tb_error("%s: cannot write to stdout: %s", verb, strerror(e));
	return TB_EXIT_FAILED;
}
