/* cc_level and cc_features of this guest for every CSV row: the evidence-based decision,
 * made once per process and quietly (warnings belong to `tinyben detect`, not to a run). */
#include <pthread.h>
#include <stdio.h>

#include "attest/evidence.h"
#include "tinyben/cc.h"

static pthread_once_t once = PTHREAD_ONCE_INIT;
static struct tb_cc_decision cached;

static void decide_once(void)
{
	struct tb_evidence ev;
	tb_ev_init(&ev);
	tb_ev_gather(&ev);
	tb_cc_decide(&ev, &cached);
	tb_ev_free(&ev);
}

void tb_cc_current(char *level, size_t level_len, char *features, size_t features_len)
{
	pthread_once(&once, decide_once);
	snprintf(level, level_len, "%s", cached.level);
	snprintf(features, features_len, "%s", cached.features);
}
