// A small agent, written the ordinary way and knowing nothing of the tracer:
// for a few seconds it takes ticket after ticket, asks the model what to do
// (npm `openai`, chat completions streamed, with the tools of its MCP
// server), calls the tools the model asks for on the MCP server it spawned
// over stdio (npm `@modelcontextprotocol/sdk`), sends the results back, and
// streams the model's final answer to stdout.
//
// It keeps a ledger of what its SDKs reported, the ground truth `make demo`
// compares the tracer's export with (tools/agent-demo/check_demo.sh):
//   DIR/llm.json  every chat request: model, stream, status, the response
//                 model and the token usage the SDK read back
//                 (tests/llm/check_llm_ledger.py's format)
//   DIR/mcp.json  every JSON-RPC request the MCP client sent and what came
//                 back, read off its transport (tests/mcp/check_mcp_ledger.py's)
//   DIR/git.txt   one "OP EXIT_CODE" line per git worktree command the
//                 git_worktree tool reported (tests/e2e/check_git_ledger.py's)
//
//   OPENAI_BASE_URL=https://127.0.0.1:PORT/v1 OPENAI_API_KEY=... \
//   node agent.mjs --repo DIR --ledger-dir DIR [--seconds S] [--model M]
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import OpenAI from "openai";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

const here = dirname(fileURLToPath(import.meta.url));
const arg = (name, fallback = null) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const repo = arg("--repo");
const ledgerDir = arg("--ledger-dir");
const seconds = Number(arg("--seconds", "4"));
const model = arg("--model", "gpt-4o-mini");
if (!repo || !ledgerDir || !(seconds > 0)) {
  console.error("usage: node agent.mjs --repo DIR --ledger-dir DIR [--seconds S] [--model M]");
  process.exit(2);
}

// ---- the ledger ------------------------------------------------------------
const llmCalls = [];
const gitOps = [];
const mcp = {
  ledger: "mcp", sdk: "typescript", transport: "pipe", client_pid: process.pid, server_pid: null,
  protocol_version: null, session_id: null, requests: [], notifications_sent: {}, notifications_received: {},
};

// Every JSON-RPC message the MCP client sends and receives, as its
// transport sees it: request ids are the SDK's own.
function watch(transport) {
  const byId = new Map();
  const key = (id) => `${typeof id}:${id}`;
  const send = transport.send.bind(transport);
  transport.send = (msg, opts) => {
    if (msg.method && msg.id !== undefined) {
      const p = msg.params ?? {};
      const e = { id: msg.id, method: msg.method, tool: msg.method === "tools/call" ? p.name : null,
        prompt: null, uri: null, outcome: null, error_code: null };
      mcp.requests.push(e);
      byId.set(key(msg.id), e);
    } else if (msg.method) {
      mcp.notifications_sent[msg.method] = (mcp.notifications_sent[msg.method] ?? 0) + 1;
    }
    return send(msg, opts);
  };
  let inner;
  const wrapped = (msg, extra) => {
    const e = msg.id !== undefined && !msg.method ? byId.get(key(msg.id)) : null;
    if (e && msg.error) {
      e.outcome = "rpc_error";
      e.error_code = msg.error.code;
    } else if (e) {
      e.outcome = msg.result?.isError === true ? "tool_error" : "ok";
      if (e.method === "initialize") mcp.protocol_version = msg.result.protocolVersion;
    } else if (msg.method && msg.id === undefined) {
      mcp.notifications_received[msg.method] = (mcp.notifications_received[msg.method] ?? 0) + 1;
    }
    inner?.(msg, extra);
  };
  Object.defineProperty(transport, "onmessage", {
    get: () => (inner ? wrapped : undefined),
    set: (fn) => { inner = fn; },
    configurable: true,
  });
  return transport;
}

// ---- the agent ---------------------------------------------------------------
// maxRetries 0: one ledger entry is one HTTP request (a retry the SDK made
// on its own would be a call the ledger does not know of).
const openai = new OpenAI({ maxRetries: 0, timeout: 30000 });
const transport = watch(new StdioClientTransport({
  command: process.execPath, args: [join(here, "tools_server.mjs"), "--repo", repo], stderr: "inherit",
}));
const mcpClient = new Client({ name: "agent-demo", version: "1.0.0" });
await mcpClient.connect(transport);
mcp.server_pid = transport.pid;
const { tools } = await mcpClient.listTools();
const openaiTools = tools.map((t) => ({
  type: "function", function: { name: t.name, description: t.description, parameters: t.inputSchema },
}));

