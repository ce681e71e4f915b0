#!/usr/bin/env node
// A test OTLP/HTTP receiver that mcp-bpftrace did not write the decoder of:
// requests are decoded with the protobufjs code the OpenTelemetry JS project
// generates from the official opentelemetry-proto .proto files (shipped in
// @opentelemetry/otlp-transformer), then written as OTLP/JSON lines in the
// protobuf JSON mapping the Collector's file exporter uses (hex ids, 64-bit
// integers as strings, enums as numbers), one line per request.
//
// Listens on 127.0.0.1 only. Faults are scripted with flags or, while it
// runs, with POST /control on the control port (JSON body):
//   {"fail": {"status": 503, "count": 3, "retryAfter": 2, "signal": "traces"}}
//       the next `count` requests (of that signal, or "any") get `status`,
//       with a Retry-After header when retryAfter is given
//   {"delayMs": 300}                      answer every request that much later
//   {"down": {"forMs": 3000}}             close the listening socket and every
//                                         open connection, listen again later
//   {"partial": {"rejected": 5, "message": "..."}}   next 2xx carries it
// GET /stats on the control port: counts so far.
//
// usage: receiver.js --out FILE [--log FILE] [--port N] [--port-file F]
//          [--control-port N] [--control-port-file F]
//          [--fail STATUS:COUNT[:RETRY_AFTER_S[:SIGNAL]]] [--delay-ms D]
//          [--down-after N --down-for-ms D] [--partial REJECTED[:MESSAGE]]
//          [--no-decode]    (a sink: answers 200 without reading the body)
'use strict';
const fs = require('fs');
const http = require('http');
const zlib = require('zlib');
const protobuf = require('protobufjs/minimal');
const root = require('@opentelemetry/otlp-transformer/build/src/generated/root');

const pb = root.opentelemetry.proto.collector;
const SIGNALS = {
  '/v1/traces': { name: 'traces', req: pb.trace.v1.ExportTraceServiceRequest,
    resp: pb.trace.v1.ExportTraceServiceResponse, partialKey: 'rejectedSpans' },
  '/v1/metrics': { name: 'metrics', req: pb.metrics.v1.ExportMetricsServiceRequest,
    resp: pb.metrics.v1.ExportMetricsServiceResponse, partialKey: 'rejectedDataPoints' },
};
const ID_KEYS = new Set(['traceId', 'spanId', 'parentSpanId']);
const TO_OBJECT = { longs: String, enums: Number, bytes: String, defaults: false, json: true };

function parseArgs(argv) {
  const a = { port: 0, controlPort: 0, delayMs: 0, fails: [], downAfter: 0, downForMs: 0, decode: true };
  for (let i = 2; i < argv.length; i++) {
    const k = argv[i], v = () => argv[++i];
    switch (k) {
      case '--out': a.out = v(); break;
      case '--log': a.log = v(); break;
      case '--port': a.port = Number(v()); break;
      case '--port-file': a.portFile = v(); break;
      case '--control-port': a.controlPort = Number(v()); break;
      case '--control-port-file': a.controlPortFile = v(); break;
      case '--fail': {
        const [status, count, retryAfter, signal] = v().split(':');
        a.fails.push({ status: Number(status), count: Number(count || 1),
          retryAfter: retryAfter === undefined || retryAfter === '' ? undefined : Number(retryAfter),
          signal: signal || 'any' });
        break;
      }
      case '--delay-ms': a.delayMs = Number(v()); break;
      case '--down-after': a.downAfter = Number(v()); break;
      case '--down-for-ms': a.downForMs = Number(v()); break;
      case '--partial': {
        const s = v(), c = s.indexOf(':');
        a.partial = c < 0 ? { rejected: Number(s), message: '' }
          : { rejected: Number(s.slice(0, c)), message: s.slice(c + 1) };
        break;
      }
      case '--no-decode': a.decode = false; break;
      case '-h': case '--help':
        process.stdout.write(fs.readFileSync(__filename, 'utf8').split('\n')
          .filter((l) => l.startsWith('//')).map((l) => l.slice(3)).join('\n') + '\n');
        process.exit(0);
      default:
        console.error(`receiver: unknown argument ${k}`);
        process.exit(2);
    }
  }
  if (!a.out && a.decode) {
    console.error('receiver: --out FILE is required');
    process.exit(2);
  }
  return a;
}

