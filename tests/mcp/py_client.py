#!/usr/bin/env python3
"""An MCP client over stdio in Python 3.11 with the standard library only:
spawns py_server.py, speaks newline-delimited JSON-RPC 2.0 by hand, and
writes the same ledger as client.mjs (every request sent and what came
back), for check_mcp_ledger.py.

  py_client.py --ledger F [--calls N] [--big BYTES]

Ids alternate between numbers and strings ("py-7"); several requests are in
flight at once and answered out of order; one slow call is cancelled with
notifications/cancelled (the server then never answers it).
"""
import argparse
import itertools
import json
import os
import subprocess
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))


class Conn:
    def __init__(self, proc, ledger):
        self.proc, self.ledger = proc, ledger
        self.ids = itertools.count()
        self.waiting = {}  # json text of id -> (Event, [response])
        self.lock = threading.Lock()
        self.reader = threading.Thread(target=self.read_loop, daemon=True)
        self.reader.start()

    def write(self, msg):
        data = (json.dumps(msg, separators=(",", ":")) + "\n").encode()
        view = memoryview(data)
        while view:
            view = view[os.write(self.proc.stdin.fileno(), view):]

    def read_loop(self):
        for line in self.proc.stdout:
            try:
                msg = json.loads(line)
            except ValueError:
                continue  # the server's banner
            if "method" in msg and "id" not in msg:
                recv = self.ledger["notifications_received"]
                recv[msg["method"]] = recv.get(msg["method"], 0) + 1
                continue
            with self.lock:
                slot = self.waiting.get(json.dumps(msg.get("id")))
            if slot:
                slot[1].append(msg)
                slot[0].set()

    def start(self, method, params=None):
        """Sends a request; returns its id (a number or, every other one, a string)."""
        n = next(self.ids)
        rid = n if n % 2 == 0 else f"py-{n}"
        p = params or {}
        entry = {"id": rid, "id_type": "number" if isinstance(rid, int) else "string", "method": method,
                 "tool": p.get("name") if method == "tools/call" else None,
                 "prompt": p.get("name") if method == "prompts/get" else None,
                 "uri": p.get("uri") if method.startswith("resources/") else None,
                 "outcome": None, "error_code": None}
        self.ledger["requests"].append(entry)
        with self.lock:
            self.waiting[json.dumps(rid)] = (threading.Event(), [])
        msg = {"jsonrpc": "2.0", "id": rid, "method": method}
        if params is not None:
            msg["params"] = params
        self.write(msg)
        return rid

    def finish(self, rid, timeout=30):
        key = json.dumps(rid)
        event, got = self.waiting[key]
        if not event.wait(timeout):
            raise SystemExit(f"py_client: no response to request {rid}")
        resp = got[0]
        entry = next(e for e in self.ledger["requests"] if e["id"] == rid)
        if "error" in resp:
            entry["outcome"], entry["error_code"] = "rpc_error", resp["error"].get("code")
        else:
            entry["outcome"] = "tool_error" if resp["result"].get("isError") is True else "ok"
        with self.lock:
            del self.waiting[key]
        return resp

    def call(self, method, params=None):
        return self.finish(self.start(method, params))

    def notify(self, method, params=None):
        msg = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            msg["params"] = params
        sent = self.ledger["notifications_sent"]
        sent[method] = sent.get(method, 0) + 1
        self.write(msg)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ledger", required=True)
    ap.add_argument("--calls", type=int, default=20)
    ap.add_argument("--big", type=int, default=0)
    a = ap.parse_args()
    proc = subprocess.Popen([sys.executable, os.path.join(HERE, "py_server.py")],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
    ledger = {"ledger": "mcp", "sdk": "python-stdlib", "transport": "pipe", "client_pid": os.getpid(),
              "server_pid": proc.pid, "protocol_version": None, "session_id": None, "requests": [],
              "notifications_sent": {}, "notifications_received": {}}
    c = Conn(proc, ledger)
    init = c.call("initialize", {"protocolVersion": "2025-06-18", "capabilities": {},
                                 "clientInfo": {"name": "py-stdlib-client", "version": "1.0.0"}})
    ledger["protocol_version"] = init["result"]["protocolVersion"]
    c.notify("notifications/initialized")
    c.call("tools/list")
    for i in range(a.calls):
        c.call("tools/call", {"name": "echo", "arguments": {"text": f"hello {i}"}})
        c.call("tools/call", {"name": "add", "arguments": {"a": i, "b": 2 * i}})
    c.call("tools/call", {"name": "fail", "arguments": {}})
    c.call("tools/call", {"name": "no_such_tool", "arguments": {}})
    # five in flight; the slow ones come back last, shortest first
    flight = [c.start("tools/call", {"name": "slow", "arguments": {"ms": ms}}) for ms in (60, 20, 40)]
    flight += [c.start("tools/call", {"name": "echo", "arguments": {"text": "in flight"}}),
               c.start("tools/call", {"name": "add", "arguments": {"a": 1, "b": 1}})]
    for rid in flight:
        c.finish(rid)
    # a call cancelled before its answer: never answered
    rid = c.start("tools/call", {"name": "slow", "arguments": {"ms": 5000}})
    c.notify("notifications/cancelled", {"requestId": rid, "reason": "the client gave up"})
    entry = next(e for e in ledger["requests"] if e["id"] == rid)
    entry["outcome"] = "cancelled"
    c.call("resources/read", {"uri": "mem://greeting"})
    c.call("resources/read", {"uri": "mem://notes/7"})
    c.call("resources/read", {"uri": "mem://nope"})
    c.call("prompts/get", {"name": "summarize", "arguments": {"topic": "the ledger"}})
    c.call("prompts/get", {"name": "no_such_prompt"})
    c.call("tools/frobnicate", {})
    c.call("ping")
    if a.big:
        c.call("tools/call", {"name": "big", "arguments": {"bytes": a.big}})
    proc.stdin.close()
    proc.wait(timeout=30)
    with open(a.ledger, "w", encoding="utf-8") as f:
        json.dump(ledger, f, indent=1)
        f.write("\n")
    missing = [e["id"] for e in ledger["requests"] if e["outcome"] is None]
    if missing:
        raise SystemExit(f"py_client: no outcome for {missing}")


if __name__ == "__main__":
    main()
