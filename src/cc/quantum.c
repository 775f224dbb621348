/* Known polling quanta of the evidence paths. A median within 5% of a multiple of one is
 * named in detail, so that a reader sees the timer rather than a slow device. */
#include <math.h>
#include <stdio.h>

#include "cc/quantum.h"

static const struct {
	double seconds;
	const char *name;
} quanta[] = {
	/* drivers/virt/coco/tdx-guest: wait_for_quote_completion() sleeps a second between
	 * looks at the quote buffer's status. */
	{ 1.0, "1s" },
};

const char *tb_polling_quantum(double seconds, char *buf, size_t len)
{
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(quanta) / sizeof(quanta[0]); i++) {
		double k = round(seconds / quanta[i].seconds);
		if (k >= 1 && fabs(seconds - k * quanta[i].seconds) <= 0.05 * k * quanta[i].seconds) {
			snprintf(buf, len, " polling_quantum=%s", quanta[i].name);
			break;
		}
	}
	return buf;
}