// Protobuf JSON mapping details protobufjs leaves to us: ids as lowercase
// hex (OTLP/JSON), empty ids dropped.
function fixIds(o) {
  if (Array.isArray(o)) {
    o.forEach(fixIds);
  } else if (o && typeof o === 'object') {
    for (const k of Object.keys(o)) {
      if (ID_KEYS.has(k) && typeof o[k] === 'string') {
        const hex = Buffer.from(o[k], 'base64').toString('hex');
        if (hex) o[k] = hex; else delete o[k];
      } else {
        fixIds(o[k]);
      }
    }
  }
  return o;
}

function countItems(sig, obj) {
  let n = 0;
  if (sig.name === 'traces') {
    for (const rs of obj.resourceSpans || []) for (const ss of rs.scopeSpans || []) n += (ss.spans || []).length;
  } else {
    for (const rm of obj.resourceMetrics || []) for (const sm of rm.scopeMetrics || []) {
      for (const m of sm.metrics || []) {
        const body = m.sum || m.gauge || m.histogram || m.exponentialHistogram || m.summary || {};
        n += (body.dataPoints || []).length;
      }
    }
  }
  return n;
}

function statusBody(message) {
  // google.rpc.Status { string message = 2; }, as OTLP/HTTP error bodies are.
  return Buffer.from(protobuf.Writer.create().uint32(18).string(message).finish());
}

