/* The injected Python (user/source/python/py_script.c, py_runtime.c) run in
 * a real interpreter: the markers it writes are read back here through
 * struct mcp_py_marker (bpf/mcp_trace.h), the layout the BPF side reads
 * (the marker descriptor turned into a file opened O_APPEND);
 * the undo script puts the originals back. Skipped (counted as passed
 * with a note) when there is no python3. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "probe_map.h"
#include "source/python/py_script.h"
#include "unit_test.h"

static const char map_text[] =
	"span agent_collaboration python:tmod:Coord.coordinate\n"
	"    mcp.collaboration_type = param collaboration_type\n"
	"    mcp.agent_count = len(param agents)\n"
	"    mcp.collaboration_iterations = ret.iterations as int\n"
	"    mcp.consensus_time_ms = ret[\"ms\"] as float\n"
	"    mcp.task = param task content\n"
	"    fail if raises\n"
	"span agent_iteration python:tmod:Coord.step\n"
	"    mcp.agent_name = param name\n"
	"    mcp.agent_contribution = param score as float\n"
	"span workflow_step python:tmod:run_async\n"
	"    mcp.step_name = param name\n"
	"point model_cache_hit python:tmod:Cache.hit\n"
	"    mcp.model_type = param model\n"
	"span model_routing python:tmod:later\n"
	"span model_selection python:nomod:f\n"
	"span model_inference python:tmod:Coord.plain\n"
	"    fail if raises\n";

/* The program: a module `tmod`, the script run in __main__'s globals as
 * PyRun_SimpleString does, the marker fd turned into a file we read. */
static const char driver[] =
	"import os, sys, asyncio, types\n"
	"class R:\n"
	"    iterations = 3\n"
	"class Coord:\n"
	"    def coordinate(self, collaboration_type, agents, task='t'):\n"
	"        if collaboration_type == 'boom':\n"
	"            raise ValueError('x')\n"
	"        self.step('a', 0.5)\n"
	"        r = R(); r.ms = 1; return {'iterations': 3, 'ms': 2.5} if agents else r\n"
	"    def plain(self, x):\n"
	"        return 1 / x\n"
	"    @staticmethod\n"
	"    def step(name, score):\n"
	"        return score\n"
	"class Cache:\n"
	"    @classmethod\n"
	"    def hit(cls, model):\n"
	"        return True\n"
	"async def run_async(name):\n"
	"    await asyncio.sleep(0)\n"
	"    Coord.step('in-async', 1.0)\n"
	"    return 1\n"
	"m = types.ModuleType('tmod')\n"
	"m.Coord, m.Cache, m.run_async = Coord, Cache, run_async\n"
	"sys.modules['tmod'] = m\n"
	"orig = Coord.__dict__['coordinate'], Coord.__dict__['step'], Cache.__dict__['hit'], run_async\n"
	"exec(open(sys.argv[1]).read(), globals())\n"
	"st = sys.modules['_mcp_bpftrace']\n"
	"out = os.open(sys.argv[2], os.O_WRONLY | os.O_CREAT | os.O_APPEND)\n"
	"os.dup2(out, st.fd)  # pwrite at 0 appends with O_APPEND\n"
	"c = Coord()\n"
	"assert Coord.coordinate.__name__ == 'coordinate' and Coord.coordinate.__wrapped__ is orig[0]\n"
	"c.coordinate('debate', [1, 2], task='secret')\n"
	"c.coordinate(collaboration_type='solo', agents=[])\n"
	"try:\n"
	"    c.coordinate('boom', [1])\n"
	"except ValueError:\n"
	"    pass\n"
	"else:\n"
	"    raise SystemExit('the exception did not reach the caller')\n"
	"Cache.hit('gpt')\n"
	"assert asyncio.run(m.run_async('s1')) == 1\n"
	"assert c.plain(2) == 0.5\n"
	"try:\n"
	"    c.plain(0)\n"
	"except ZeroDivisionError:\n"
	"    pass\n"
	"os.close(out)\n"
	"exec(open(sys.argv[5]).read(), globals())  # another run: the first is undone, then its own\n"
	"w2 = Coord.__dict__['coordinate']\n"
	"chain = w2.__wrapped__ is orig[0] and sys.modules['_mcp_bpftrace'].run == 'run-2'\n"
	"exec(open(sys.argv[3]).read(), globals())  # the first run's undo: not its wrappers any more\n"
	"kept = Coord.__dict__['coordinate'] is w2\n"
	"st = sys.modules['_mcp_bpftrace']\n"
	"exec(open(sys.argv[6]).read(), globals())\n"
	"back = (Coord.__dict__['coordinate'], Coord.__dict__['step'], Cache.__dict__['hit'], m.run_async) == orig\n"
	"gone = '_mcp_bpftrace' not in sys.modules and '_mcp_bpftrace_run' not in globals()\n"
	"try:\n"
	"    os.fstat(st.fd); closed = False\n"
	"except OSError:\n"
	"    closed = True\n"
	"open(sys.argv[4], 'w').write('%s %s %s %s %s' % (back, gone, closed, chain, kept))\n";

