/* The detection evidence record: add, look up, parse and write the key=value text format. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "attest/evidence.h"

void tb_ev_init(struct tb_evidence *ev)
{
	memset(ev, 0, sizeof(*ev));
}

void tb_ev_free(struct tb_evidence *ev)
{
	for (size_t i = 0; i < ev->n; i++) {
		free(ev->items[i].key);
		free(ev->items[i].value);
	}
	free(ev->items);
	tb_ev_init(ev);
}

static char *dup_n(const char *s, size_t n)
{
	char *p = malloc(n + 1);
	if (p) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

static bool key_ok(const char *k, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)k[i];
		if (c <= ' ' || c >= 0x7f || c == '=')
			return false;
	}
	return true;
}

static int add_n(struct tb_evidence *ev, const char *key, size_t klen, const char *value,
		 size_t vlen, unsigned line)
{
	if (!key_ok(key, klen))
		return -EINVAL;
	if (ev->n >= TB_EV_MAX_ITEMS)
		return -ENOSPC;
	/* One item is one line: a newline in the value would forge a second item. */
	const char *nl = memchr(value, '\n', vlen);
	if (nl)
		vlen = (size_t)(nl - value);
	if (vlen && value[vlen - 1] == '\r')
		vlen--;
	if (ev->n == ev->cap) {
		size_t cap = ev->cap ? ev->cap * 2 : 32;
		struct tb_ev_item *p = realloc(ev->items, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		ev->items = p;
		ev->cap = cap;
	}
	char *k = dup_n(key, klen), *v = dup_n(value, vlen);
	if (!k || !v) {
		free(k);
		free(v);
		return -ENOMEM;
	}
	ev->items[ev->n].key = k;
	ev->items[ev->n].value = v;
	ev->items[ev->n].line = line;
	ev->n++;
	return 0;
}

int tb_ev_add(struct tb_evidence *ev, const char *key, const char *value)
{
	return add_n(ev, key, strlen(key), value, strlen(value), 0);
}

int tb_ev_addf(struct tb_evidence *ev, const char *key, const char *fmt, ...)
{
	char buf[TB_EV_MAX_LINE];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return tb_ev_add(ev, key, buf);
}

const char *tb_ev_get(const struct tb_evidence *ev, const char *key)
{
	for (size_t i = 0; i < ev->n; i++)
		if (strcmp(ev->items[i].key, key) == 0)
			return ev->items[i].value;
	return NULL;
}

unsigned tb_ev_line(const struct tb_evidence *ev, const char *key)
{
	for (size_t i = 0; i < ev->n; i++)
		if (strcmp(ev->items[i].key, key) == 0)
			return ev->items[i].line;
	return 0;
}

int tb_ev_get_u64(const struct tb_evidence *ev, const char *key, uint64_t *out)
{
	const char *v = tb_ev_get(ev, key);
	if (!v)
		return 0;
	if (*v == '\0' || *v == '-' || *v == '+' || *v == ' ')
		return -EINVAL;
	char *end;
	errno = 0;
	unsigned long long x = strtoull(v, &end, 0);
	if (errno || *end != '\0')
		return -EINVAL;
	*out = x;
	return 1;
}

int tb_ev_parse(struct tb_evidence *ev, const char *text, size_t len, char *err, size_t err_len)
{
	size_t pos = 0, lineno = 0;
	/* A file saved by a Windows editor starts with a byte-order mark: not part of a key. */
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		pos = 3;
	while (pos < len) {
		const char *line = text + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - line) : len - pos;
		pos += n + (nl ? 1 : 0);
		lineno++;
		if (n && line[n - 1] == '\r')
			n--;
		if (n > TB_EV_MAX_LINE) {
			snprintf(err, err_len, "line %zu: longer than %d bytes", lineno,
				 TB_EV_MAX_LINE);
			return -EINVAL;
		}
		if (memchr(line, '\0', n)) {
			snprintf(err, err_len, "line %zu: binary data, not evidence text", lineno);
			return -EINVAL;
		}
		size_t lead = 0;
		while (lead < n && (line[lead] == ' ' || line[lead] == '\t'))
			lead++;
		if (lead == n || line[lead] == '#')
			continue;
		const char *eq = memchr(line, '=', n);
		if (!eq) {
			snprintf(err, err_len, "line %zu: not key=value", lineno);
			return -EINVAL;
		}
		size_t klen = (size_t)(eq - line);
		int rc = add_n(ev, line, klen, eq + 1, n - klen - 1, (unsigned)lineno);
		if (rc == -EINVAL) {
			snprintf(err, err_len, "line %zu: bad key (empty, or spaces in it)", lineno);
			return rc;
		}
		if (rc == -ENOSPC) {
			snprintf(err, err_len, "line %zu: more than %d items", lineno,
				 TB_EV_MAX_ITEMS);
			return rc;
		}
		if (rc) {
			snprintf(err, err_len, "line %zu: out of memory", lineno);
			return rc;
		}
	}
	return 0;
}

int tb_ev_write(const struct tb_evidence *ev, FILE *f)
{
	for (size_t i = 0; i < ev->n; i++)
		if (fprintf(f, "%s=%s\n", ev->items[i].key, ev->items[i].value) < 0)
			return -EIO;
	return fflush(f) ? -errno : 0;
}
