#!/usr/bin/env python3
"""The agent demo's traces, checked and shown (OTLP/JSON lines from
--otlp-file, the agent's MCP ledger for its pids).

Every tool call of the ledger, exactly, is one tree in one trace:
  chat (the agent's LLM call whose answer asked for the tool) ->
  tools/call T CLIENT (agent) -> tools/call T SERVER (its MCP server) ->
  git_worktree_add|remove (the git the tool ran, git_worktree only)
The agent sends no trace context: the tracer read the tool calls in the
model's answer and joined the agent's tools/call of the same name to it.
The LLM call ends before its tool calls start (the agent reads the whole
answer first), so that parent is checked by order, not by time: the tool
call starts after it ended and before the agent's next LLM call started.
Below it each span is inside its parent's time. A lookup_ticket SERVER
span has no exec under it; every git worktree span is under a SERVER span.

usage: trace_tree.py --otlp FILE... --mcp-ledger mcp.json [--check] [--show]
  --check  prints "FAIL ..." per failed check, then "trace_tree: N passed,
           M failed"; exit 1 if any failed
  --show   prints one turn of the agent: an LLM call that asked for a
           worktree, the tool calls it led to, as trees
"""
import argparse
import json
import sys
from collections import defaultdict

SERVER, CLIENT = 2, 3
KIND = {1: "INTERNAL", 2: "SERVER", 3: "CLIENT"}


def value(v):
    for k in ("stringValue", "intValue", "doubleValue", "boolValue"):
        if k in v:
            return v[k]
    return None


def attrs(lst):
    return {a["key"]: value(a.get("value", {})) for a in lst or []}


def load(paths):
    spans = {}
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    continue
                for rs in json.loads(line).get("resourceSpans", []):
                    res = attrs(rs.get("resource", {}).get("attributes"))
                    for ss in rs.get("scopeSpans", []):
                        for s in ss.get("spans", []):
                            s["_a"] = attrs(s.get("attributes"))
                            s["_pid"] = int(res.get("process.pid", 0) or 0)
                            s["_exe"] = res.get("process.executable.name", "?")
                            s["_t0"] = int(s.get("startTimeUnixNano", 0))
                            s["_t1"] = int(s.get("endTimeUnixNano", 0))
                            spans[s["spanId"]] = s
    kids = defaultdict(list)
    for s in spans.values():
        if s.get("parentSpanId") in spans:
            kids[s["parentSpanId"]].append(s)
    for k in kids.values():
        k.sort(key=lambda s: s["_t0"])
    return spans, kids


class Report:
    def __init__(self):
        self.passed = self.failed = 0

    def check(self, ok, what, detail=""):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            print(f"FAIL {what}: {detail}")
        return ok


def within(child, parent):
    return parent["_t0"] <= child["_t0"] and child["_t1"] <= parent["_t1"]


