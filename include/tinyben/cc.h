/* Confidential-computing level of this guest, as written in every CSV row. */
#ifndef TINYBEN_CC_H
#define TINYBEN_CC_H

#include <stddef.h>

/* Fills level ("none", "sev", "sev-es", "sev-snp", "tdx" or "unknown") and the
 * space-separated active features; never fails (unknown when nothing can be read). */
void tb_cc_current(char *level, size_t level_len, char *features, size_t features_len);

#endif
