#!/usr/bin/env python3
"""Python 3.11 client of the mock with the standard library only
(http.client over ssl: libssl.so.3), writing a ledger of what it read back:
one entry per request, with the status, the model, the usage and whether it
failed. All requests go over one keep-alive connection (a new one after the
server cuts a stream).

usage: py_client.py --base https://127.0.0.1:PORT --cafile CERT --ledger FILE
         [--key KEY] [--prompt TEXT] [--wait-file PATH]
The key and the prompt may come from LLM_API_KEY and LLM_PROMPT instead
(not on the command line).
--wait-file: make one call, then wait until PATH exists (the tracer attaches
meanwhile, the connection staying open), then make the rest; the ledger
marks the calls made before the file appeared with "before_attach": true.
"""
import argparse
import gzip
import http.client
import json
import os
import ssl
import sys
import time
import urllib.parse

ap = argparse.ArgumentParser()
ap.add_argument("--base", required=True)
ap.add_argument("--cafile", required=True)
ap.add_argument("--ledger", required=True)
ap.add_argument("--key", default=os.environ.get("LLM_API_KEY", "sk-test-not-a-real-key"))
ap.add_argument("--prompt", default=os.environ.get("LLM_PROMPT", "Say hello."))
ap.add_argument("--wait-file")
args = ap.parse_args()

url = urllib.parse.urlsplit(args.base)
ctx = ssl.create_default_context(cafile=args.cafile)
ctx.set_alpn_protocols(["http/1.1"])
conn = None
ledger = []
phase_before = bool(args.wait_file)


def connection():
    global conn
    if conn is None:
        conn = http.client.HTTPSConnection(url.hostname, url.port, context=ctx, timeout=60)
    return conn


def sse_events(resp):
    """(event, data) pairs of a text/event-stream response, read as it comes."""
    event, data = None, []
    for raw in resp:
        line = raw.decode("utf-8").rstrip("\r\n")
        if not line:
            if data:
                yield event or "message", "\n".join(data)
            event, data = None, []
        elif line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].lstrip(" "))


def call(provider, operation, path, body, scenario="ok", compressed=False):
    global conn
    e = {"client": "python", "provider": provider, "operation": operation, "model": body["model"],
         "stream": bool(body.get("stream")), "scenario": scenario, "status": 0, "error": False,
         "response_model": None, "input_tokens": None, "output_tokens": None}
    if phase_before:
        e["before_attach"] = True
    ledger.append(e)
    headers = {"Content-Type": "application/json", "x-mock-scenario": scenario}
    if provider == "openai":
        headers["Authorization"] = f"Bearer {args.key}"
    else:
        headers["x-api-key"] = args.key
        headers["anthropic-version"] = "2023-06-01"
    if compressed:
        headers["Accept-Encoding"] = "gzip"
    try:
        c = connection()
        c.request("POST", path, body=json.dumps(body), headers=headers)
        resp = c.getresponse()
        e["status"] = resp.status
        if resp.status != 200:
            resp.read()
            e["error"] = True
            return
        if e["stream"]:
            ended = False  # the API's own end of stream: [DONE], message_stop
            for name, data in sse_events(resp):
                if data == "[DONE]":
                    ended = True
                    continue
                j = json.loads(data)
                if provider == "openai":
                    e["response_model"] = j.get("model", e["response_model"])
                    if j.get("usage"):
                        e["input_tokens"] = j["usage"]["prompt_tokens"]
                        e["output_tokens"] = j["usage"]["completion_tokens"]
                elif j["type"] == "message_start":
                    e["response_model"] = j["message"]["model"]
                    e["input_tokens"] = j["message"]["usage"]["input_tokens"]
                    e["output_tokens"] = j["message"]["usage"]["output_tokens"]
                elif j["type"] == "message_delta":
                    e["output_tokens"] = j["usage"]["output_tokens"]
                elif j["type"] == "message_stop":
                    ended = True
            if not ended:
                raise http.client.IncompleteRead(b"", None)
            return
        raw = resp.read()
        if resp.getheader("Content-Encoding") == "gzip":
            raw = gzip.decompress(raw)
        j = json.loads(raw)
        e["response_model"] = j["model"]
        u = j["usage"]
        e["input_tokens"] = u.get("prompt_tokens", u.get("input_tokens"))
        e["output_tokens"] = u.get("completion_tokens", u.get("output_tokens"))
    except (http.client.HTTPException, OSError, ValueError) as err:
        e["error"] = True
        e["error_name"] = type(err).__name__
        if conn:
            conn.close()
        conn = None


msgs = [{"role": "user", "content": args.prompt}]
call("openai", "chat", "/v1/chat/completions", {"model": "gpt-4o-mini", "messages": msgs, "max_tokens": 64})
if args.wait_file:
    while not os.path.exists(args.wait_file):
        time.sleep(0.05)
    phase_before = False
call("openai", "chat", "/v1/chat/completions",
     {"model": "gpt-4o-mini", "messages": msgs, "stream": True, "stream_options": {"include_usage": True}})
call("openai", "chat", "/v1/chat/completions", {"model": "gpt-4o", "messages": msgs}, "gzip", compressed=True)
call("anthropic", "chat", "/v1/messages", {"model": "claude-3-5-haiku-latest", "max_tokens": 100, "messages": msgs})
call("anthropic", "chat", "/v1/messages",
     {"model": "claude-haiku-4-5", "max_tokens": 100, "messages": msgs, "stream": True})
call("openai", "chat", "/v1/chat/completions", {"model": "gpt-4o-mini", "messages": msgs}, "401")
call("anthropic", "chat", "/v1/messages", {"model": "claude-haiku-4-5", "max_tokens": 10, "messages": msgs}, "429")
call("openai", "chat", "/v1/chat/completions", {"model": "gpt-4o", "messages": msgs}, "500")
call("openai", "chat", "/v1/chat/completions", {"model": "gpt-4o-mini", "messages": msgs, "stream": True}, "cut")
call("openai", "embeddings", "/v1/embeddings", {"model": "text-embedding-3-small", "input": args.prompt})
if conn:
    conn.close()
with open(args.ledger, "w") as f:
    json.dump({"client": "python", "calls": ledger}, f, indent=1)
bad = [e for e in ledger if e["error"] and e["scenario"] not in ("401", "429", "500", "cut")]
if bad:
    print("py_client: unexpected failures:", json.dumps(bad), file=sys.stderr)
    sys.exit(1)
