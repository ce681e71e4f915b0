// A local HTTPS mock of the OpenAI and Anthropic APIs for the tls source's
// end-to-end test. Answers are scripted by the request's x-mock-scenario
// header: ok (default), gzip, br (compressed bodies and streams), 401, 429,
// 500, cut (a stream closed by the server after two events), big (a stream
// of more than 5 MB whose usage is in its last event). Usage numbers come
// from a request counter, so every answer differs; the clients' ledgers
// record what their SDKs read back.
//
// usage: node mock.js --cert CERT --key KEY --port-file FILE [--port N] [--script FILE]
// It never prints a header value or a request body.
'use strict';
const https = require('node:https');
const fs = require('node:fs');
const zlib = require('node:zlib');

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
// --script FILE: a module whose toolCalls(body) scripts the tool calls a chat
// request that offers tools is answered with (tools/agent-demo/model_script.cjs);
// it returns null when the model should answer in text.
const script = args.script ? require(require('node:path').resolve(args.script)) : null;

let seq = 0;
const usage = () => {
	seq++;
	return { input: 10 + ((seq * 7) % 90), output: 3 + ((seq * 13) % 50) };
};
// A dated snapshot for some models, as the real APIs answer.
const SNAPSHOTS = { 'gpt-4o-mini': 'gpt-4o-mini-2024-07-18', 'claude-3-5-haiku-latest': 'claude-3-5-haiku-20241022' };
const answerModel = (m) => SNAPSHOTS[m] || m;

function errorBody(api, status) {
	if (api === 'anthropic') {
		const type = { 401: 'authentication_error', 429: 'rate_limit_error', 500: 'api_error' }[status];
		return { type: 'error', error: { type, message: `mock ${status}` } };
	}
	const type = { 401: 'invalid_request_error', 429: 'rate_limit_exceeded', 500: 'server_error' }[status];
	return { error: { message: `mock ${status}`, type, code: status === 401 ? 'invalid_api_key' : null } };
}

// The body or stream writer, compressed as the scenario says.
function start(res, status, ctype, scenario) {
	const headers = { 'content-type': ctype, 'x-request-id': `req_${seq}` };
	let out = res;
	if (scenario === 'gzip' || scenario === 'br') {
		headers['content-encoding'] = scenario;
		out = scenario === 'gzip' ? zlib.createGzip() : zlib.createBrotliCompress();
		out.pipe(res);
	}
	res.writeHead(status, headers);
	return {
		write(s) {
			out.write(s);
			if (out.flush) out.flush(); // each event leaves at once, as a real stream
		},
		end(s) {
			out.end(s);
		},
	};
}

function openaiChat(req, body, scenario, res) {
	const u = usage();
	const model = answerModel(body.model);
	const id = `chatcmpl-${seq}`;
	const calls = script && body.tools ? script.toolCalls(body) : null;
	if (!body.stream) {
		const w = start(res, 200, 'application/json', scenario);
		const message = calls ? { role: 'assistant', content: null, tool_calls: calls }
			: { role: 'assistant', content: 'Hello from the mock.' };
		w.end(JSON.stringify({
			id, object: 'chat.completion', created: 1700000000, model,
			choices: [{ index: 0, message, finish_reason: calls ? 'tool_calls' : 'stop' }],
			usage: { prompt_tokens: u.input, completion_tokens: u.output, total_tokens: u.input + u.output },
		}));
		return;
	}
	const w = start(res, 200, 'text/event-stream', scenario);
	const chunk = (delta, finish, extra) => `data: ${JSON.stringify({
		id, object: 'chat.completion.chunk', created: 1700000000, model,
		choices: delta === null ? [] : [{ index: 0, delta, finish_reason: finish }], ...extra })}\n\n`;
	w.write(chunk({ role: 'assistant', content: calls ? null : '' }, null));
	// a tool call streams as the API does: name and id first, then its arguments
	(calls || []).forEach((c, index) => {
		w.write(chunk({ tool_calls: [{ index, id: c.id, type: 'function', function: { name: c.function.name, arguments: '' } }] }, null));
		w.write(chunk({ tool_calls: [{ index, function: { arguments: c.function.arguments } }] }, null));
	});
	const n = calls ? 0 : scenario === 'big' ? 60000 : 3;
	const piece = scenario === 'big' ? 'x'.repeat(40) : 'word ';
	for (let i = 0; i < n; i++) {
		if (scenario === 'cut' && i === 1) {
			res.socket.end(); // TLS close_notify, then FIN: the stream is cut
			return;
		}
		w.write(chunk({ content: piece }, null));
	}
	w.write(chunk({}, calls ? 'tool_calls' : 'stop'));
	if (body.stream_options && body.stream_options.include_usage)
		w.write(chunk(null, null, { usage: { prompt_tokens: u.input, completion_tokens: u.output, total_tokens: u.input + u.output } }));
	w.end('data: [DONE]\n\n');
}