// One streamed chat request; what the SDK read back goes into the ledger.
async function ask(messages, onText) {
  const e = { client: "agent", provider: "openai", operation: "chat", model, stream: true, scenario: "ok",
    status: 0, error: false, response_model: null, input_tokens: null, output_tokens: null };
  llmCalls.push(e);
  const calls = [];
  let content = "";
  try {
    const stream = await openai.chat.completions.create({
      model, messages, tools: openaiTools, stream: true, stream_options: { include_usage: true },
    });
    e.status = 200;
    for await (const chunk of stream) {
      e.response_model = chunk.model;
      if (chunk.usage) {
        e.input_tokens = chunk.usage.prompt_tokens;
        e.output_tokens = chunk.usage.completion_tokens;
      }
      const delta = chunk.choices[0]?.delta ?? {};
      if (delta.content) {
        content += delta.content;
        onText(delta.content);
      }
      for (const t of delta.tool_calls ?? []) {
        const c = (calls[t.index] ??= { id: "", type: "function", function: { name: "", arguments: "" } });
        if (t.id) c.id = t.id;
        if (t.function?.name) c.function.name += t.function.name;
        if (t.function?.arguments) c.function.arguments += t.function.arguments;
      }
    }
  } catch (err) {
    e.error = true;
    if (typeof err.status === "number") e.status = err.status;
    throw err;
  }
  return { content, calls };
}

// One ticket: ask, run the tools asked for (one after the other), answer.
async function work(ticket) {
  const messages = [
    { role: "system", content: "You are a coding agent. Use the tools to prepare a workspace for the ticket." },
    { role: "user", content: `Work on ticket ${ticket}: look it up, make a git worktree for it, then clean up.` },
  ];
  const done = [];
  process.stdout.write(`ticket ${ticket}: `);
  for (;;) {
    const { content, calls } = await ask(messages, (t) => process.stdout.write(t));
    if (!calls.length) {
      process.stdout.write(`  [tools: ${done.join(", ")}]\n`);
      return;
    }
    messages.push({ role: "assistant", content: content || null, tool_calls: calls });
    for (const c of calls) {
      const r = await mcpClient.callTool({ name: c.function.name, arguments: JSON.parse(c.function.arguments) });
      const out = r.content.map((x) => x.text ?? "").join("");
      if (c.function.name === "git_worktree") {
        try {
          const g = JSON.parse(out);
          gitOps.push(`${g.op} ${g.exit_code}`);
        } catch { /* not a git result: the tool failed before running git */ }
      }
      done.push(`${c.function.name}${r.isError ? " (failed)" : ""}`);
      messages.push({ role: "tool", tool_call_id: c.id, content: out });
    }
  }
}

const deadline = Date.now() + seconds * 1000;
let ticket = 0;
let failed = null;
try {
  do await work(++ticket); while (Date.now() < deadline);
} catch (err) {
  failed = err;
}
await mcpClient.close();
mkdirSync(ledgerDir, { recursive: true });
writeFileSync(join(ledgerDir, "llm.json"), JSON.stringify({ client: "agent", calls: llmCalls }, null, 1));
writeFileSync(join(ledgerDir, "mcp.json"), JSON.stringify(mcp, null, 1));
writeFileSync(join(ledgerDir, "git.txt"), gitOps.map((l) => `${l}\n`).join(""));
const toolErrors = mcp.requests.filter((r) => r.outcome === "tool_error").length;
console.log(`agent: ${ticket} tickets, ${llmCalls.length} LLM calls, ` +
  `${mcp.requests.filter((r) => r.method === "tools/call").length} MCP tool calls (${toolErrors} failed), ` +
  `${gitOps.length} git worktree commands`);
if (failed) {
  console.error(`agent: stopped: ${failed.message}`);
  process.exit(1);
}
