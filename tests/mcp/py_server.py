#!/usr/bin/env python3
"""An MCP server over stdio in Python 3.11 with the standard library only:
newline-delimited JSON-RPC 2.0 by hand, to show the tracer's capture does
not depend on an SDK or a runtime. Same offer as server.mjs: tools echo,
add, slow (answered from a thread, out of order), fail (isError: true), big;
resources mem://greeting and mem://notes/{id}; prompt summarize. An unknown
tool, prompt or resource is a JSON-RPC error -32602, an unknown method
-32601. notifications/cancelled stops a slow call: it is never answered.

It prints one line that is not JSON first, as careless servers do, and
writes each message with one os.write() of the whole line.
"""
import json
import os
import sys
import threading

PROTOCOL_VERSIONS = ("2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05")
out_lock = threading.Lock()
cancelled = {}  # request id (json text) -> threading.Event


def send(msg):
    data = (json.dumps(msg, separators=(",", ":")) + "\n").encode()
    with out_lock:
        view = memoryview(data)
        while view:
            view = view[os.write(1, view):]


def result(rid, res):
    send({"jsonrpc": "2.0", "id": rid, "result": res})


def error(rid, code, message):
    send({"jsonrpc": "2.0", "id": rid, "error": {"code": code, "message": message}})


def text(t, is_error=False):
    res = {"content": [{"type": "text", "text": t}]}
    if is_error:
        res["isError"] = True
    return res


def slow(rid, ms, stop):
    if not stop.wait(ms / 1000.0):
        result(rid, text(f"slept {ms} ms"))
    cancelled.pop(json.dumps(rid), None)


def call_tool(rid, p):
    name, args = p.get("name"), p.get("arguments") or {}
    if name == "echo":
        return result(rid, text(str(args.get("text", ""))))
    if name == "add":
        return result(rid, text(str(args.get("a", 0) + args.get("b", 0))))
    if name == "fail":
        return result(rid, text("the tool failed on purpose", is_error=True))
    if name == "big":
        return result(rid, text("x" * int(args.get("bytes", 0))))
    if name == "slow":
        stop = threading.Event()
        cancelled[json.dumps(rid)] = stop
        threading.Thread(target=slow, args=(rid, int(args.get("ms", 0)), stop), daemon=True).start()
        return None
    return error(rid, -32602, f"Unknown tool: {name}")


def read_resource(rid, p):
    uri = p.get("uri", "")
    if uri == "mem://greeting":
        return result(rid, {"contents": [{"uri": uri, "text": "hello"}]})
    if uri.startswith("mem://notes/"):
        return result(rid, {"contents": [{"uri": uri, "text": "note " + uri.rsplit("/", 1)[1]}]})
    return error(rid, -32602, f"Resource {uri} not found")


def get_prompt(rid, p):
    if p.get("name") != "summarize":
        return error(rid, -32602, f"Prompt {p.get('name')} not found")
    topic = (p.get("arguments") or {}).get("topic", "")
    return result(rid, {"messages": [{"role": "user", "content": {"type": "text", "text": f"Summarize {topic}."}}]})


def initialize(rid, p):
    asked = p.get("protocolVersion")
    version = asked if asked in PROTOCOL_VERSIONS else PROTOCOL_VERSIONS[0]
    result(rid, {"protocolVersion": version, "capabilities": {"tools": {}, "resources": {}, "prompts": {}},
                 "serverInfo": {"name": "py-stdlib-server", "version": "1.0.0"}})


HANDLERS = {
    "initialize": initialize,
    "ping": lambda rid, p: result(rid, {}),
    "tools/list": lambda rid, p: result(rid, {"tools": [{"name": n, "inputSchema": {"type": "object"}}
                                                         for n in ("echo", "add", "slow", "fail", "big")]}),
    "tools/call": call_tool,
    "resources/read": read_resource,
    "prompts/get": get_prompt,
}


def main():
    os.write(1, b"py_server: ready (this line is not JSON-RPC)\n")
    for line in sys.stdin.buffer:
        if not line.strip():
            continue
        msg = json.loads(line)
        method, rid, params = msg.get("method"), msg.get("id"), msg.get("params") or {}
        if rid is None:  # a notification
            if method == "notifications/cancelled":
                stop = cancelled.get(json.dumps(params.get("requestId")))
                if stop:
                    stop.set()
            continue
        handler = HANDLERS.get(method)
        if handler is None:
            error(rid, -32601, f"Method not found: {method}")
        else:
            handler(rid, params)


if __name__ == "__main__":
    main()