static char dir[] = "/tmp/test_py_script.XXXXXX";

static void put(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (!(f = fopen(path, "w")))
		return;
	fputs(text, f);
	fclose(f);
}

static size_t slurp(const char *name, char *buf, size_t cap)
{
	char path[256];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (!(f = fopen(path, "rb")))
		return 0;
	n = fread(buf, 1, cap - 1, f);
	buf[n] = 0;
	fclose(f);
	return n;
}

static void test_table(const struct probe_map *pm)
{
	char *t = py_script_table(pm);

	CHECK(t != NULL);
	/* Binding 0: spec indexes in order, slots as the parser gave them. */
	CHECK_STR_HAS(t, "(0, 'tmod', 'Coord.coordinate', False, 3, [(0, 'p', 'collaboration_type', None, False, 's', 0), "
			 "(1, 'l', 'agents', None, False, 'i', 0), (2, 'r', '', 'iterations', False, 'i', 1), "
			 "(3, 'r', '', 'ms', True, 'f', 2), (4, 'p', 'task', None, False, 's', 1), "
			 "(5, 'x', '', None, False, 'b', 3), (6, 'e', '', None, False, 's', 2), ]),");
	CHECK_STR_HAS(t, "(3, 'tmod', 'Cache.hit', True, 1, [");
	free(t);
}

static const struct mcp_py_marker *next_marker(const char *buf, size_t len, size_t *at)
{
	const struct mcp_py_marker *m = (const void *)(buf + *at);

	if (*at + MCP_PY_MARKER_SIZE(0) > len || m->magic != MCP_PY_MAGIC || m->size > len - *at)
		return NULL;
	*at += m->size;
	return m;
}

