/* A TPM to send commands to: the kernel's character device (/dev/tpmrm0, /dev/tpm0) or a
 * swtpm's server socket (a unix socket path: raw commands, as swtpm's TCTI sends them). */
#ifndef TB_CC_TPM_DEV_H
#define TB_CC_TPM_DEV_H

#include <stdbool.h>
#include <stddef.h>

#include "cc/tpm_cmd.h"

struct tb_tpm_dev {
	int fd;
	bool stream;   /* a socket: a response is read to the length its header gives */
};

/* Opens path; 0 or -errno (the caller words the reason). */
int tb_tpm_open(struct tb_tpm_dev *d, const char *path);
/* Sends cmd and reads the whole response into rsp: 0 or -errno (-EPROTO: a response
 * that is not one). */
int tb_tpm_transact(struct tb_tpm_dev *d, const struct tb_tpm_buf *cmd, struct tb_tpm_buf *rsp);
void tb_tpm_close(struct tb_tpm_dev *d);

#endif
