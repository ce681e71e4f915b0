// An MCP client on the official TypeScript SDK that talks to server.mjs —
// spawned over stdio, or over Streamable HTTP — and writes a ledger of
// every JSON-RPC request it sent and what came back, read off its own
// transport: the ground truth the tracer's export is compared with
// (check_mcp_ledger.py).
//
//   node client.mjs --stdio --ledger F [--calls N] [--big BYTES]
//   node client.mjs --http URL --server-pid PID --ledger F [--calls N] [--big BYTES]
//
// The session: initialize, tools/list, N rounds of echo + add, tools that
// fail (isError), an unknown tool, five calls in flight at once (slow ones
// answered out of order), resources/read (two found, one not: a JSON-RPC
// error), prompts/get (found and not), an unknown method (-32601), ping,
// optionally one BYTES-long result, then close (HTTP: DELETE the session).
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { EmptyResultSchema } from "@modelcontextprotocol/sdk/types.js";

const here = dirname(fileURLToPath(import.meta.url));

function arg(name, fallback = null) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const ledgerPath = arg("--ledger");
if (!ledgerPath || !(process.argv.includes("--stdio") || arg("--http"))) {
  console.error("usage: node client.mjs (--stdio | --http URL --server-pid PID) --ledger F [--calls N] [--big BYTES]");
  process.exit(2);
}
const calls = Number(arg("--calls", "20"));
const big = Number(arg("--big", "0"));

const ledger = {
  ledger: "mcp",
  sdk: "typescript",
  transport: process.argv.includes("--stdio") ? "pipe" : "tcp",
  client_pid: process.pid,
  server_pid: null,
  protocol_version: null,
  session_id: null,
  requests: [],
  notifications_sent: {},
  notifications_received: {},
};
const byId = new Map();

// Every message the client sends and receives, as the transport sees it.
function watch(transport) {
  const send = transport.send.bind(transport);
  transport.send = (msg, opts) => {
    if (msg.method && msg.id !== undefined) {
      const p = msg.params ?? {};
      const entry = {
        id: msg.id,
        id_type: typeof msg.id === "number" ? "number" : "string",
        method: msg.method,
        tool: msg.method === "tools/call" ? p.name : null,
        prompt: msg.method === "prompts/get" ? p.name : null,
        uri: msg.method.startsWith("resources/") && p.uri ? p.uri : null,
        outcome: null,
        error_code: null,
      };
      ledger.requests.push(entry);
      byId.set(`${entry.id_type}:${msg.id}`, entry);
    } else if (msg.method) {
      ledger.notifications_sent[msg.method] = (ledger.notifications_sent[msg.method] ?? 0) + 1;
    }
    return send(msg, opts);
  };
  let inner;
  const wrapped = (msg, extra) => {
    if (msg.id !== undefined && !msg.method) {
      const entry = byId.get(`${typeof msg.id === "number" ? "number" : "string"}:${msg.id}`);
      if (entry) {
        if (msg.error) {
          entry.outcome = "rpc_error";
          entry.error_code = msg.error.code;
        } else {
          entry.outcome = msg.result?.isError === true ? "tool_error" : "ok";
          if (entry.method === "initialize") ledger.protocol_version = msg.result.protocolVersion;
        }
      }
    } else if (msg.method && msg.id === undefined) {
      ledger.notifications_received[msg.method] = (ledger.notifications_received[msg.method] ?? 0) + 1;
    }
    inner?.(msg, extra);
  };
  Object.defineProperty(transport, "onmessage", {
    get: () => (inner ? wrapped : undefined),
    set: (fn) => {
      inner = fn;
    },
    configurable: true,
  });
  return transport;
}

// A call that may fail: the ledger has what came back either way.
async function tryCall(promise) {
  try {
    return await promise;
  } catch {
    return null;
  }
}

let transport;
if (process.argv.includes("--stdio")) {
  transport = new StdioClientTransport({ command: process.execPath, args: [join(here, "server.mjs"), "--stdio"] });
} else {
  transport = new StreamableHTTPClientTransport(new URL(arg("--http")));
  ledger.server_pid = Number(arg("--server-pid"));
}
const client = new Client({ name: "mcp-bpftrace-test-client", version: "1.0.0" });
await client.connect(watch(transport));
if (ledger.transport === "pipe") ledger.server_pid = transport.pid;
ledger.session_id = transport.sessionId ?? null;

await client.listTools();
for (let i = 0; i < calls; i++) {
  await client.callTool({ name: "echo", arguments: { text: `hello ${i}` } });
  await client.callTool({ name: "add", arguments: { a: i, b: 2 * i } });
}
await client.callTool({ name: "fail", arguments: {} });
await client.callTool({ name: "fail", arguments: {} });
await tryCall(client.callTool({ name: "no_such_tool", arguments: {} }));
await Promise.all([
  client.callTool({ name: "slow", arguments: { ms: 60 } }),
  client.callTool({ name: "slow", arguments: { ms: 20 } }),
  client.callTool({ name: "slow", arguments: { ms: 40 } }),
  client.callTool({ name: "echo", arguments: { text: "in flight" } }),
  client.callTool({ name: "add", arguments: { a: 1, b: 1 } }),
]);
await client.readResource({ uri: "mem://greeting" });
await client.readResource({ uri: "mem://notes/7" });
await tryCall(client.readResource({ uri: "mem://nope" }));
await client.getPrompt({ name: "summarize", arguments: { topic: "the ledger" } });
await tryCall(client.getPrompt({ name: "no_such_prompt", arguments: {} }));
await tryCall(client.request({ method: "tools/frobnicate", params: {} }, EmptyResultSchema));
await client.ping();
if (big > 0) await client.callTool({ name: "big", arguments: { bytes: big } });

if (ledger.transport === "tcp") await tryCall(transport.terminateSession());
await client.close();
const missing = ledger.requests.filter((r) => r.outcome === null);
writeFileSync(ledgerPath, JSON.stringify(ledger, null, 1) + "\n");
if (missing.length) {
  console.error(`client.mjs: ${missing.length} requests got no response`);
  process.exit(1);
}
