// Node.js 20 client of the mock through the real SDKs (npm `openai` and
// `@anthropic-ai/sdk`, TLS in the node binary's own OpenSSL), writing a
// ledger of what the SDKs returned: one entry per HTTP request (retries
// off), with the status, the model, the usage and whether it failed.
//
// usage: node node_client.mjs --base https://127.0.0.1:PORT --ledger FILE
//          [--mode sequential|concurrent] [--key API_KEY] [--prompt TEXT]
// The key and the prompt may come from LLM_API_KEY and LLM_PROMPT instead
// (not on the command line).
// NODE_EXTRA_CA_CERTS must name the mock's certificate.
import fs from 'node:fs';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
const key = args.key || process.env.LLM_API_KEY || 'sk-test-not-a-real-key';
const prompt = args.prompt || process.env.LLM_PROMPT || 'Say hello.';
const openai = new OpenAI({ apiKey: key, baseURL: `${args.base}/v1`, maxRetries: 0, timeout: 60000 });
const anthropic = new Anthropic({ apiKey: key, baseURL: args.base, maxRetries: 0, timeout: 60000 });
const ledger = [];

function entry(provider, operation, model, stream, scenario) {
	const e = { client: 'node', provider, operation, model, stream, scenario, status: 0, error: false,
		response_model: null, input_tokens: null, output_tokens: null };
	ledger.push(e);
	return e;
}

function failed(e, err) {
	e.error = true;
	e.status = typeof err.status === 'number' ? err.status : e.status;
	e.error_name = err.constructor ? err.constructor.name : 'Error';
}

const opts = (scenario) => ({ headers: { 'x-mock-scenario': scenario } });
const messages = [{ role: 'user', content: prompt }];

async function chat(model, stream, scenario = 'ok') {
	const e = entry('openai', 'chat', model, stream, scenario);
	try {
		if (!stream) {
			const r = await openai.chat.completions.create({ model, messages, max_tokens: 64, temperature: 0.2 }, opts(scenario));
			e.status = 200;
			e.response_model = r.model;
			e.input_tokens = r.usage.prompt_tokens;
			e.output_tokens = r.usage.completion_tokens;
			return;
		}
		const s = await openai.chat.completions.create({ model, messages, stream: true, stream_options: { include_usage: true } },
			opts(scenario));
		e.status = 200;
		for await (const chunk of s) {
			e.response_model = chunk.model;
			if (chunk.usage) {
				e.input_tokens = chunk.usage.prompt_tokens;
				e.output_tokens = chunk.usage.completion_tokens;
			}
		}
	} catch (err) {
		failed(e, err);
	}
}

async function responses(model, stream) {
	const e = entry('openai', 'chat', model, stream, 'ok');
	try {
		if (!stream) {
			const r = await openai.responses.create({ model, input: prompt, max_output_tokens: 64 });
			e.status = 200;
			e.response_model = r.model;
			e.input_tokens = r.usage.input_tokens;
			e.output_tokens = r.usage.output_tokens;
			return;
		}
		const s = await openai.responses.create({ model, input: prompt, stream: true });
		e.status = 200;
		for await (const ev of s) {
			if (ev.type === 'response.completed') {
				e.response_model = ev.response.model;
				e.input_tokens = ev.response.usage.input_tokens;
				e.output_tokens = ev.response.usage.output_tokens;
			}
		}
	} catch (err) {
		failed(e, err);
	}
}

async function embeddings(model) {
	const e = entry('openai', 'embeddings', model, false, 'ok');
	try {
		const r = await openai.embeddings.create({ model, input: prompt });
		e.status = 200;
		e.response_model = r.model;
		e.input_tokens = r.usage.prompt_tokens;
	} catch (err) {
		failed(e, err);
	}
}

async function messagesCall(model, stream, scenario = 'ok') {
	const e = entry('anthropic', 'chat', model, stream, scenario);
	try {
		if (!stream) {
			const r = await anthropic.messages.create({ model, max_tokens: 256, messages }, opts(scenario));
			e.status = 200;
			e.response_model = r.model;
			e.input_tokens = r.usage.input_tokens;
			e.output_tokens = r.usage.output_tokens;
			return;
		}
		const s = await anthropic.messages.create({ model, max_tokens: 256, messages, stream: true }, opts(scenario));
		e.status = 200;
		for await (const ev of s) {
			if (ev.type === 'message_start') {
				e.response_model = ev.message.model;
				e.input_tokens = ev.message.usage.input_tokens;
				e.output_tokens = ev.message.usage.output_tokens;
			} else if (ev.type === 'message_delta' && ev.usage) {
				e.output_tokens = ev.usage.output_tokens;
			}
		}
	} catch (err) {
		failed(e, err);
	}
}

async function sequential() {
	await chat('gpt-4o-mini', false);
	await chat('gpt-4o-mini', true);
	await chat('gpt-4o', false, 'gzip');
	await chat('gpt-4o', true, 'br');
	await responses('gpt-4.1', false);
	await responses('gpt-4.1', true);
	await embeddings('text-embedding-3-small');
	await chat('gpt-4o-mini', false, '401');
	await chat('gpt-4o-mini', false, '429');
	await chat('gpt-4o', true, '500');
	await chat('gpt-4o-mini', true, 'cut');
	await chat('gpt-4o-mini', true, 'big');
	await messagesCall('claude-3-5-haiku-latest', false);
	await messagesCall('claude-haiku-4-5', true);
	await messagesCall('claude-haiku-4-5', false, 'br');
	await messagesCall('claude-3-5-haiku-latest', false, '429');
	await messagesCall('claude-3-5-haiku-latest', true, 'cut');
	await messagesCall('claude-haiku-4-5', true, 'big');
}

async function concurrent() {
	const calls = [];
	for (let i = 0; i < 8; i++) calls.push(chat(i % 2 ? 'gpt-4o' : 'gpt-4o-mini', i % 3 === 0, i % 4 === 1 ? 'gzip' : 'ok'));
	for (let i = 0; i < 4; i++) calls.push(messagesCall('claude-3-5-haiku-latest', i % 2 === 0));
	calls.push(chat('gpt-4o-mini', false, '429'));
	await Promise.all(calls);
	// a second wave on the connections the first one left open (keep-alive)
	const wave = [];
	for (let i = 0; i < 6; i++) wave.push(chat('gpt-4o-mini', i % 2 === 0));
	await Promise.all(wave);
}

await (args.mode === 'concurrent' ? concurrent() : sequential());
fs.writeFileSync(args.ledger, JSON.stringify({ client: `node-${args.mode || 'sequential'}`, calls: ledger }, null, 1));
const bad = ledger.filter((e) => e.error && !['401', '429', '500', 'cut'].includes(e.scenario));
if (bad.length) {
	console.error('node_client: unexpected failures:', JSON.stringify(bad));
	process.exit(1);
}
