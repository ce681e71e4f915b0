// The workload of tests/e2e/test_node_functions.sh. Calls
// AgentCoordinator.prototype.coordinate (sync) and .route (async) in a
// loop, and keeps a ledger of the calls made through a wrapper (a method
// that is not the original one the program loaded): the calls the tracer
// must have seen, with their attributes and failures. Checked from
// inside: the ledger says whether the originals came back after detach.
// Usage: node main.js LEDGER [ITERATIONS_AFTER_READY]
// It prints "ready" once looping, and stops (writing the ledger) on SIGTERM.
'use strict';
const fs = require('fs');
const { AgentCoordinator } = require('./agents.js');

const proto = AgentCoordinator.prototype;
const orig = { coordinate: proto.coordinate, route: proto.route };
const ledger = {
  coordinate: { calls: 0, errors: 0, by_type: {}, agent_count: 0, tokens: 0 },
  route: { calls: 0, errors: 0, by_model: {} },
  wrapped_seen: false,
  restored_after_wrapped: false,
  original_calls_after_restore: 0,
  iterations: 0,
  wrapped_at_ms: null, // when a wrapper was first / last called (since start)
  restored_at_ms: null,
};
const t0 = Date.now();
const types = ['debate', 'vote', 'delegate'];
const models = ['gpt-4o', 'claude', 'broken'];
const c = new AgentCoordinator('lead');
let stop = false;
process.on('SIGTERM', () => { stop = true; });

function track(name) {
  const f = proto[name];
  const wrapped = f !== orig[name];
  if (wrapped) {
    if (!ledger.wrapped_seen) ledger.wrapped_at_ms = Date.now() - t0;
    ledger.wrapped_seen = true;
  } else if (ledger.wrapped_seen && !ledger.restored_after_wrapped) {
    ledger.restored_after_wrapped = true;
    ledger.restored_at_ms = Date.now() - t0;
  }
  return { f, wrapped };
}

async function main() {
  console.log('ready');
  for (let i = 0; !stop; i++) {
    ledger.iterations++;
    // Sync: every 7th call coordinates no agents and throws.
    const agents = i % 7 === 6 ? [] : ['planner', 'coder', 'critic'].slice(0, 1 + (i % 3));
    const type = types[i % 3];
    const s = track('coordinate');
    let r = null, failed = false;
    try { r = s.f.call(c, agents, type); } catch (e) { failed = true; }
    if (s.wrapped) {
      const L = ledger.coordinate;
      L.calls++;
      if (failed) L.errors++;
      else L.tokens += r.tokens;
      L.by_type[type] = (L.by_type[type] || 0) + 1;
      L.agent_count += agents.length;
    } else if (ledger.restored_after_wrapped) {
      ledger.original_calls_after_restore++;
    }
    // Async: every 5th routes to the broken model and rejects.
    const model = i % 5 === 4 ? 'broken' : models[i % 2];
    const a = track('route');
    failed = false;
    try { await a.f.call(c, { model }, 2); } catch (e) { failed = true; }
    if (a.wrapped) {
      const L = ledger.route;
      L.calls++;
      if (failed) L.errors++;
      L.by_model[model] = (L.by_model[model] || 0) + 1;
    }
    if (i % 50 === 49) await new Promise((res) => setTimeout(res, 5));
  }
  fs.writeFileSync(process.argv[2], JSON.stringify(ledger, null, 1));
}
main();
