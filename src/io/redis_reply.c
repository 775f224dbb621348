/* io.redis: replies as the load generator needs them — type and size, checked, never allocated. */
#include <stdio.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "io/redis.h"

/* hiredis object functions that only remember the reply's type and size in the
 * reader's struct tb_redis_reply (task->privdata is the reader's privdata) and allocate
 * nothing: nothing to free per reply, and every reply is still checked. */
static void *note(const redisReadTask *t, int type)
{
	struct tb_redis_reply *rep = t->privdata;
	if (!t->parent) {
		rep->type = type;
		rep->len = 0;
		rep->text[0] = '\0';
	}
	return rep;
}

static void *on_string(const redisReadTask *t, char *s, size_t len)
{
	struct tb_redis_reply *rep = note(t, t->type);
	if (!t->parent) {
		rep->len = len;
		if (t->type != REDIS_REPLY_STRING)
			snprintf(rep->text, sizeof(rep->text), "%.*s", (int)(len < 90 ? len : 90), s);
	}
	return rep;
}

static void *on_array(const redisReadTask *t, int n)
{
	(void)n;
	return note(t, REDIS_REPLY_ARRAY);
}

static void *on_integer(const redisReadTask *t, long long v)
{
	struct tb_redis_reply *rep = note(t, REDIS_REPLY_INTEGER);
	if (!t->parent)
		rep->integer = v;
	return rep;
}

static void *on_nil(const redisReadTask *t)
{
	return note(t, REDIS_REPLY_NIL);
}

static void on_free(void *obj)
{
	(void)obj;
}

static redisReplyObjectFunctions reply_fns = {
	.createString = on_string,
	.createArray = on_array,
	.createInteger = on_integer,
	.createNil = on_nil,
	.freeObject = on_free,
};

static const char *type_name(int t)
{
	switch (t) {
	case REDIS_REPLY_STRING: return "bulk string";
	case REDIS_REPLY_ARRAY: return "array";
	case REDIS_REPLY_INTEGER: return "integer";
	case REDIS_REPLY_NIL: return "nil";
	case REDIS_REPLY_STATUS: return "status";
	case REDIS_REPLY_ERROR: return "error";
	}
	return "unknown";
}

bool tb_redis_reply_ok(const struct tb_redis_load *l, const struct tb_redis_reply *rep, char *err,
		       size_t len)
{
	bool ok = false;
	switch (l->expect) {
	case TB_EXPECT_OK:
		ok = rep->type == REDIS_REPLY_STATUS && strcmp(rep->text, "OK") == 0;
		break;
	case TB_EXPECT_INT:
		ok = rep->type == REDIS_REPLY_INTEGER;
		break;
	case TB_EXPECT_BULK:
		ok = (rep->type == REDIS_REPLY_STRING && rep->len == l->bulk_len) ||
		     (rep->type == REDIS_REPLY_NIL && l->nil_ok);
		break;
	}
	if (!ok) {
		if (rep->type == REDIS_REPLY_STRING)
			snprintf(err, len, "unexpected reply to %s: bulk string of %zu bytes", l->name,
				 rep->len);
		else
			snprintf(err, len, "unexpected reply to %s: %s%s%s", l->name,
				 type_name(rep->type), rep->text[0] ? " " : "", rep->text);
	}
	return ok;
}

redisReader *tb_redis_reader_new(struct tb_redis_reply *last)
{
	redisReader *r = redisReaderCreateWithFunctions(&reply_fns);
	if (!r)
		return NULL;
	r->privdata = last;
	r->maxbuf = 0; /* keep the buffer: no free and alloc each time it drains */
	return r;
}
