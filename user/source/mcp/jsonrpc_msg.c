#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "jsonrpc_msg.h"

/* MCP 2025-03-26 allowed batches; nobody sends long ones. A longer array
 * is more likely not JSON-RPC at all. */
#define MAX_BATCH 256

const char *jsonrpc_kind_name(enum jsonrpc_kind k)
{
	switch (k) {
	case JR_REQUEST: return "request";
	case JR_NOTIFICATION: return "notification";
	case JR_RESULT: return "result";
	case JR_ERROR: return "error";
	default: return "invalid";
	}
}

bool jsonrpc_id_equal(const struct jsonrpc_id *a, const struct jsonrpc_id *b)
{
	return a->type == b->type && !strcmp(a->text, b->text);
}

/* Copies a string into a fixed slot; notes when it had to be cut. */
static void copy_str(char *dst, size_t cap, const char *src, struct jsonrpc_msg *m)
{
	size_t n = strlen(src);

	if (n >= cap) {
		n = cap - 1;
		m->methods_truncated = true;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* A number id as its shortest exact text: 7, -3, 1.5. Integers beyond
 * 2^53 were already rounded by the parser; they still compare equal on
 * both sides because both sides round the same way. */
static void number_text(double v, char *out, size_t cap)
{
	if (isfinite(v) && v == floor(v) && fabs(v) < 9007199254740992.0)
		snprintf(out, cap, "%lld", (long long)v);
	else
		snprintf(out, cap, "%.17g", v);
}

static bool read_id(const cJSON *v, struct jsonrpc_id *id, struct jsonrpc_msg *m)
{
	memset(id, 0, sizeof(*id));
	if (!v)
		return false;
	if (cJSON_IsNumber(v)) {
		id->type = JID_NUM;
		number_text(v->valuedouble, id->text, sizeof(id->text));
	} else if (cJSON_IsString(v)) {
		id->type = JID_STR;
		copy_str(id->text, sizeof(id->text), v->valuestring, m);
	} else if (cJSON_IsNull(v)) {
		id->type = JID_NULL;
	} else {
		return false; /* objects, arrays, booleans: not a JSON-RPC id */
	}
	return true;
}

static const cJSON *field(const cJSON *obj, const char *key)
{
	return cJSON_IsObject(obj) ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
}

static void copy_field(const cJSON *obj, const char *key, char *dst, size_t cap,
		       struct jsonrpc_msg *m)
{
	const cJSON *v = field(obj, key);

	if (cJSON_IsString(v))
		copy_str(dst, cap, v->valuestring, m);
}

/* Content, when asked for: compact JSON cut to JSONRPC_CONTENT_MAX. */
static char *content_of(const cJSON *v)
{
	if (!v)
		return NULL;
	char *s = cJSON_PrintUnformatted(v);
	if (s && strlen(s) > JSONRPC_CONTENT_MAX)
		s[JSONRPC_CONTENT_MAX] = '\0';
	return s;
}

/* Fills m from one message object. False when it is not JSON-RPC 2.0. */
static bool classify(const cJSON *o, bool capture_content, struct jsonrpc_msg *m)
{
	memset(m, 0, sizeof(*m));
	const cJSON *ver = field(o, "jsonrpc");
	if (!cJSON_IsString(ver) || strcmp(ver->valuestring, "2.0"))
		return false;
	const cJSON *method = field(o, "method");
	const cJSON *idv = field(o, "id");
	const cJSON *params = field(o, "params");
	const cJSON *result = field(o, "result");
	const cJSON *error = field(o, "error");

	if (idv && !read_id(idv, &m->id, m))
		return false;
	if (cJSON_IsString(method)) {
		m->kind = idv ? JR_REQUEST : JR_NOTIFICATION;
		copy_str(m->method, sizeof(m->method), method->valuestring, m);
		copy_field(params, "name", m->name, sizeof(m->name), m);
		copy_field(params, "uri", m->uri, sizeof(m->uri), m);
		copy_field(params, "protocolVersion", m->protocol_version,
			   sizeof(m->protocol_version), m);
		copy_field(field(params, "_meta"), "traceparent", m->traceparent,
			   sizeof(m->traceparent), m);
		read_id(field(params, "requestId"), &m->ref_id, m);
		if (capture_content)
			m->content = content_of(field(params, "arguments"));
		return true;
	}
	if (method || !idv)
		return false;
	if (result && !error) {
		const cJSON *is_error = field(result, "isError");
		m->kind = JR_RESULT;
		m->is_error = cJSON_IsTrue(is_error);
		copy_field(result, "protocolVersion", m->protocol_version,
			   sizeof(m->protocol_version), m);
		if (capture_content)
			m->content = content_of(result);
		return true;
	}
	if (error && !result && cJSON_IsObject(error)) {
		const cJSON *code = field(error, "code");
		m->kind = JR_ERROR;
		/* JSON-RPC error codes are integers; a code that is not one
		 * (1e300, 1.5, NaN from a peer) is no code: converting it to
		 * an integer would be undefined (found by fuzz_jsonrpc_msg). */
		if (cJSON_IsNumber(code) && isfinite(code->valuedouble) &&
		    code->valuedouble == floor(code->valuedouble) && fabs(code->valuedouble) < 9007199254740992.0) {
			m->has_error_code = true;
			m->error_code = (int64_t)code->valuedouble;
		}
		copy_field(error, "message", m->error_message, sizeof(m->error_message), m);
		if (capture_content)
			m->content = content_of(field(error, "data"));
		return true;
	}
	return false;
}

static bool only_space(const char *p, const char *end)
{
	for (; p < end; p++)
		if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
			return false;
	return true;
}

int jsonrpc_msg_parse(const char *data, size_t len, bool capture_content,
		      jsonrpc_msg_fn fn, void *ctx)
{
	const char *end = NULL;
	cJSON *root = cJSON_ParseWithLengthOpts(data, len, &end, false);
	int n = 0;

	/* Trailing bytes after the value mean the line was two glued
	 * fragments (bytes lost between them): not one message. */
	if (!root || !end || end < data || end > data + len || !only_space(end, data + len))
		goto out;
	if (cJSON_IsArray(root)) {
		int count = cJSON_GetArraySize(root);
		if (count <= 0 || count > MAX_BATCH)
			goto out;
		/* All or nothing: a batch with one non-JSON-RPC member is
		 * not JSON-RPC. */
		struct jsonrpc_msg *ms = calloc((size_t)count, sizeof(*ms));
		if (!ms)
			goto out;
		const cJSON *it;
		int i = 0;
		cJSON_ArrayForEach(it, root) {
			if (!classify(it, capture_content, &ms[i]))
				break;
			i++;
		}
		if (i == count) {
			for (int k = 0; k < count; k++)
				fn(ctx, &ms[k]);
			n = count;
		}
		for (int k = 0; k < count; k++)
			free(ms[k].content);
		free(ms);
	} else {
		struct jsonrpc_msg m;
		if (classify(root, capture_content, &m)) {
			fn(ctx, &m);
			n = 1;
		}
		free(m.content);
	}
out:
	cJSON_Delete(root);
	return n;
}