static void test_markers(const char *buf, size_t len)
{
	const struct mcp_py_marker *v[32];
	size_t at = 0;
	int n = 0;
	double d;

	while (n < 32 && (v[n] = next_marker(buf, len, &at)))
		n++;
	CHECK_EQ_INT(at, len); /* every byte is a marker */
	/* coordinate x2 (each with its step), a raise, the point, the async
	 * call and the sync one inside it. */
	CHECK_EQ_INT(n, 23);
	if (n != 23)
		return;
	for (int i = 0; i < n; i++)
		CHECK(v[i]->version == MCP_PY_VERSION && v[i]->size == MCP_PY_MARKER_SIZE(v[i]->nstrs));
	/* 1st call: entry with its params, the nested step, return values. */
	CHECK(v[0]->kind == MCP_PY_ENTRY && v[0]->binding == 0 && v[0]->nstrs == 3);
	CHECK_STR_EQ(v[0]->strs[0], "debate");
	CHECK_STR_EQ(v[0]->strs[1], "secret");
	CHECK_EQ_INT(v[0]->vals[0], 2);
	CHECK_EQ_INT(v[0]->present, 1 | MCP_PY_STR_PRESENT(0) | MCP_PY_STR_PRESENT(1));
	CHECK_EQ_INT(v[0]->failed, 0);
	CHECK(v[1]->kind == MCP_PY_ENTRY && v[1]->binding == 1);
	memcpy(&d, &v[1]->vals[0], sizeof(d));
	CHECK(d == 0.5);
	CHECK(v[2]->kind == MCP_PY_RETURN && v[2]->binding == 1);
	CHECK(v[3]->kind == MCP_PY_RETURN && v[3]->binding == 0);
	CHECK_EQ_INT(v[3]->vals[1], 3);
	memcpy(&d, &v[3]->vals[2], sizeof(d));
	CHECK(d == 2.5);
	CHECK_EQ_INT(v[3]->vals[3], 0); /* not raised */
	CHECK_STR_EQ(v[3]->strs[2], "");
	CHECK_EQ_INT(v[3]->present, 2 | 4 | 8 | MCP_PY_STR_PRESENT(2));
	/* 2nd: keywords, task from its default; ret["ms"] of an object is no
	 * key (spec index 3 unread), ret.iterations an attribute. */
	CHECK_STR_EQ(v[4]->strs[0], "solo");
	CHECK_STR_EQ(v[4]->strs[1], "t");
	CHECK_EQ_INT(v[4]->vals[0], 0);
	CHECK_EQ_INT(v[7]->failed, 1u << 3);
	CHECK_EQ_INT(v[7]->vals[1], 3);
	/* The raise: ret captures unread, raised = 1, the exception's type. */
	CHECK(v[8]->kind == MCP_PY_ENTRY && v[9]->kind == MCP_PY_RAISE);
	CHECK_EQ_INT(v[9]->failed, (1u << 2) | (1u << 3));
	CHECK_EQ_INT(v[9]->vals[3], 1);
	CHECK_STR_EQ(v[9]->strs[2], "ValueError");
	/* The point, its parameter through a classmethod. */
	CHECK(v[10]->kind == MCP_PY_POINT && v[10]->binding == 3);
	CHECK_STR_EQ(v[10]->strs[0], "gpt");
	/* The async call: a token of its own (no caller's), the sync call in
	 * it carries that token, its end the token again, not raised. */
	uint64_t tok = v[11]->aux >> 32;

	CHECK(v[11]->kind == MCP_PY_ASYNC_ENTRY && v[11]->binding == 2 && tok && (uint32_t)v[11]->aux == 0);
	CHECK_STR_EQ(v[11]->strs[0], "s1");
	/* Each step of its coroutine between RESUME and SUSPEND (the await
	 * of sleep(0) ends the first), the sync call inside the second. */
	CHECK(v[12]->kind == MCP_PY_ASYNC_RESUME && v[12]->aux == tok && v[12]->size == MCP_PY_MARKER_SIZE(0));
	CHECK(v[13]->kind == MCP_PY_ASYNC_SUSPEND && v[13]->aux == tok);
	CHECK(v[14]->kind == MCP_PY_ASYNC_RESUME && v[14]->aux == tok);
	CHECK(v[15]->kind == MCP_PY_ENTRY && v[15]->binding == 1 && v[15]->aux == tok);
	CHECK(v[16]->kind == MCP_PY_RETURN && v[16]->binding == 1);
	CHECK(v[17]->kind == MCP_PY_ASYNC_SUSPEND && v[17]->aux == tok);
	CHECK(v[18]->kind == MCP_PY_ASYNC_END && v[18]->binding == 2 && v[18]->aux == tok);
	/* `fail if raises` alone: the same return marker every time (not
	 * raised, no type name), a raise with its type. */
	CHECK(v[19]->kind == MCP_PY_ENTRY && v[19]->binding == 6 && v[20]->kind == MCP_PY_RETURN);
	CHECK_EQ_INT(v[20]->vals[0], 0);
	CHECK_EQ_INT(v[20]->present, 1 | MCP_PY_STR_PRESENT(0));
	CHECK_STR_EQ(v[20]->strs[0], "");
	CHECK(v[21]->kind == MCP_PY_ENTRY && v[22]->kind == MCP_PY_RAISE && v[22]->vals[0] == 1);
	CHECK_STR_EQ(v[22]->strs[0], "ZeroDivisionError");
	/* Sync calls outside any async one carry no token. */
	CHECK(v[0]->aux == 0 && v[1]->aux == 0 && v[10]->aux == 0);
}

int main(void)
{
	struct probe_map pm;
	char err[512], cmd[1024], res[64];
	static char buf[1 << 16];

	CHECK_EQ_INT(probe_map_parse_bytes(map_text, strlen(map_text), "t.map", true, NULL, &pm, err, sizeof(err)), 0);
	test_table(&pm);
	if (system("python3 -c 'import sys; sys.exit(sys.version_info < (3, 8))' 2>/dev/null") != 0) {
		fprintf(stderr, "test_py_script: no python3 >= 3.8: the script is not run\n");
		probe_map_free(&pm);
		UNIT_DONE();
	}
	if (!mkdtemp(dir))
		return 1;
	char *script = py_script_build(&pm, "run-1", false), *undo = py_script_build(&pm, "run-1", true);
	char *script2 = py_script_build(&pm, "run-2", false), *undo2 = py_script_build(&pm, "run-2", true);

	CHECK(script && undo && script2 && undo2);
	put("wrap.py", script ? script : "");
	put("undo.py", undo ? undo : "");
	put("wrap2.py", script2 ? script2 : "");
	put("undo2.py", undo2 ? undo2 : "");
	put("driver.py", driver);
	snprintf(cmd, sizeof(cmd), "cd %s && python3 driver.py wrap.py markers.bin undo.py result.txt wrap2.py undo2.py", dir);
	CHECK_EQ_INT(system(cmd), 0);
	size_t len = slurp("markers.bin", buf, sizeof(buf));

	test_markers(buf, len);
	slurp("result.txt", res, sizeof(res));
	/* Originals back, nothing left, fd closed; a second run undid the
	 * first and wrapped the originals; the first's undo left it alone. */
	CHECK_STR_EQ(res, "True True True True True");
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		fprintf(stderr, "could not remove %s\n", dir);
	free(script);
	free(undo);
	free(script2);
	free(undo2);
	probe_map_free(&pm);
	UNIT_DONE();
}
