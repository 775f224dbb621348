/* TPM 2.0 command marshalling (TCG TPM 2.0 Library, Part 2 structures, Part 3 commands).
 * By hand rather than through tpm2-tss: five fixed commands, no dynamic libraries to drag
 * into the static binary, and no library time between the clock and the device. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cc/tpm_cmd.h"

#define TPM_ST_NO_SESSIONS 0x8001
#define TPM_ST_SESSIONS 0x8002
#define TPM_RS_PW 0x40000009u
#define TPM_CC_CreatePrimary 0x131
#define TPM_CC_Startup 0x144
#define TPM_CC_Quote 0x158
#define TPM_CC_FlushContext 0x165
#define TPM_CC_PCR_Read 0x17E
#define TPM_CC_PCR_Extend 0x182
#define TPM_SU_CLEAR 0x0000
#define TPM_ALG_SHA256 0x000B
#define TPM_ALG_NULL 0x0010
#define TPM_ALG_ECDSA 0x0018
#define TPM_ALG_ECC 0x0023
#define TPM_ECC_NIST_P256 0x0003
/* TPMA_OBJECT: fixedTPM | fixedParent | sensitiveDataOrigin | userWithAuth | restricted | sign */
#define AK_ATTRIBUTES ((1u << 1) | (1u << 4) | (1u << 5) | (1u << 6) | (1u << 16) | (1u << 18))

static void put8(struct tb_tpm_buf *c, uint8_t v)
{
	c->b[c->len++] = v;
}

static void put16(struct tb_tpm_buf *c, uint16_t v)
{
	put8(c, (uint8_t)(v >> 8));
	put8(c, (uint8_t)v);
}

static void put32(struct tb_tpm_buf *c, uint32_t v)
{
	put16(c, (uint16_t)(v >> 16));
	put16(c, (uint16_t)v);
}

