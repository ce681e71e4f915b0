/* Unit tests of python: bindings in the probe map (user/probe_map_python.c). */
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "catalog.h"
#include "probe_map.h"
#include "unit_test.h"

static char err[512];

static int parse(const char *text, bool content, struct probe_map *pm)
{
	int saved = dup(2), sink = open("/dev/null", O_WRONLY), rc;

	fflush(stderr);
	dup2(sink, 2); /* unbound metric attributes warn: not under test */
	err[0] = 0;
	rc = probe_map_parse(text, "p.map", content, pm, err, sizeof(err));
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(sink);
	return rc;
}

static void bad(const char *text, const char *line_prefix, const char *keyword)
{
	struct probe_map pm;

	CHECK_EQ_INT(parse(text, true, &pm), -1);
	CHECK_STR_PREFIX(err, line_prefix);
	CHECK_STR_HAS(err, keyword);
}

static const struct pm_capture *cap(const struct pm_binding *b, const char *key)
{
	for (int i = 0; i < b->ncaps; i++)
		if (!strcmp(b->caps[i].key, key))
			return &b->caps[i];
	return NULL;
}

static void test_full_binding(void)
{
	struct probe_map pm;
	const char *text =
		"object libfoo.so\n"
		"span agent_collaboration python:mcp.agents:AgentCoordinator.coordinate\n"
		"    mcp.collaboration_type = param collaboration_type as str\n"
		"    mcp.agent_count = len(param agents)\n"
		"    mcp.collaboration_iterations = ret.iterations as int\n"
		"    mcp.consensus_time_ms = ret[\"consensus-ms\"] as float\n"
		"    mcp.ok = ret as bool\n"
		"    mcp.model = param req.model\n"
		"    mcp.task = param task content\n"
		"    mcp.operation = \"collab\"\n"
		"    fail if raises\n"
		"point model_cache_hit python:__main__:hit\n"
		"    mcp.model_type = param m\n";

	CHECK_EQ_INT(parse(text, true, &pm), 0);
	if (pm.n != 2) {
		UNIT_FAIL("%zu bindings: %s", pm.n, err);
		return;
	}
	const struct pm_binding *b = &pm.bindings[0];

	CHECK_STR_EQ(b->py_module, "mcp.agents");
	CHECK_STR_EQ(b->py_qualname, "AgentCoordinator.coordinate");
	CHECK_STR_EQ(b->symbol, "mcp.agents:AgentCoordinator.coordinate");
	CHECK_STR_EQ(b->builtin, "python");
	CHECK(b->object == NULL); /* `object` is for native bindings */
	CHECK(b->fail.present);
	CHECK_EQ_INT(b->fail.cmp, PM_NE);
	CHECK_EQ_INT(b->caps[b->fail.cap].py_src, PY_RAISED);
	/* error.type added: the exception's type name, a string at return. */
	CHECK(b->error_type_cap >= 0);
	const struct pm_capture *c = cap(b, "error.type");

	CHECK(c && c->py_src == PY_EXC_TYPE && c->type == PT_STR && c->spec.when == MCP_AT_RETURN);
	CHECK(c && c->spec.slot == 3); /* after collaboration_type, model, task */
	c = cap(b, "mcp.collaboration_type");
	CHECK(c && c->py_src == PY_PARAM && c->type == PT_STR && !strcmp(c->py_name, "collaboration_type") &&
	      !c->py_field && c->spec.when == MCP_AT_ENTRY && c->spec.slot == 0);
	c = cap(b, "mcp.agent_count");
	CHECK(c && c->py_src == PY_PARAM_LEN && c->type == PT_LONG && !strcmp(c->py_name, "agents"));
	c = cap(b, "mcp.collaboration_iterations");
	CHECK(c && c->py_src == PY_RET && c->type == PT_LONG && !strcmp(c->py_field, "iterations") &&
	      !c->py_key && c->spec.when == MCP_AT_RETURN);
	c = cap(b, "mcp.consensus_time_ms");
	CHECK(c && c->py_key && !strcmp(c->py_field, "consensus-ms") && c->type == PT_DOUBLE);
	c = cap(b, "mcp.ok");
	CHECK(c && c->py_src == PY_RET && !c->py_field && c->type == PT_BOOL);
	c = cap(b, "mcp.model");
	CHECK(c && !strcmp(c->py_name, "req") && !strcmp(c->py_field, "model") && c->type == PT_STR);
	c = cap(b, "mcp.task");
	CHECK(c && c->content);
	c = cap(b, "mcp.operation");
	CHECK(c && c->type == PT_CONST);
	b = &pm.bindings[1];
	CHECK_EQ_INT(b->kind, PM_POINT);
	CHECK_STR_EQ(b->py_module, "__main__");
	CHECK_EQ_INT(b->error_type_cap, -1);
	probe_map_free(&pm);

	/* Without --capture-content the content capture is gone, slots shift. */
	CHECK_EQ_INT(parse(text, false, &pm), 0);
	CHECK(cap(&pm.bindings[0], "mcp.task") == NULL);
	c = cap(&pm.bindings[0], "error.type");
	CHECK(c && c->spec.slot == 2);
	probe_map_free(&pm);
}

