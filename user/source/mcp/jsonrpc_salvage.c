/* What can be read with certainty from a JSON-RPC message cut short: its
 * head scanned forward (the Python SDK writes "jsonrpc", "id", "method"
 * first), its tail scanned backward (the TypeScript SDK writes "id" last:
 * {"result":{...},"jsonrpc":"2.0","id":7}). Nothing that touches the edge
 * of what was kept is trusted: a number at the end of the head may be
 * missing digits. */
#include <stdlib.h>
#include <string.h>
#include "jsonrpc_msg.h"

#define KEY_MAX 24
#define TRACK_DEPTH 4 /* top level, params / error / result, their members */

/* ---------------------------------------------------------------- head */

struct head_scan {
	const char *p, *end;
	int depth;
	bool in_obj[TRACK_DEPTH + 1];
	bool want_key[TRACK_DEPTH + 1];
	char key[TRACK_DEPTH + 1][KEY_MAX];
	struct jsonrpc_msg *m;
	bool have_result, have_error;
};

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Ends a bare token (number, true, null). Not strchr alone: it would
 * call NUL a delimiter too, and a NUL in the input would never be passed. */
static bool ends_token(char c)
{
	return is_space(c) || (c && strchr(",:{}[]\"", c));
}

/* A complete string starting at s->p ('"'), unescaped only when plain.
 * Returns false when it runs past the end. */
static bool scan_string(struct head_scan *s, char *out, size_t cap, bool *plain)
{
	const char *p = s->p + 1;
	size_t n = 0;

	*plain = true;
	for (; p < s->end; p++) {
		if (*p == '\\') {
			*plain = false; /* escapes: not a name we would match */
			if (++p >= s->end)
				return false;
			continue;
		}
		if (*p == '"') {
			if (out)
				out[n] = '\0';
			s->p = p + 1;
			return true;
		}
		if (out && n + 1 < cap)
			out[n++] = *p;
		else if (out)
			*plain = false; /* longer than the slot */
	}
	return false;
}

static const char *parent_key(const struct head_scan *s)
{
	return s->depth >= 2 && s->depth - 1 <= TRACK_DEPTH ? s->key[s->depth - 1] : "";
}

static const char *own_key(const struct head_scan *s)
{
	return s->depth >= 1 && s->depth <= TRACK_DEPTH && s->in_obj[s->depth] ? s->key[s->depth] : "";
}

static void number_value(struct jsonrpc_id *id, const char *p, size_t n)
{
	if (n >= sizeof(id->text))
		return;
	id->type = JID_NUM;
	memcpy(id->text, p, n);
	id->text[n] = '\0';
}

/* A scalar value at the current depth under own_key(). */
static void head_value(struct head_scan *s, const char *tok, size_t n, bool is_str, bool plain)
{
	struct jsonrpc_msg *m = s->m;
	const char *k = own_key(s);

	if (s->depth == 1) {
		if (!strcmp(k, "id") && is_str && plain && n < sizeof(m->id.text)) {
			m->id.type = JID_STR;
			memcpy(m->id.text, tok, n);
			m->id.text[n] = '\0';
		} else if (!strcmp(k, "id") && !is_str) {
			if (n == 4 && !memcmp(tok, "null", 4))
				m->id.type = JID_NULL;
			else if (n && (tok[0] == '-' || (tok[0] >= '0' && tok[0] <= '9')))
				number_value(&m->id, tok, n);
		} else if (!strcmp(k, "method") && is_str && plain && n < sizeof(m->method)) {
			memcpy(m->method, tok, n);
			m->method[n] = '\0';
		}
	} else if (s->depth == 2 && !strcmp(parent_key(s), "params") && is_str && plain) {
		if (!strcmp(k, "name") && n < sizeof(m->name)) {
			memcpy(m->name, tok, n);
			m->name[n] = '\0';
		} else if (!strcmp(k, "uri") && n < sizeof(m->uri)) {
			memcpy(m->uri, tok, n);
			m->uri[n] = '\0';
		}
	} else if (s->depth == 2 && !strcmp(parent_key(s), "error") && !is_str &&
		   !strcmp(k, "code") && n && n < 20) {
		char buf[20];
		memcpy(buf, tok, n);
		buf[n] = '\0';
		char *e;
		long long v = strtoll(buf, &e, 10);
		if (*e == '\0') {
			m->has_error_code = true;
			m->error_code = v;
		}
	}
}

