/* Evidence beyond the cc level: the environment fingerprint (core/fingerprint.c) and the
 * bounce-buffer state (core/bounce.c), so that a saved evidence file says what a run's
 * environment was and how its I/O reached the devices. */
#include <string.h>

#include "attest/evidence.h"
#include "core/bounce.h"
#include "core/fingerprint.h"

static void add(void *arg, const char *key, const char *value)
{
	tb_ev_add(arg, key, value);
}

void tb_ev_gather_env(struct tb_evidence *ev, const char *root)
{
	char facts[1600];
	struct tb_fingerprint fp;
	tb_fingerprint_collect(&fp, root, NULL);
	tb_fingerprint_detail(&fp, facts, sizeof(facts));
	/* "env.fp=H env.isa=... ...": one evidence item per pair. */
	char *save = NULL;
	for (char *kv = strtok_r(facts, " ", &save); kv; kv = strtok_r(NULL, " ", &save)) {
		char *eq = strchr(kv, '=');
		if (!eq)
			continue;
		*eq = '\0';
		tb_ev_add(ev, kv, eq + 1);
	}
	tb_bounce_state(root, add, ev);
}