static void put_bytes(struct tb_tpm_buf *c, const uint8_t *p, size_t n)
{
	memcpy(c->b + c->len, p, n);
	c->len += n;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Header with the size left for finish(). */
static void begin(struct tb_tpm_buf *c, uint16_t tag, uint32_t code)
{
	c->len = 0;
	put16(c, tag);
	put32(c, 0);
	put32(c, code);
}

static void finish(struct tb_tpm_buf *c)
{
	uint32_t n = (uint32_t)c->len;
	c->b[2] = (uint8_t)(n >> 24);
	c->b[3] = (uint8_t)(n >> 16);
	c->b[4] = (uint8_t)(n >> 8);
	c->b[5] = (uint8_t)n;
}

/* The authorisation area of one password session with an empty password. */
static void password_session(struct tb_tpm_buf *c)
{
	put32(c, 9);          /* authorizationSize */
	put32(c, TPM_RS_PW);  /* sessionHandle */
	put16(c, 0);          /* nonceCaller: empty */
	put8(c, 0);           /* sessionAttributes */
	put16(c, 0);          /* hmac: the empty password */
}

/* TPML_PCR_SELECTION of SHA-256 with the PCRs of `mask` (PCRs 0-23, 3 bytes). */
static void pcr_selection(struct tb_tpm_buf *c, uint32_t mask)
{
	put32(c, 1);
	put16(c, TPM_ALG_SHA256);
	put8(c, 3);
	put8(c, (uint8_t)mask);
	put8(c, (uint8_t)(mask >> 8));
	put8(c, (uint8_t)(mask >> 16));
}

void tb_tpm_startup_clear(struct tb_tpm_buf *cmd)
{
	begin(cmd, TPM_ST_NO_SESSIONS, TPM_CC_Startup);
	put16(cmd, TPM_SU_CLEAR);
	finish(cmd);
}

void tb_tpm_pcr_read(struct tb_tpm_buf *cmd, unsigned pcr)
{
	begin(cmd, TPM_ST_NO_SESSIONS, TPM_CC_PCR_Read);
	pcr_selection(cmd, 1u << pcr);
	finish(cmd);
}

void tb_tpm_pcr_extend(struct tb_tpm_buf *cmd, unsigned pcr, const uint8_t digest[32])
{
	begin(cmd, TPM_ST_SESSIONS, TPM_CC_PCR_Extend);
	put32(cmd, pcr);     /* pcrHandle: a PCR's handle is its index */
	password_session(cmd);
	put32(cmd, 1);       /* TPML_DIGEST_VALUES: one TPMT_HA */
	put16(cmd, TPM_ALG_SHA256);
	put_bytes(cmd, digest, 32);
	finish(cmd);
}

void tb_tpm_create_primary_ak(struct tb_tpm_buf *cmd, uint32_t hierarchy)
{
	begin(cmd, TPM_ST_SESSIONS, TPM_CC_CreatePrimary);
	put32(cmd, hierarchy);
	password_session(cmd);
	/* TPM2B_SENSITIVE_CREATE: empty userAuth, empty data */
	put16(cmd, 4);
	put16(cmd, 0);
	put16(cmd, 0);
	/* TPM2B_PUBLIC: its size is patched once the TPMT_PUBLIC is written */
	size_t size_at = cmd->len;
	put16(cmd, 0);
	put16(cmd, TPM_ALG_ECC);
	put16(cmd, TPM_ALG_SHA256);      /* nameAlg */
	put32(cmd, AK_ATTRIBUTES);
	put16(cmd, 0);                   /* authPolicy: none */
	put16(cmd, TPM_ALG_NULL);        /* symmetric: none (a signing key) */
	put16(cmd, TPM_ALG_ECDSA);       /* scheme, required of a restricted signing key */
	put16(cmd, TPM_ALG_SHA256);
	put16(cmd, TPM_ECC_NIST_P256);
	put16(cmd, TPM_ALG_NULL);        /* kdf */
	put16(cmd, 0);                   /* unique.x */
	put16(cmd, 0);                   /* unique.y */
	uint16_t n = (uint16_t)(cmd->len - size_at - 2);
	cmd->b[size_at] = (uint8_t)(n >> 8);
	cmd->b[size_at + 1] = (uint8_t)n;
	put16(cmd, 0);                   /* outsideInfo */
	put32(cmd, 0);                   /* creationPCR: none */
	finish(cmd);
}

void tb_tpm_quote(struct tb_tpm_buf *cmd, uint32_t key, const uint8_t nonce[32])
{
	begin(cmd, TPM_ST_SESSIONS, TPM_CC_Quote);
	put32(cmd, key);
	password_session(cmd);
	put16(cmd, 32);                  /* qualifyingData */
	put_bytes(cmd, nonce, 32);
	put16(cmd, TPM_ALG_NULL);        /* inScheme: the key's own */
	pcr_selection(cmd, 0xff);
	finish(cmd);
}

void tb_tpm_flush_context(struct tb_tpm_buf *cmd, uint32_t handle)
{
	begin(cmd, TPM_ST_NO_SESSIONS, TPM_CC_FlushContext);
	put32(cmd, handle);
	finish(cmd);
}

long tb_tpm_response_rc(const struct tb_tpm_buf *rsp)
{
	if (rsp->len < 10 || get32(rsp->b + 2) != rsp->len)
		return -EPROTO;
	return (long)get32(rsp->b + 6);
}

bool tb_tpm_rc_retry(long rc)
{
	return rc == 0x922 || rc == 0x908 || rc == 0x90A;
}

bool tb_tpm_rc_auth(long rc)
{
	/* Format 1 (bit 7) with the session number in bits 8-10 and bit 11 set. */
	return rc > 0 && (rc & 0x80) && ((rc & 0x3f) == 0x0e || (rc & 0x3f) == 0x22);
}

uint32_t tb_tpm_response_handle(const struct tb_tpm_buf *rsp)
{
	return rsp->len >= 14 ? get32(rsp->b + 10) : 0;
}

const char *tb_tpm_rc_text(long rc, char *buf, size_t len)
{
	if (rc < 0)
		snprintf(buf, len, "malformed response (shorter than its header, or its size is wrong)");
	else if (rc == TB_TPM_RC_INITIALIZE)
		snprintf(buf, len, "TPM_RC 0x100 (TPM_RC_INITIALIZE: TPM2_Startup not sent)");
	else if (rc & 0x80)
		snprintf(buf, len, "TPM_RC 0x%lx (format 1: error 0x%lx in %s %lu)", rc, rc & 0x3f,
			 rc & 0x40 ? "parameter" : rc & 0x800 ? "session" : "handle",
			 (rc >> 8) & 7);
	else
		snprintf(buf, len, "TPM_RC 0x%lx", rc);
	return buf;
}
