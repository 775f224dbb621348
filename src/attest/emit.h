/* One printer for both report formats: "name: value" text lines or a JSON object. */
#ifndef TB_ATTEST_EMIT_H
#define TB_ATTEST_EMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct tb_emit {
	FILE *f;
	bool json;
	int depth;
	bool first[8]; /* per nesting level: no comma needed yet */
};

void tb_emit_begin(struct tb_emit *e, FILE *f, bool json);
void tb_emit_end(struct tb_emit *e);
void tb_emit_obj(struct tb_emit *e, const char *name);  /* nested object ... */
void tb_emit_close(struct tb_emit *e);                   /* ... until here */
void tb_emit_u64(struct tb_emit *e, const char *name, uint64_t v, bool hex_in_text);
void tb_emit_bool(struct tb_emit *e, const char *name, bool v);
void tb_emit_str(struct tb_emit *e, const char *name, const char *v);
void tb_emit_bytes(struct tb_emit *e, const char *name, const unsigned char *p, size_t n);

#endif
