/* Unit tests of the Node.js injector's pure parts: node: locations in the
 * probe map (user/probe_map_node.c), /proc/net/tcp LISTEN lines, the
 * websocket accept key, the DevTools answer decoding, and the script built
 * from the bindings (user/source/node/). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "probe_map.h"
#include "source/node/node_cdp.h"
#include "source/node/node_http.h"
#include "source/node/node_ports.h"
#include "source/node/node_script.h"
#include "source/node/node_signal.h"
#include "unit_test.h"

static char err[512];

/* Parses text; warnings (unbound metric attributes) go nowhere: not under test. */
static int parse(const char *text, struct probe_map *pm)
{
	err[0] = 0;
	return probe_map_parse_bytes(text, strlen(text), "n.map", false, NULL, pm, err, sizeof(err));
}

/* The capture bound to key, or NULL. */
static const struct pm_capture *cap(const struct pm_binding *b, const char *key)
{
	const struct pm_capture *c = b->caps;

	while (c < b->caps + b->ncaps && strcmp(c->key, key))
		c++;
	return c < b->caps + b->ncaps ? c : NULL;
}

static void test_location(void)
{
	struct probe_map pm;
	const char *text =
		"span agent_collaboration node:./agents.js:AgentCoordinator.prototype.coordinate\n"
		"    mcp.collaboration_type = param collaborationType as str\n"
		"    mcp.agent_count = len(param agents)\n"
		"    mcp.tokens_used = ret.tokens as int\n"
		"    fail if raises\n"
		"point model_cache_hit node:@scope/pkg-1/lib.js:$cache.hit_\n"
		"    mcp.model_type = param arg0\n";

	CHECK_EQ_INT(parse(text, &pm), 0);
	if (pm.n != 2) {
		UNIT_FAIL("%s", err);
		return;
	}
	const struct pm_binding *b = &pm.bindings[0];

	CHECK_STR_EQ(b->node_module, "./agents.js");
	CHECK_STR_EQ(b->node_path, "AgentCoordinator.prototype.coordinate");
	CHECK_STR_EQ(b->symbol, "./agents.js:AgentCoordinator.prototype.coordinate");
	CHECK_STR_EQ(b->builtin, "node");
	CHECK(b->py_module == NULL); /* the python source leaves it alone */
	CHECK(pm_by_name(b));
	CHECK(cap(b, "mcp.agent_count") && cap(b, "mcp.agent_count")->py_src == PY_PARAM_LEN);
	CHECK(cap(b, "mcp.tokens_used") && cap(b, "mcp.tokens_used")->py_src == PY_RET);
	/* fail if raises gives error.type, the exception's type, by default */
	CHECK(b->fail.present && b->error_type_cap >= 0);
	CHECK(cap(b, "error.type") && cap(b, "error.type")->py_src == PY_EXC_TYPE);
	CHECK_STR_EQ(pm.bindings[1].node_module, "@scope/pkg-1/lib.js");
	CHECK_STR_EQ(pm.bindings[1].node_path, "$cache.hit_");
	CHECK_EQ_INT(node_bindings_count(&pm), 2);
	probe_map_free(&pm);
}

static void test_bad_locations(void)
{
	static const char *const bad[] = {
		"span model_routing node:./a.js\n",            /* no PATH */
		"span model_routing node::f\n",                /* no MODULE */
		"span model_routing node:./a.js:1f\n",         /* not an identifier */
		"span model_routing node:./a.js:a..b\n",       /* empty part */
		"span model_routing node:./a.js:a.\n",         /* trailing dot */
		"span model_routing node:./a b.js:f\n",        /* a blank ends the location */
		"span model_routing node:./a.js:f:g\n",        /* a second ':' */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct probe_map pm;

		CHECK_EQ_INT(parse(bad[i], &pm), -1);
		CHECK_STR_PREFIX(err, "n.map:1:");
	}
	struct probe_map pm;

	/* ret in a point, as for python: bindings */
	CHECK_EQ_INT(parse("point model_cache_hit node:./a.js:f\n    mcp.x = ret\n", &pm), -1);
	CHECK_STR_HAS(err, "ret is not available to a point");
}

static void test_tcp_line(void)
{
	struct listen_port p;

	CHECK(listen_port_parse("   1: 0100007F:240D 00000000:0000 0A 00000000:00000000 00:00000000 "
				"00000000     0        0 1761848 1 0000000000000000 100 0 0 10 0",
				false, &p));
	CHECK_EQ_INT(p.port, 9229);
	CHECK_EQ_INT(p.inode, 1761848);
	CHECK(p.addr[0] == 127 && p.addr[1] == 0 && p.addr[2] == 0 && p.addr[3] == 1);
	/* ESTABLISHED (01) is no listener; the header is no line */
	CHECK(!listen_port_parse("   2: 0100007F:240D 0100007F:C350 01 00000000:00000000 00:00000000 "
				 "00000000     0        0 999 1 0",
				 false, &p));
	CHECK(!listen_port_parse("  sl  local_address rem_address   st tx_queue rx_queue", false, &p));
	CHECK(listen_port_parse("   0: 00000000000000000000000001000000:9C40 00000000000000000000000000000000:0000 "
				"0A 00000000:00000000 00:00000000 00000000     0        0 4242 1 0",
				true, &p));
	CHECK_EQ_INT(p.port, 40000);
	CHECK(p.v6 && p.addr[15] == 1 && p.addr[0] == 0); /* ::1 */
}