function openaiResponses(req, body, scenario, res) {
	const u = usage();
	const model = answerModel(body.model);
	const resp = (status, usageObj) => ({ id: `resp_${seq}`, object: 'response', model, status, output: [], usage: usageObj });
	const done = { input_tokens: u.input, output_tokens: u.output, total_tokens: u.input + u.output };
	if (!body.stream) {
		const r = resp('completed', done);
		r.output = [{ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Hi there', annotations: [] }] }];
		start(res, 200, 'application/json', scenario).end(JSON.stringify(r));
		return;
	}
	const w = start(res, 200, 'text/event-stream', scenario);
	const ev = (type, data) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
	w.write(ev('response.created', { response: resp('in_progress', null) }));
	w.write(ev('response.output_text.delta', { item_id: 'm', output_index: 0, content_index: 0, delta: 'Hi' }));
	w.write(ev('response.output_text.delta', { item_id: 'm', output_index: 0, content_index: 0, delta: ' there' }));
	w.end(ev('response.completed', { response: resp('completed', done) }));
}

function openaiEmbeddings(req, body, scenario, res) {
	const u = usage();
	start(res, 200, 'application/json', scenario).end(JSON.stringify({
		object: 'list', model: body.model, data: [{ object: 'embedding', index: 0, embedding: [0.1, 0.2, 0.3] }],
		usage: { prompt_tokens: u.input, total_tokens: u.input },
	}));
}

function anthropicMessages(req, body, scenario, res) {
	const u = usage();
	const model = answerModel(body.model);
	const id = `msg_${seq}`;
	if (!body.stream) {
		start(res, 200, 'application/json', scenario).end(JSON.stringify({
			id, type: 'message', role: 'assistant', model, content: [{ type: 'text', text: 'Hello from the mock.' }],
			stop_reason: 'end_turn', stop_sequence: null, usage: { input_tokens: u.input, output_tokens: u.output },
		}));
		return;
	}
	const w = start(res, 200, 'text/event-stream', scenario);
	const ev = (type, data) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
	w.write(ev('message_start', { message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null,
		stop_sequence: null, usage: { input_tokens: u.input, output_tokens: 1 } } }));
	w.write(ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }));
	const n = scenario === 'big' ? 40000 : 2;
	for (let i = 0; i < n; i++) {
		if (scenario === 'cut' && i === 1) {
			res.socket.end();
			return;
		}
		w.write(ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: scenario === 'big' ? 'y'.repeat(60) : 'Hello ' } }));
	}
	w.write(ev('content_block_stop', { index: 0 }));
	w.write(ev('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: u.output } }));
	w.end(ev('message_stop', {}));
}

const routes = [
	[/\/chat\/completions$/, 'openai', openaiChat],
	[/\/responses$/, 'openai', openaiResponses],
	[/\/embeddings$/, 'openai', openaiEmbeddings],
	[/\/messages$/, 'anthropic', anthropicMessages],
];

const server = https.createServer({ cert: fs.readFileSync(args.cert), key: fs.readFileSync(args.key) }, (req, res) => {
	const chunks = [];
	req.on('data', (c) => chunks.push(c));
	req.on('end', () => {
		const path = req.url.split('?')[0];
		const route = routes.find(([re]) => re.test(path));
		if (req.method !== 'POST' || !route) {
			res.writeHead(404, { 'content-type': 'application/json' });
			res.end('{"error":{"message":"not found","type":"not_found"}}');
			return;
		}
		const [, api, handler] = route;
		let body = {};
		try {
			body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
		} catch (e) {
			body = {};
		}
		const scenario = req.headers['x-mock-scenario'] || 'ok';
		const status = Number(scenario);
		if (status >= 400) {
			seq++;
			start(res, status, 'application/json', 'ok').end(JSON.stringify(errorBody(api, status)));
			return;
		}
		handler(req, body, scenario, res);
	});
});
server.keepAliveTimeout = 60000;
server.listen(Number(args.port || 0), '127.0.0.1', () => {
	const port = server.address().port;
	fs.writeFileSync(args['port-file'] + '.tmp', String(port));
	fs.renameSync(args['port-file'] + '.tmp', args['port-file']);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
