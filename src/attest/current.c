/* cc_level and cc_features of this guest for the CSV rows. Detection (issue: Attest)
 * replaces this with the evidence-based decision; until then nothing is claimed. */
#include <stdio.h>

#include "tinyben/cc.h"

void tb_cc_current(char *level, size_t level_len, char *features, size_t features_len)
{
	snprintf(level, level_len, "unknown");
	snprintf(features, features_len, "%s", "");
}
