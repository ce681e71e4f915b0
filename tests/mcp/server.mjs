// An MCP server on the official TypeScript SDK (McpServer), over stdio or
// Streamable HTTP, for the mcp source's end-to-end tests. What it offers:
//   tools     echo {text}, add {a, b}, slow {ms} (answers after ms: calls
//             overlap and finish out of order), fail {} (throws: the SDK
//             answers isError: true), big {bytes} (a result that long)
//   resources mem://greeting, mem://notes/{id}
//   prompts   summarize {topic}
// The client (client.mjs) keeps the ledger; this side only serves.
//
//   node server.mjs --stdio
//   node server.mjs --http [--port N] [--port-file F] [--pid-file F] [--json-response]
import { randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { McpServer, ResourceTemplate } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { z } from "zod";

function arg(name, fallback = null) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

function makeServer() {
  const server = new McpServer({ name: "mcp-bpftrace-test-server", version: "1.0.0" });
  const text = (t) => ({ content: [{ type: "text", text: t }] });
  server.tool("echo", { text: z.string() }, async ({ text: t }) => text(t));
  server.tool("add", { a: z.number(), b: z.number() }, async ({ a, b }) => text(String(a + b)));
  server.tool("slow", { ms: z.number() }, async ({ ms }) => {
    await new Promise((r) => setTimeout(r, ms));
    return text(`slept ${ms} ms`);
  });
  server.tool("fail", {}, async () => {
    throw new Error("the tool failed on purpose");
  });
  server.tool("big", { bytes: z.number() }, async ({ bytes }) => text("x".repeat(bytes)));
  server.resource("greeting", "mem://greeting", async (uri) => ({
    contents: [{ uri: uri.href, text: "hello" }],
  }));
  server.resource("note", new ResourceTemplate("mem://notes/{id}", { list: undefined }), async (uri, { id }) => ({
    contents: [{ uri: uri.href, text: `note ${id}` }],
  }));
  server.prompt("summarize", { topic: z.string() }, ({ topic }) => ({
    messages: [{ role: "user", content: { type: "text", text: `Summarize ${topic}.` } }],
  }));
  return server;
}

if (process.argv.includes("--stdio")) {
  await makeServer().connect(new StdioServerTransport());
} else if (process.argv.includes("--http")) {
  // One transport (and McpServer) per session, as the SDK's own example does.
  const sessions = new Map();
  const json = process.argv.includes("--json-response");
  const http = createServer(async (req, res) => {
    const sid = req.headers["mcp-session-id"];
    let transport = sid ? sessions.get(sid) : undefined;
    if (!transport && req.method === "POST" && !sid) {
      transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        enableJsonResponse: json,
        onsessioninitialized: (id) => sessions.set(id, transport),
      });
      transport.onclose = () => transport.sessionId && sessions.delete(transport.sessionId);
      await makeServer().connect(transport);
    }
    if (!transport) {
      res.writeHead(404, { "content-type": "application/json" });
      res.end(JSON.stringify({ jsonrpc: "2.0", error: { code: -32000, message: "unknown session" }, id: null }));
      return;
    }
    await transport.handleRequest(req, res);
  });
  http.keepAliveTimeout = 60000;
  http.listen(Number(arg("--port", "0")), "127.0.0.1", () => {
    const port = http.address().port;
    if (arg("--port-file")) writeFileSync(arg("--port-file"), `${port}\n`);
    if (arg("--pid-file")) writeFileSync(arg("--pid-file"), `${process.pid}\n`);
  });
  const stop = () => http.close(() => process.exit(0));
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
} else {
  console.error("usage: node server.mjs --stdio | --http [--port N] [--port-file F] [--pid-file F] [--json-response]");
  process.exit(2);
}
