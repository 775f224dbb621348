/* The environment columns written in every row of one run. */
#ifndef TB_CORE_ENV_H
#define TB_CORE_ENV_H

#include <stdbool.h>
#include <stddef.h>

struct tb_env {
	char timestamp[32];     /* ISO 8601 UTC, per row */
	char run_id[48];
	char host[128];
	char cc_level[16];
	char cc_features[256];
	char kernel[128];
	char cpu_model[64];
	char vcpus[16];
	char mem_mib[24];
	char boot_id[40];       /* /proc/sys/kernel/random/boot_id, "" when unreadable */
	const char *version;
	/* The environment fingerprint as detail pairs (fingerprint.h), written once: in the
	 * run's first ok row. */
	char facts[1600];
	bool facts_written;
};

void tb_env_collect(struct tb_env *env);
/* Sets env->timestamp to now. */
void tb_env_stamp(struct tb_env *env);
/* The CPUID brand string, trimmed ("unknown" when the CPU has none). */
void tb_cpu_brand(char *buf, size_t len);

#endif