static void test_accept_key(void)
{
	char out[32];

	/* RFC 6455 section 1.3's example */
	ws_accept_key("dGhlIHNhbXBsZSBub25jZQ==", out, sizeof(out));
	CHECK_STR_EQ(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

static void test_cdp(void)
{
	char *v = NULL, *req = cdp_request(7, "1+\"x\"");

	CHECK_STR_HAS(req, "\"id\":7");
	CHECK_STR_HAS(req, "\"method\":\"Runtime.evaluate\"");
	CHECK_STR_HAS(req, "\"expression\":\"1+\\\"x\\\"\"");
	CHECK_STR_HAS(req, "\"returnByValue\":true");
	free(req);
	CHECK_EQ_INT(cdp_reply_decode("{\"id\":7,\"result\":{\"result\":{\"type\":\"string\",\"value\":\"ok\"}}}",
				      7, &v, err, sizeof(err)), 1);
	CHECK_STR_EQ(v, "ok");
	free(v);
	CHECK_EQ_INT(cdp_reply_decode("{\"id\":7,\"result\":{\"result\":{\"type\":\"number\",\"value\":2}}}",
				      7, &v, err, sizeof(err)), 1);
	CHECK_STR_EQ(v, "2");
	free(v);
	/* an event, or another id: not the answer */
	CHECK_EQ_INT(cdp_reply_decode("{\"method\":\"Runtime.consoleAPICalled\",\"params\":{}}", 7, &v, err,
				      sizeof(err)), 0);
	CHECK_EQ_INT(cdp_reply_decode("{\"id\":6,\"result\":{}}", 7, &v, err, sizeof(err)), 0);
	CHECK_EQ_INT(cdp_reply_decode("not json", 7, &v, err, sizeof(err)), 0);
	CHECK_EQ_INT(cdp_reply_decode("{\"id\":7,\"result\":{\"result\":{\"type\":\"object\"},\"exceptionDetails\":"
				      "{\"text\":\"Uncaught\",\"exception\":{\"description\":\"Error: boom\"}}}}",
				      7, &v, err, sizeof(err)), -1);
	CHECK_STR_HAS(err, "Error: boom");
	CHECK_EQ_INT(cdp_reply_decode("{\"id\":7,\"error\":{\"code\":-32000,\"message\":\"nope\"}}", 7, &v, err,
				      sizeof(err)), -1);
	CHECK_STR_HAS(err, "nope");
}

static void test_script(void)
{
	struct probe_map pm;
	const char *text = "span model_inference some_symbol\n"
			   "span agent_collaboration node:./agents.js:A.prototype.run\n"
			   "    mcp.collaboration_type = param kind as str\n"
			   "    mcp.agent_count = len(param agents)\n"
			   "    fail if raises\n";

	if (parse(text, &pm)) {
		UNIT_FAIL("%s", err);
		return;
	}
	char *s = node_script_build(&pm, 40001, "00ff");

	/* Only the node: binding, with its index in the whole table. */
	CHECK_STR_HAS(s, "\"id\":1,\"mod\":\"./agents.js\",\"path\":\"A.prototype.run\"");
	CHECK(!strstr(s, "some_symbol"));
	CHECK_STR_HAS(s, "{\"src\":\"param\",\"name\":\"kind\",\"key\":false,\"type\":\"s\",\"slot\":0,\"bit\":0,\"when\":0}");
	CHECK_STR_HAS(s, "{\"src\":\"len\",\"name\":\"agents\",\"key\":false,\"type\":\"i\"");
	/* the hidden fail value is the marker's kind, not a capture the script reads,
	 * but it keeps its bit: error.type comes after it */
	CHECK_STR_HAS(s, "{\"src\":\"exc\",\"key\":false,\"type\":\"s\",\"slot\":1,\"bit\":3,\"when\":1}");
	CHECK_STR_HAS(s, "{\"src\":\"raised\",\"key\":false,\"type\":\"b\",\"slot\":1,\"bit\":2,\"when\":1}");
	CHECK_STR_HAS(s, "{\"port\":40001,\"token\":\"00ff\"}");
	free(s);
	probe_map_free(&pm);
}

static enum usr1_handler verdict(const char *file, const char *sym, bool libuv_apart)
{
	struct handler_where w = {.libuv_apart = libuv_apart};

	snprintf(w.file, sizeof(w.file), "%s", file);
	snprintf(w.sym, sizeof(w.sym), "%s", sym);
	return usr1_verdict(&w);
}

/* Which SIGUSR1 handlers the signal may be sent to. */
static void test_usr1_verdict(void)
{
	/* node with its symbols (nodesource's: libuv inside the binary) */
	CHECK_EQ_INT(verdict("node", "_ZN4node9inspector12_GLOBAL__N_1L19StartIoThreadWakeupEiP9siginfo_tPv", false),
		     USR1_INSPECTOR);
	CHECK_EQ_INT(verdict("node", "uv__signal_handler", false), USR1_LIBUV);
	CHECK_EQ_INT(verdict("my_addon.node", "on_usr1", false), USR1_OTHER);
	/* without symbols: a node binary with libuv inside cannot be told */
	CHECK_EQ_INT(verdict("node", "", false), USR1_UNKNOWN);
	/* Debian's layout: libnode.so.108 stripped, libuv.so.1 apart */
	CHECK_EQ_INT(verdict("libnode.so.108", "", true), USR1_INSPECTOR);
	CHECK_EQ_INT(verdict("libuv.so.1", "", true), USR1_LIBUV);
	CHECK_EQ_INT(verdict("libnode.so.108", "", false), USR1_UNKNOWN); /* libuv inside it */
	CHECK_EQ_INT(verdict("my_addon.node", "", true), USR1_UNKNOWN);
}

int main(void)
{
	test_usr1_verdict();
	test_location();
	test_bad_locations();
	test_tcp_line();
	test_accept_key();
	test_cdp();
	test_script();
	UNIT_DONE();
}