static void scan_head(struct head_scan *s)
{
	char str[JSONRPC_URI_MAX];

	while (s->p < s->end) {
		char c = *s->p;
		if (is_space(c) || c == ':') {
			if (c == ':' && s->depth >= 1 && s->depth <= TRACK_DEPTH)
				s->want_key[s->depth] = false;
			s->p++;
		} else if (c == '{' || c == '[') {
			if (s->depth == 1 && !strcmp(own_key(s), "result"))
				s->have_result = true;
			if (s->depth == 1 && !strcmp(own_key(s), "error"))
				s->have_error = true;
			s->depth++;
			if (s->depth <= TRACK_DEPTH) {
				s->in_obj[s->depth] = c == '{';
				s->want_key[s->depth] = c == '{';
				s->key[s->depth][0] = '\0';
			}
			s->p++;
		} else if (c == '}' || c == ']') {
			if (s->depth == 0)
				return; /* not one JSON value */
			s->depth--;
			s->p++;
			if (s->depth == 0)
				return;
		} else if (c == ',') {
			if (s->depth >= 1 && s->depth <= TRACK_DEPTH && s->in_obj[s->depth])
				s->want_key[s->depth] = true;
			s->p++;
		} else if (c == '"') {
			const char *start = s->p + 1;
			bool plain;
			bool is_key = s->depth >= 1 && s->depth <= TRACK_DEPTH && s->in_obj[s->depth] &&
				      s->want_key[s->depth];
			bool track = s->depth >= 1 && s->depth <= 2;
			if (!scan_string(s, track || is_key ? str : NULL, sizeof(str), &plain))
				return;
			if (is_key) {
				size_t n = strlen(str);
				if (plain && n < KEY_MAX)
					memcpy(s->key[s->depth], str, n + 1);
				else
					s->key[s->depth][0] = '\0';
			} else if (track) {
				head_value(s, str, (size_t)(s->p - 1 - start), true, plain);
			}
		} else {
			const char *start = s->p++; /* not a delimiter: see above */
			while (s->p < s->end && !ends_token(*s->p))
				s->p++;
			if (s->p == s->end)
				return; /* may be cut: "id":12 of 123 */
			if (s->depth >= 1 && s->depth <= 2)
				head_value(s, start, (size_t)(s->p - start), false, true);
		}
	}
}

/* ---------------------------------------------------------------- tail */

/* Index of the '"' opening the string that closes at q (q points at the
 * closing quote), or -1 when it starts before the tail. */
static long string_start(const char *t, long q)
{
	for (long i = q - 1; i >= 0; i--) {
		if (t[i] != '"')
			continue;
		long bs = 0;
		for (long j = i - 1; j >= 0 && t[j] == '\\'; j--)
			bs++;
		if (bs % 2 == 0)
			return i;
	}
	return -1;
}

static long skip_space_back(const char *t, long i)
{
	while (i >= 0 && is_space(t[i]))
		i--;
	return i;
}

struct member {
	char key[KEY_MAX];
	const char *val;
	size_t val_len;
	bool is_str;
};

/* Scalar members read backwards from just before the '}' at close, last
 * first. Stops at the object's start, at a member whose value is a
 * container (its closing bracket's index goes to *container), or at the
 * tail's edge. Returns how many members were read. */
static int trailing_members(const char *t, long close, struct member *out, int max,
			    long *container)
{
	long i = close - 1;
	int n = 0;

	*container = -1;
	while (n < max) {
		i = skip_space_back(t, i);
		if (i < 0)
			return n;
		struct member *mb = &out[n];
		if (t[i] == '}' || t[i] == ']') {
			*container = i;
			return n;
		}
		long vstart, vend = i;
		if (t[i] == '"') {
			vstart = string_start(t, i);
			if (vstart < 0)
				return n;
			mb->is_str = true;
			mb->val = t + vstart + 1;
			mb->val_len = (size_t)(vend - vstart - 1);
		} else {
			while (i >= 0 && !ends_token(t[i]))
				i--;
			if (i < 0)
				return n;
			vstart = i + 1;
			mb->is_str = false;
			mb->val = t + vstart;
			mb->val_len = (size_t)(vend - vstart + 1);
		}
		i = skip_space_back(t, vstart - 1);
		if (i < 0 || t[i] != ':')
			return n;
		i = skip_space_back(t, i - 1);
		if (i < 0 || t[i] != '"')
			return n;
		long ks = string_start(t, i);
		if (ks < 0 || i - ks - 1 >= KEY_MAX)
			return n;
		memcpy(mb->key, t + ks + 1, (size_t)(i - ks - 1));
		mb->key[i - ks - 1] = '\0';
		n++;
		i = skip_space_back(t, ks - 1);
		if (i < 0)
			return n;
		if (t[i] == '{' || t[i] == '[')
			return n;
		if (t[i] != ',')
			return n;
		i--;
	}
	return n;
}

