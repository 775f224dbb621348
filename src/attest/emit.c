/* Report printer shared by SNP and TDX: text lines ("name: value", nested by indent) or JSON
 * (integers as numbers, byte arrays as lowercase hex strings). */
#include <inttypes.h>

#include "attest/emit.h"
#include "attest/fileio.h"

void tb_emit_begin(struct tb_emit *e, FILE *f, bool json)
{
	e->f = f;
	e->json = json;
	e->depth = 0;
	e->first[0] = true;
	if (json)
		fputc('{', f);
}

void tb_emit_end(struct tb_emit *e)
{
	if (e->json)
		fputs("}\n", e->f);
}

static void key(struct tb_emit *e, const char *name)
{
	if (e->json) {
		if (!e->first[e->depth])
			fputc(',', e->f);
		fprintf(e->f, "\"%s\":", name);
	} else {
		fprintf(e->f, "%*s%s: ", 2 * e->depth, "", name);
	}
	e->first[e->depth] = false;
}

void tb_emit_obj(struct tb_emit *e, const char *name)
{
	if (e->json) {
		key(e, name);
		fputc('{', e->f);
	} else {
		fprintf(e->f, "%*s%s:\n", 2 * e->depth, "", name);
	}
	if (e->depth < 7)
		e->depth++;
	e->first[e->depth] = true;
}

void tb_emit_close(struct tb_emit *e)
{
	if (e->json)
		fputc('}', e->f);
	if (e->depth > 0)
		e->depth--;
}

void tb_emit_u64(struct tb_emit *e, const char *name, uint64_t v, bool hex_in_text)
{
	key(e, name);
	if (e->json)
		fprintf(e->f, "%" PRIu64, v);
	else if (hex_in_text)
		fprintf(e->f, "0x%" PRIx64 "\n", v);
	else
		fprintf(e->f, "%" PRIu64 "\n", v);
}

void tb_emit_bool(struct tb_emit *e, const char *name, bool v)
{
	key(e, name);
	fprintf(e->f, e->json ? "%s" : "%s\n", v ? "true" : "false");
}

void tb_emit_str(struct tb_emit *e, const char *name, const char *v)
{
	key(e, name);
	fprintf(e->f, e->json ? "\"%s\"" : "%s\n", v); /* only fixed ASCII names come here */
}

void tb_emit_bytes(struct tb_emit *e, const char *name, const unsigned char *p, size_t n)
{
	char hex[2 * 512 + 1];
	if (n > 512)
		n = 512;
	tb_hex_encode(p, n, hex);
	key(e, name);
	fprintf(e->f, e->json ? "\"%s\"" : "%s\n", hex);
}
