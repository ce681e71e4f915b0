'use strict';
// The in-process alternative to mcp-bpftrace: an OpenTelemetry span per call,
// made by the process itself (what the seed's instrumentation patterns do),
// around a function equivalent to bench_plain. BatchSpanProcessor, a no-op
// exporter that only counts what it is handed.
//
//   node span_loop.js [--calls N] [--rounds R] [--mode bare|span]
//
// The loop yields to the event loop every CHUNK calls, as a server does
// between requests: without that the processor's export never runs and its
// queue overflows, silently dropping spans (which would flatter the numbers).
// Prints key=value lines; exits 1 if the exporter did not get every span.
const { trace, SpanKind, SpanStatusCode } = require('@opentelemetry/api');
const { BasicTracerProvider, BatchSpanProcessor } = require('@opentelemetry/sdk-trace-base');

const CHUNK = 256;

function arg(name, dflt) {
  const i = process.argv.indexOf(name);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : dflt;
}

class CountingExporter {
  constructor() { this.spans = 0; }
  export(spans, done) { this.spans += spans.length; done({ code: 0 }); }
  shutdown() { return Promise.resolve(); }
  forceFlush() { return Promise.resolve(); }
}

const exporter = new CountingExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] });
const tracer = provider.getTracer('mcp-bench', '1.0.0');

// The function under test: (model, promptLength) -> a non-negative number.
function modelInference(model, promptLength) {
  return (promptLength + model.length) & 0xffff;
}

function tracedInference(model, promptLength) {
  const span = tracer.startSpan('model_inference', {
    kind: SpanKind.INTERNAL,
    attributes: { 'mcp.model_type': model, 'mcp.prompt_length': promptLength },
  });
  try {
    const ret = modelInference(model, promptLength);
    if (ret < 0) span.setStatus({ code: SpanStatusCode.ERROR });
    return ret;
  } finally {
    span.end();
  }
}

const yieldNow = () => new Promise((resolve) => setImmediate(resolve));

async function round(fn, calls) {
  let sink = 0;
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  for (let i = 0; i < calls;) {
    const end = Math.min(calls, i + CHUNK);
    for (; i < end; i++) sink += fn('gpt-4', i);
    await yieldNow();
  }
  const ns = Number(process.hrtime.bigint() - t0) / calls;
  const c = process.cpuUsage(c0); // the whole process: GC threads too
  const cpu = ((c.user + c.system) * 1000) / calls;
  return { ns, cpu, sink };
}

async function main() {
  const calls = Number(arg('--calls', '200000'));
  const rounds = Number(arg('--rounds', '5'));
  const mode = arg('--mode', 'span');
  const fn = mode === 'bare' ? modelInference : tracedInference;
  await round(fn, Math.min(calls, 20000)); // warm-up: let the JIT settle
  await provider.forceFlush();
  const before = exporter.spans;
  const per = [];
  const cpu = [];
  let sink = 0;
  for (let r = 0; r < rounds; r++) {
    const res = await round(fn, calls);
    per.push(res.ns);
    cpu.push(res.cpu);
    sink += res.sink;
    console.log(`round=${r} ns_per_call=${res.ns.toFixed(2)} cpu_ns_per_call=${res.cpu.toFixed(2)}`);
  }
  await provider.forceFlush();
  const exported = exporter.spans - before;
  per.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  console.log(`calls=${calls * rounds}`);
  console.log(`ns_per_call=${per[Math.floor(rounds / 2)].toFixed(2)}`);
  console.log(`cpu_ns_per_call=${cpu[Math.floor(rounds / 2)].toFixed(2)}`);
  console.log(`spans_exported=${exported}`);
  console.log(`sink=${sink}`);
  await provider.shutdown();
  if (mode === 'span' && exported !== calls * rounds) {
    console.error(`span_loop: exporter got ${exported} spans of ${calls * rounds}`);
    process.exit(1);
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