static bool tail_id(const struct member *mb, struct jsonrpc_id *id)
{
	memset(id, 0, sizeof(*id));
	if (mb->val_len >= sizeof(id->text))
		return false;
	if (mb->is_str) {
		if (memchr(mb->val, '\\', mb->val_len))
			return false;
		id->type = JID_STR;
	} else if (mb->val_len == 4 && !memcmp(mb->val, "null", 4)) {
		id->type = JID_NULL;
		return true;
	} else if (mb->val_len && (mb->val[0] == '-' || (mb->val[0] >= '0' && mb->val[0] <= '9'))) {
		id->type = JID_NUM;
	} else {
		return false;
	}
	memcpy(id->text, mb->val, mb->val_len);
	id->text[mb->val_len] = '\0';
	return true;
}

/* The tail's top-level members ("id" last in the TypeScript SDK) and, one
 * level in, a trailing "isError":true of the result. */
static void scan_tail(const char *t, size_t len, struct jsonrpc_id *id, bool *is_error)
{
	struct member mb[4];
	long container;
	long close = skip_space_back(t, (long)len - 1);

	if (close < 0 || t[close] != '}')
		return;
	int n = trailing_members(t, close, mb, 4, &container);
	for (int i = 0; i < n; i++)
		if (!strcmp(mb[i].key, "id"))
			tail_id(&mb[i], id);
	if (container >= 0 && t[container] == '}') {
		n = trailing_members(t, container, mb, 4, &container);
		for (int i = 0; i < n; i++)
			if (!strcmp(mb[i].key, "isError") && !mb[i].is_str && mb[i].val_len == 4 &&
			    !memcmp(mb[i].val, "true", 4))
				*is_error = true;
	}
}

/* ---------------------------------------------------------------- both */

void jsonrpc_msg_salvage(const char *head, size_t head_len, const char *tail,
			 size_t tail_len, struct jsonrpc_msg *out)
{
	struct head_scan s = {.p = head, .end = head + head_len, .m = out};
	struct jsonrpc_id tid = {0};
	bool tail_is_error = false;

	memset(out, 0, sizeof(*out));
	out->salvaged = true;
	while (s.p < s.end && is_space(*s.p))
		s.p++;
	if (s.p == s.end || *s.p != '{')
		return;
	scan_head(&s);
	if (tail && tail_len)
		scan_tail(tail, tail_len, &tid, &tail_is_error);
	/* Head and tail disagreeing on the id: two messages glued over lost
	 * bytes. Trust neither. */
	if (out->id.type && tid.type && !jsonrpc_id_equal(&out->id, &tid))
		return (void)(out->id.type = JID_NONE, out->kind = JR_INVALID);
	if (!out->id.type)
		out->id = tid;
	if (out->method[0])
		out->kind = out->id.type ? JR_REQUEST : JR_NOTIFICATION;
	else if (s.have_error && out->id.type)
		out->kind = JR_ERROR;
	else if (s.have_result && out->id.type) {
		out->kind = JR_RESULT;
		out->is_error = tail_is_error;
	}
	/* Without a tail, a request whose id was cut off (the TypeScript SDK
	 * writes it last) cannot be told from a notification: drop it rather
	 * than report a notification that was not. */
	if (out->kind == JR_NOTIFICATION && !tail) {
		out->kind = JR_INVALID;
		out->method[0] = '\0';
	}
	if (out->kind == JR_INVALID) {
		out->name[0] = out->uri[0] = '\0';
		out->has_error_code = false;
	}
}
