// What the "model" decides, for the LLM mock (tests/llm/mock.js --script
// this file): the tool calls it answers a chat request that offers tools
// with, read off the conversation as a model would. For a task naming a
// ticket ("ticket 7"), the demo agent's tools (tools_server.mjs):
//   round 1: lookup_ticket {id} and git_worktree {action: add, branch}
//   round 2: git_worktree {action: remove, branch} (the worktree is done with)
//   then:    null, the answer in text.
// A conversation this script does not recognise gets a text answer.
'use strict';

function toolCalls(body) {
	const msgs = body.messages || [];
	const offered = new Set((body.tools || []).map((t) => t.function && t.function.name));
	let user = -1;
	msgs.forEach((m, i) => {
		if (m.role === 'user') user = i;
	});
	const task = user >= 0 && typeof msgs[user].content === 'string' ? msgs[user].content : '';
	const ticket = /ticket (\d+)/.exec(task);
	if (!ticket || !offered.has('git_worktree') || !offered.has('lookup_ticket')) return null;
	const id = Number(ticket[1]);
	const branch = `fix-${id}`;
	const round = msgs.slice(user + 1).filter((m) => m.role === 'assistant' && m.tool_calls).length;
	const call = (n, name, args) => ({ id: `call_${id}_${round}_${n}`, type: 'function',
		function: { name, arguments: JSON.stringify(args) } });
	if (round === 0)
		return [call(0, 'lookup_ticket', { id }), call(1, 'git_worktree', { action: 'add', branch })];
	if (round === 1)
		return [call(0, 'git_worktree', { action: 'remove', branch })];
	return null;
}

module.exports = { toolCalls };