static void test_error_type_bound(void)
{
	struct probe_map pm;

	CHECK_EQ_INT(parse("span workflow_step python:w:step\n"
			   "    error.type = ret.kind\n"
			   "    fail if raises\n", true, &pm), 0);
	CHECK_EQ_INT(pm.bindings[0].ncaps, 2); /* no default added */
	CHECK_EQ_INT(pm.bindings[0].caps[pm.bindings[0].error_type_cap].py_src, PY_RET);
	probe_map_free(&pm);
	/* A second python binding of the same function; native ones untouched. */
	bad("span workflow_step python:w:step\nspan workflow_step python:w:step\n", "p.map:2:", "already bound");
	CHECK_EQ_INT(parse("span workflow_step python:w:step\nspan workflow_execution python:w:run\n"
			   "span model_routing mcp_route_request\n    mcp.model_type = arg1 as str\n", true, &pm), 0);
	CHECK(pm.bindings[2].py_module == NULL && pm.bindings[2].builtin == NULL);
	probe_map_free(&pm);
}

static void test_bad_lines(void)
{
	bad("span workflow_step python:w\n", "p.map:1:", "python:MODULE:QUALNAME");
	bad("span workflow_step python:w:\n", "p.map:1:", "python:MODULE:QUALNAME");
	bad("span workflow_step python::f\n", "p.map:1:", "python:MODULE:QUALNAME");
	bad("span workflow_step python:a..b:f\n", "p.map:1:", "python:MODULE:QUALNAME");
	bad("span workflow_step python:a:1f\n", "p.map:1:", "python:MODULE:QUALNAME");
	bad("span workflow_step python:a:f:g\n", "p.map:1:", "python:MODULE:QUALNAME");
	bad("span workflow_step python:w:f\n    x = arg1 as str\n", "p.map:2:", "Python source");
	bad("span workflow_step python:w:f\n    x = param\n", "p.map:2:", "parameter name");
	bad("span workflow_step python:w:f\n    x = param 1a\n", "p.map:2:", "parameter name");
	bad("span workflow_step python:w:f\n    x = param a as long\n", "p.map:2:", "unknown type");
	bad("span workflow_step python:w:f\n    x = len(param a) as str\n", "p.map:2:", "len(...) is an int");
	bad("span workflow_step python:w:f\n    x = len(param a\n", "p.map:2:", "expected ')'");
	bad("span workflow_step python:w:f\n    x = len(a)\n", "p.map:2:", "len(param NAME)");
	bad("span workflow_step python:w:f\n    x = ret.a.b\n", "p.map:2:", "one level");
	bad("span workflow_step python:w:f\n    x = ret.\n", "p.map:2:", "field name");
	bad("span workflow_step python:w:f\n    x = ret[\"a b\"]\n", "p.map:2:", "KEY");
	bad("span workflow_step python:w:f\n    x = ret[\"k\"\n", "p.map:2:", "']'");
	bad("span workflow_step python:w:f\n    x = ret junk\n", "p.map:2:", "unexpected");
	bad("span workflow_step python:w:f\n    fail if ret < 0\n", "p.map:2:", "fail if raises");
	bad("span workflow_step python:w:f\n    fail if raises now\n", "p.map:2:", "fail if raises");
	bad("span workflow_step python:w:f\n    fail if raises\n    fail if raises\n", "p.map:3:", "second");
	bad("point model_cache_hit python:w:f\n    x = ret\n", "p.map:2:", "point");
	bad("point model_cache_hit python:w:f\n    fail if raises\n", "p.map:2:", "spans only");
	bad("span workflow_step python:w:f python:w:g\n", "p.map:1:", "USDT");
	/* Six strings bound and fail if raises: no room for error.type. */
	bad("span workflow_step python:w:f\n    a = param a\n    b = param b\n    c = param c\n"
	    "    d = param d\n    e = param e\n    f = param f\n    fail if raises\n",
	    "p.map:8:", "error.type");
}

int main(void)
{
	test_full_binding();
	test_error_type_bound();
	test_bad_lines();
	UNIT_DONE();
}
