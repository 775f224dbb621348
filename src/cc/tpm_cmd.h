/* TPM 2.0 commands marshalled by hand (TCG TPM 2.0 Library, Part 3): the few cc.attest
 * sends, with big-endian headers and a password session of empty authorisation. */
#ifndef TB_CC_TPM_CMD_H
#define TB_CC_TPM_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TB_TPM_BUF 4096          /* the kernel's TPM_BUFSIZE: no response is larger */
#define TB_TPM_RC_INITIALIZE 0x100 /* TPM2_Startup was not sent yet (a bare simulator) */

/* A command being built, or a response being read; `len` bytes of `b` are used. */
struct tb_tpm_buf {
	uint8_t b[TB_TPM_BUF];
	size_t len;
};

/* Each builds the whole command into cmd. */
void tb_tpm_startup_clear(struct tb_tpm_buf *cmd);
/* PCR_Read of one SHA-256 PCR. */
void tb_tpm_pcr_read(struct tb_tpm_buf *cmd, unsigned pcr);
/* PCR_Extend of one SHA-256 PCR with a 32-byte digest. */
void tb_tpm_pcr_extend(struct tb_tpm_buf *cmd, unsigned pcr, const uint8_t digest[32]);
/* CreatePrimary of a restricted ECDSA P-256 / SHA-256 signing key under `hierarchy`
 * (TPM_RH_OWNER, TPM_RH_ENDORSEMENT), empty authorisation: an attestation key. */
#define TB_TPM_RH_OWNER 0x40000001u
#define TB_TPM_RH_ENDORSEMENT 0x4000000Bu
void tb_tpm_create_primary_ak(struct tb_tpm_buf *cmd, uint32_t hierarchy);
/* Quote of SHA-256 PCRs 0-7 by key, over a 32-byte nonce. */
void tb_tpm_quote(struct tb_tpm_buf *cmd, uint32_t key, const uint8_t nonce[32]);
void tb_tpm_flush_context(struct tb_tpm_buf *cmd, uint32_t handle);

/* A response's return code, or -EPROTO when it is shorter than its header or its size
 * field disagrees with the bytes read. */
long tb_tpm_response_rc(const struct tb_tpm_buf *rsp);
/* True for the warnings that ask for the same command again (TPM_RC_RETRY, YIELDED,
 * TESTING), e.g. a quote right after a key was made. */
bool tb_tpm_rc_retry(long rc);
/* True for a refused authorisation (TPM_RC_AUTH_FAIL, TPM_RC_BAD_AUTH of any session). */
bool tb_tpm_rc_auth(long rc);
/* The handle a CreatePrimary response carries (after the 10-byte header). */
uint32_t tb_tpm_response_handle(const struct tb_tpm_buf *rsp);
/* One line for a TPM return code ("TPM_RC 0x9a2 (format 1, parameter/handle/session
 * error)"), into buf. */
const char *tb_tpm_rc_text(long rc, char *buf, size_t len);

#endif
