// The demo agent's MCP server (official TypeScript SDK, stdio), spawned by
// agent.mjs. Its tools:
//   git_worktree {action: add|remove, branch}: `git worktree add -b BRANCH`
//       or `git worktree remove` in a scratch repository (--repo DIR, made
//       here if missing); the result says the command and its exit code, and
//       is an error (isError) when git failed;
//   lookup_ticket {id}: a ticket's title; every ticket whose id is 3 modulo 4
//       makes the tool throw (the ticket service "timed out"), which the SDK
//       answers with isError: true: a tool that fails now and then.
// Nothing here knows about the tracer.
//
//   node tools_server.mjs --repo DIR
import { execFile } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { z } from "zod";

const i = process.argv.indexOf("--repo");
if (i < 0 || !process.argv[i + 1]) {
  console.error("usage: node tools_server.mjs --repo DIR");
  process.exit(2);
}
const repo = process.argv[i + 1];
const worktrees = `${repo}.worktrees`;

// git ARGS...: {code, stderr}; never throws (a failed command is a result).
function git(...args) {
  return new Promise((resolve) => {
    execFile("git", ["-C", repo, ...args], (err, _stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stderr: String(stderr).trim() });
    });
  });
}

// A repository with one commit, so that worktrees can branch off it.
async function scratchRepo() {
  if (existsSync(join(repo, ".git"))) return;
  mkdirSync(repo, { recursive: true });
  for (const args of [["init", "-q", "-b", "main"],
    ["-c", "user.name=agent-demo", "-c", "user.email=agent-demo@example.invalid",
      "commit", "-q", "--allow-empty", "-m", "scratch repository of the agent demo"]]) {
    const r = await git(...args);
    if (r.code !== 0) throw new Error(`git ${args[0]} in ${repo} failed (exit ${r.code}): ${r.stderr}`);
  }
}

const text = (t, isError = false) => ({ content: [{ type: "text", text: t }], ...(isError ? { isError } : {}) });
const server = new McpServer({ name: "agent-demo-tools", version: "1.0.0" });

server.tool(
  "git_worktree",
  "Add or remove a git worktree for a branch in the scratch repository",
  { action: z.enum(["add", "remove"]), branch: z.string().regex(/^[A-Za-z0-9._-]+$/) },
  async ({ action, branch }) => {
    const path = join(worktrees, branch);
    const args = action === "add" ? ["worktree", "add", "-q", "-b", branch, path] : ["worktree", "remove", "--force", path];
    const r = await git(...args);
    const result = { op: action, branch, path, exit_code: r.code };
    if (r.code !== 0) result.stderr = r.stderr;
    return text(JSON.stringify(result), r.code !== 0);
  },
);

server.tool("lookup_ticket", "Look a ticket up in the tracker", { id: z.number().int() }, async ({ id }) => {
  if (id % 4 === 3) throw new Error(`ticket service timed out looking up ticket ${id}`);
  return text(JSON.stringify({ id, title: `Ticket ${id}: the build is red on main`, status: "open" }));
});

await scratchRepo();
await server.connect(new StdioServerTransport());
