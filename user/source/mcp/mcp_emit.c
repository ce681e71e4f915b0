/* MCP operations -> pipeline calls: see mcp_emit.h. */
#include "source/mcp/mcp_emit.h"

#include <stdio.h>
#include <string.h>

/* The methods most sessions use get rows of their own; the rest (and
 * methods outside the protocol) share "other" and are told apart by
 * mcp.method.name. */
static const char *const methods[MCP_EMIT_METHODS] = {
	"initialize", "ping", "tools/list", "tools/call", "resources/list", "resources/read",
	"prompts/list", "prompts/get", "sampling/createMessage", "other",
};

static int method_index(const char *m)
{
	for (int i = 0; i < MCP_EMIT_METHODS - 1; i++)
		if (!strcmp(methods[i], m))
			return i;
	return MCP_EMIT_METHODS - 1;
}

/* The catalog operation a method counts under: they differ only in how
 * the span is named (one {attribute} per name). */
static const char *op_name(bool client, const char *method)
{
	if (!strcmp(method, "tools/call"))
		return client ? "mcp_client_tool" : "mcp_server_tool";
	if (!strcmp(method, "prompts/get"))
		return client ? "mcp_client_prompt" : "mcp_server_prompt";
	if (!strcmp(method, "resources/read"))
		return client ? "mcp_client_resource" : "mcp_server_resource";
	return client ? "mcp_client_other" : "mcp_server_other";
}

static int add(struct probe_map *pm, const char *op, const char *label)
{
	int i = catalog_find_op(op);

	return i < 0 ? -1 : probe_map_add_builtin(pm, i, "mcp", label);
}

int mcp_bindings_add(struct mcp_bindings *b, struct probe_map *pm)
{
	char label[64];

	for (int i = 0; i < MCP_EMIT_METHODS; i++) {
		snprintf(label, sizeof(label), "client %s", methods[i]);
		b->client[i] = add(pm, op_name(true, methods[i]), label);
		snprintf(label, sizeof(label), "server %s", methods[i]);
		b->server[i] = add(pm, op_name(false, methods[i]), label);
		if (b->client[i] < 0 || b->server[i] < 0)
			return -1;
	}
	b->note = add(pm, "mcp_notification", "notification");
	b->client_session = add(pm, "mcp_client_session", "client session");
	b->server_session = add(pm, "mcp_server_session", "server session");
	return b->note < 0 || b->client_session < 0 || b->server_session < 0 ? -1 : 0;
}

void mcp_call_from_op(struct call *c, const struct probe_map *pm, const struct mcp_bindings *b,
		      const struct mcp_op *op)
{
	bool client = op->role == MCP_ROLE_CLIENT;
	int m = method_index(op->method);

	call_reset(c, pm, client ? b->client[m] : b->server[m]);
	c->rec.pid = op->pid;
	c->rec.tid = op->tid;
	c->rec.start_ns = op->start_ns;
	c->rec.end_ns = op->end_ns;
	c->rec.trace_id[0] = op->trace_hi;
	c->rec.trace_id[1] = op->trace_lo;
	c->rec.span_id = op->span_id;
	c->rec.parent_id = op->parent_span_id;
	c->rec.depth = op->parent_span_id ? 1 : 0;
	/* The important ones first: attributes past the call's room are dropped. */
	call_add_str(c, "mcp.method.name", op->method);
	if (op->id.type != JID_NONE && op->id.type != JID_NULL)
		call_add_str(c, "jsonrpc.request.id", op->id.text);
	if (!strcmp(op->method, "tools/call")) {
		call_add_str(c, "gen_ai.tool.name", op->name);
		call_add_str(c, "gen_ai.operation.name", "execute_tool");
	} else if (!strcmp(op->method, "prompts/get")) {
		call_add_str(c, "gen_ai.prompt.name", op->name);
	}
	if (op->uri[0])
		call_add_str(c, "mcp.resource.uri", op->uri);
	call_add_str(c, "network.transport", mcp_transport_name(op->transport));
	if (op->protocol_version[0])
		call_add_str(c, "mcp.protocol.version", op->protocol_version);
	if (op->session_id[0])
		call_add_str(c, "mcp.session.id", op->session_id);
	if (op->outcome != MCP_OK) {
		call_add_str(c, "error.type", op->error_type); /* the metrics' copy; the span has its own */
		call_fail(c, op->error_type);
	}
	if (op->outcome == MCP_RPC_ERROR && op->error_type[0] && op->error_type[0] != '_')
		call_add_str(c, "rpc.response.status_code", op->error_type);
	if (op->truncated)
		call_add_bool(c, "mcp.message.truncated", true);
	/* --capture-content only (the tracker copies nothing otherwise) */
	if (op->arguments)
		call_add_str(c, "gen_ai.tool.call.arguments", op->arguments);
	if (op->result)
		call_add_str(c, "gen_ai.tool.call.result", op->result);
}

void mcp_call_from_note(struct call *c, const struct probe_map *pm, const struct mcp_bindings *b,
			const struct mcp_note *n)
{
	call_reset(c, pm, b->note);
	c->rec.kind = CALL_POINT;
	c->rec.pid = n->pid;
	c->rec.tid = n->tid;
	c->rec.start_ns = c->rec.end_ns = n->time_ns;
	c->rec.trace_id[0] = n->trace_hi;
	c->rec.trace_id[1] = n->trace_lo;
	c->rec.parent_id = n->span_id; /* 0: on no span (counted only) */
	call_add_str(c, "mcp.method.name", n->method);
	call_add_str(c, "mcp.notification.direction", n->outbound ? "sent" : "received");
	if (n->ref_id.type == JID_NUM || n->ref_id.type == JID_STR)
		call_add_str(c, "jsonrpc.request.id", n->ref_id.text);
	call_add_str(c, "network.transport", mcp_transport_name(n->transport));
}

void mcp_call_from_session(struct call *c, const struct probe_map *pm, const struct mcp_bindings *b,
			   const struct mcp_session_end *s)
{
	call_reset(c, pm, s->role == MCP_ROLE_CLIENT ? b->client_session : b->server_session);
	c->rec.kind = CALL_POINT;
	c->rec.pid = s->pid;
	c->rec.tid = s->pid;
	c->rec.start_ns = c->rec.end_ns = s->end_ns;
	call_add_double(c, "mcp.session.duration", (double)(s->end_ns - s->start_ns) / 1e9);
	call_add_str(c, "network.transport", mcp_transport_name(s->transport));
	if (s->protocol_version[0])
		call_add_str(c, "mcp.protocol.version", s->protocol_version);
	if (s->session_id[0])
		call_add_str(c, "mcp.session.id", s->session_id);
}