function main() {
  const a = parseArgs(process.argv);
  const state = { fails: a.fails, delayMs: a.delayMs, partial: a.partial, requests: 0,
    bySignal: { traces: 0, metrics: 0 }, items: { traces: 0, metrics: 0 }, statuses: {},
    connections: 0, errors: 0, down: false };
  const out = a.out ? fs.openSync(a.out, 'a') : null;
  const log = a.log ? fs.openSync(a.log, 'a') : null;
  const sockets = new Set();
  let server, port = a.port;

  function logLine(o) {
    if (log !== null) fs.writeSync(log, JSON.stringify(o) + '\n');
  }

  function reply(res, status, headers, body) {
    const send = () => {
      res.writeHead(status, Object.assign({ 'Content-Length': body.length }, headers));
      res.end(body);
    };
    if (state.delayMs > 0) setTimeout(send, state.delayMs); else send();
  }

  function goDown(forMs) {
    if (state.down) return;
    state.down = true;
    logLine({ t: Date.now() / 1000, event: 'down', forMs });
    server.close();
    for (const s of sockets) s.destroy();
    setTimeout(() => {
      listen(() => {
        state.down = false;
        logLine({ t: Date.now() / 1000, event: 'up' });
      });
    }, forMs);
  }

  function handle(req, res, body, connId) {
    const t = Date.now() / 1000;
    const sig = SIGNALS[req.url.split('?')[0]];
    const entry = { t, method: req.method, path: req.url, conn: connId,
      encoding: req.headers['content-encoding'] || 'identity', bytes: body.length, headers: req.headers };
    const finish = (status, headers, respBody, extra) => {
      state.requests++;
      state.statuses[status] = (state.statuses[status] || 0) + 1;
      logLine(Object.assign(entry, { status }, extra || {}));
      reply(res, status, headers, respBody);
      if (a.downAfter && state.requests === a.downAfter) setImmediate(() => goDown(a.downForMs));
    };
    if (req.method !== 'POST' || !sig) {
      return finish(404, { 'Content-Type': 'text/plain' }, Buffer.from('not found\n'));
    }
    state.bySignal[sig.name]++;
    const fault = state.fails.find((f) => f.count > 0 && (f.signal === 'any' || f.signal === sig.name));
    if (fault) {
      fault.count--;
      const h = { 'Content-Type': 'application/x-protobuf' };
      if (fault.retryAfter !== undefined) h['Retry-After'] = String(fault.retryAfter);
      return finish(fault.status, h, statusBody(`scripted fault ${fault.status}`), { fault: true });
    }
    if (!a.decode) { // a sink for throughput measurements: no gunzip, no decode
      return finish(200, { 'Content-Type': 'application/x-protobuf' }, Buffer.alloc(0));
    }
    const ctype = (req.headers['content-type'] || '').split(';')[0].trim();
    if (ctype !== 'application/x-protobuf') {
      state.errors++;
      return finish(415, { 'Content-Type': 'application/x-protobuf' },
        statusBody(`unsupported content type '${ctype}'`));
    }
    let raw = body;
    try {
      if (entry.encoding === 'gzip') raw = zlib.gunzipSync(body);
      else if (entry.encoding !== 'identity') throw new Error(`unsupported content-encoding ${entry.encoding}`);
    } catch (e) {
      state.errors++;
      console.error(`receiver: ${req.url}: ${e.message}`);
      return finish(400, { 'Content-Type': 'application/x-protobuf' }, statusBody(e.message));
    }
    let items = 0;
    if (a.decode) {
      let obj;
      try {
        obj = fixIds(sig.req.toObject(sig.req.decode(raw), TO_OBJECT));
      } catch (e) {
        state.errors++;
        console.error(`receiver: ${req.url}: cannot decode: ${e.message}`);
        return finish(400, { 'Content-Type': 'application/x-protobuf' }, statusBody(`cannot decode: ${e.message}`));
      }
      items = countItems(sig, obj);
      fs.writeSync(out, JSON.stringify(obj) + '\n');
    }
    state.items[sig.name] += items;
    let respMsg = {};
    if (state.partial) {
      respMsg = { partialSuccess: { [sig.partialKey]: state.partial.rejected, errorMessage: state.partial.message } };
      state.partial = undefined;
    }
    const respBody = Buffer.from(sig.resp.encode(sig.resp.fromObject(respMsg)).finish());
    return finish(200, { 'Content-Type': 'application/x-protobuf' }, respBody, { items, rawBytes: raw.length });
  }

  server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(chunks), req.socket.connId));
  });
  server.keepAliveTimeout = 30000;
  server.on('connection', (s) => {
    s.connId = ++state.connections;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  function listen(cb) {
    server.listen(port, '127.0.0.1', () => {
      port = server.address().port;
      if (cb) cb();
    });
  }

  const control = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const json = (status, o) => {
        const b = Buffer.from(JSON.stringify(o) + '\n');
        res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': b.length });
        res.end(b);
      };
      if (req.method === 'GET' && req.url === '/stats') {
        return json(200, { requests: state.requests, bySignal: state.bySignal, items: state.items,
          statuses: state.statuses, connections: state.connections, errors: state.errors, down: state.down });
      }
      if (req.method !== 'POST' || req.url !== '/control') return json(404, { error: 'not found' });
      let c;
      try {
        c = JSON.parse(Buffer.concat(chunks).toString() || '{}');
      } catch (e) {
        return json(400, { error: e.message });
      }
      if (c.fail) state.fails.push(Object.assign({ count: 1, signal: 'any' }, c.fail));
      if (c.delayMs !== undefined) state.delayMs = Number(c.delayMs);
      if (c.partial) state.partial = { rejected: Number(c.partial.rejected || 0), message: c.partial.message || '' };
      logLine({ t: Date.now() / 1000, event: 'control', control: c });
      if (c.down) goDown(Number(c.down.forMs || 1000));
      return json(200, { ok: true });
    });
  });

  listen(() => {
    if (a.portFile) fs.writeFileSync(a.portFile + '.tmp', String(port)), fs.renameSync(a.portFile + '.tmp', a.portFile);
    control.listen(a.controlPort, '127.0.0.1', () => {
      const cp = control.address().port;
      if (a.controlPortFile) {
        fs.writeFileSync(a.controlPortFile + '.tmp', String(cp));
        fs.renameSync(a.controlPortFile + '.tmp', a.controlPortFile);
      }
      console.error(`receiver: OTLP/HTTP on 127.0.0.1:${port}, control on 127.0.0.1:${cp}`);
    });
  });
  const stop = () => {
    console.error(`receiver: ${state.requests} requests, ${state.items.traces} spans, ` +
      `${state.items.metrics} data points, ${state.connections} connections`);
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main();
