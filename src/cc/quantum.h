/* Whether a latency sits on a polling quantum: the request waited for a timer, not for the
 * work (configfs-tsm's TDX quote: the kernel checks the quote buffer once a second). */
#ifndef TB_CC_QUANTUM_H
#define TB_CC_QUANTUM_H

#include <stddef.h>

/* When seconds lies within 5% of a whole multiple (1, 2, ...) of a known quantum, writes
 * " polling_quantum=1s" (with the leading space) into buf and returns buf; else "". */
const char *tb_polling_quantum(double seconds, char *buf, size_t len);

#endif
