/* A CLIENT span's identity given before its write is read: see mcp_reserve.h. */
#include "mcp_reserve.h"

static unsigned slot_of(uint64_t conn)
{
	conn ^= conn >> 33;
	conn *= 0xff51afd7ed558ccdULL;
	conn ^= conn >> 33;
	return (unsigned)(conn % MCP_WRITERS);
}

void mcp_reserve_note_writer(struct mcp_reserve *r, uint64_t conn, uint32_t pid)
{
	unsigned i = slot_of(conn);

	r->writers[i].conn = conn;
	r->writers[i].pid = pid;
}

uint32_t mcp_reserve_writer(const struct mcp_reserve *r, uint64_t conn)
{
	unsigned i = slot_of(conn);

	return conn && r->writers[i].conn == conn ? r->writers[i].pid : 0;
}

struct mcp_reserved *mcp_reserve_add(struct mcp_reserve *r, uint64_t conn, const struct jsonrpc_id *id)
{
	struct mcp_reserved *v = &r->v[r->next++ % MCP_RESERVED];

	*v = (struct mcp_reserved){.conn = conn, .id = *id};
	return v;
}

bool mcp_reserve_take(struct mcp_reserve *r, uint64_t conn, const struct jsonrpc_id *id, struct mcp_reserved *out)
{
	for (int i = 0; i < MCP_RESERVED; i++) {
		struct mcp_reserved *v = &r->v[i];

		if (v->conn && v->conn == conn && jsonrpc_id_equal(&v->id, id)) {
			*out = *v;
			v->conn = 0;
			return true;
		}
	}
	return false;
}