def check(spans, kids, led):
    rep = Report()
    agent, server = led["client_pid"], led["server_pid"]
    llm = sorted((s for s in spans.values() if s["_pid"] == agent and "gen_ai.request.model" in s["_a"]
                  and "mcp.method.name" not in s["_a"]), key=lambda s: s["_t0"])
    rep.check(len(llm) > 0, "LLM calls", "no LLM call span in the agent's process")
    for m in llm:  # nothing the agent sends puts its model calls under another span
        rep.check(not m.get("parentSpanId"), f"LLM call {m['spanId']} root",
                  f"parent {m.get('parentSpanId')} ({spans[m['parentSpanId']]['name'] if m.get('parentSpanId') in spans else 'not exported'})")
    git = [s for s in spans.values() if s["name"].startswith("git_worktree_")]
    servers = [s for s in spans.values() if s["kind"] == SERVER and s["_pid"] == server
               and s["_a"].get("mcp.method.name") == "tools/call"]
    clients = sorted((s for s in spans.values() if s["kind"] == CLIENT and s["_pid"] == agent
                      and s["_a"].get("mcp.method.name") == "tools/call"), key=lambda s: s["_t0"])
    asked = [r for r in led["requests"] if r["method"] == "tools/call"]
    rep.check(len(clients) == len(asked), "tools/call CLIENT spans",
              f"{len(clients)} in the export, {len(asked)} in the ledger")
    by_tool = defaultdict(int)
    for r in asked:
        by_tool[r["tool"]] += 1
    for c in clients:
        by_tool[c["_a"].get("gen_ai.tool.name")] -= 1
    rep.check(not any(by_tool.values()), "tools/call CLIENT spans by tool", f"ledger minus export: {dict(by_tool)}")
    starts = [m["_t0"] for m in llm]
    for c in clients:
        tool = c["_a"].get("gen_ai.tool.name")
        m = spans.get(c.get("parentSpanId"))
        if not rep.check(m is not None and m in llm, f"tools/call {tool} {c['spanId']} parent",
                         f"{m['name'] if m else None}, want the agent's LLM call that asked for it"):
            continue
        rep.check(m["traceId"] == c["traceId"], f"tools/call {tool} {c['spanId']} trace",
                  "not in its LLM call's trace")
        nxt = [t for t in starts if t > m["_t0"]]
        rep.check(m["_t1"] <= c["_t0"] and (not nxt or c["_t0"] < nxt[0]), f"tools/call {tool} {c['spanId']} order",
                  "not after its LLM call ended and before the agent's next LLM call")
        srv = [k for k in kids[c["spanId"]] if k["kind"] == SERVER]
        if rep.check(len(srv) == 1 and srv[0]["_pid"] == server and srv[0]["traceId"] == c["traceId"]
                     and within(srv[0], c), f"tools/call {tool} {c['spanId']} SERVER child",
                     f"{len(srv)} SERVER children, want 1 in pid {server}, same trace, inside it"):
            rep.check(srv[0]["_a"].get("gen_ai.tool.name") == tool, f"tools/call {tool} {c['spanId']} SERVER tool",
                      f"the SERVER span ran {srv[0]['_a'].get('gen_ai.tool.name')}")
    for s in git:
        sid = s["spanId"]
        srv = spans.get(s.get("parentSpanId"))
        if not rep.check(srv is not None and srv["kind"] == SERVER and srv["name"] == "tools/call git_worktree"
                         and srv["_pid"] == server, f"{s['name']} {sid} parent",
                         f"{srv['name'] if srv else None} {KIND.get(srv['kind']) if srv else ''}, "
                         f"want the SERVER span tools/call git_worktree in pid {server}"):
            continue
        cli = spans.get(srv.get("parentSpanId"))
        if not rep.check(cli is not None and cli["kind"] == CLIENT and cli["_pid"] == agent
                         and cli["name"] == "tools/call git_worktree", f"{s['name']} {sid} grandparent",
                         f"want the agent's CLIENT span tools/call git_worktree (pid {agent})"):
            continue
        rep.check(s["traceId"] == srv["traceId"] == cli["traceId"], f"{s['name']} {sid} trace",
                  "the git span, its SERVER and CLIENT spans are not one trace")
        rep.check(within(s, srv) and within(srv, cli), f"{s['name']} {sid} times",
                  "a span is not within its parent's time")
    for srv in servers:
        gits = [k for k in kids[srv["spanId"]] if k["name"].startswith("git_worktree_")]
        tool = srv["_a"].get("gen_ai.tool.name")
        want = 1 if tool == "git_worktree" else 0
        rep.check(len(gits) == want, f"SERVER tools/call {tool} {srv['spanId']} git children",
                  f"{len(gits)}, want {want}")
    rep.check(sum(1 for s in servers if s["_a"].get("gen_ai.tool.name") == "git_worktree") == len(git),
              "one git worktree span per git_worktree tool call", f"{len(git)} git spans")
    print(f"trace_tree: {rep.passed} passed, {rep.failed} failed "
          f"({len(llm)} LLM calls, {len(clients)} tool calls, {len(git)} git worktree spans)")
    return rep


def ms(s):
    return f"{(s['_t1'] - s['_t0']) / 1e6:.1f} ms"


def line(s, prefix, extra=""):
    a = s["_a"]
    what = ""
    if "gen_ai.usage.input_tokens" in a:
        what = f"  {a['gen_ai.usage.input_tokens']} in / {a.get('gen_ai.usage.output_tokens', 0)} out tokens"
    if a.get("error.type"):
        what += f"  error {a['error.type']}"
    exe = a.get("process.executable.name", s["_exe"])
    return f"{prefix}{s['name']}  {KIND.get(s['kind'], '?')} {exe}[{s['_pid']}]  {ms(s)}{what}{extra}"


def show_tree(s, kids, prefix="", last=True, top=True):
    out = [line(s, prefix if top else prefix + ("└─ " if last else "├─ "),
                f"  trace {s['traceId'][:8]}…" if top else "")]
    sub = prefix + ("" if top else ("   " if last else "│  "))
    ks = kids[s["spanId"]]
    for i, k in enumerate(ks):
        out += show_tree(k, kids, sub, i == len(ks) - 1, False)
    return out


def descendants(s, kids):
    for k in kids[s["spanId"]]:
        yield k
        yield from descendants(k, kids)


def show(spans, kids, led):
    agent = led["client_pid"]
    llm = sorted((s for s in spans.values() if s["_pid"] == agent
                  and "gen_ai.request.model" in s["_a"] and "mcp.method.name" not in s["_a"]),
                 key=lambda s: s["_t0"])
    # the first LLM call whose answer led to a worktree being added
    for s in llm:
        if any(k["name"] == "git_worktree_add" for k in descendants(s, kids)):
            print("\n".join(show_tree(s, kids)))
            return 0
    print("trace_tree: no LLM call with a git worktree add under it in the export", file=sys.stderr)
    return 1


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--otlp", nargs="+", required=True)
    ap.add_argument("--mcp-ledger", required=True)
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--show", action="store_true")
    a = ap.parse_args(argv)
    try:
        spans, kids = load(a.otlp)
        with open(a.mcp_ledger, encoding="utf-8") as f:
            led = json.load(f)
    except (OSError, ValueError, KeyError) as e:
        print(f"trace_tree: cannot read input: {type(e).__name__}: {e}", file=sys.stderr)
        return 2
    rc = 0
    if a.show:
        rc |= show(spans, kids, led)
    if a.check:
        rc |= 1 if check(spans, kids, led).failed else 0
    return rc


if __name__ == "__main__":
    sys.exit(main())
