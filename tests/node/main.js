// The workload of tests/e2e/test_node_functions.sh. Calls
// AgentCoordinator.prototype.coordinate (sync) and .route (async) in a
// loop, and keeps a ledger of the calls made through a wrapper (a method
// that is not the one the program loaded): the calls the tracer must have
// seen, each with the attributes and error the probe map asks for
// (agents.probes). Checked from inside: whether the originals came back
// after the tracer detached, and that calls go on through them.
// Usage: node main.js LEDGER [WRAPPED_ITERATIONS]
// Prints "ready" once looping. Stops and writes the ledger on SIGTERM, or
// after WRAPPED_ITERATIONS iterations made through the wrappers.
'use strict';
const fs = require('fs');
const { AgentCoordinator, probe } = require('./agents.js');

const proto = AgentCoordinator.prototype;
const orig = { coordinate: proto.coordinate, route: proto.route };
const limit = Number(process.argv[3] || 0);
const t0 = Date.now();
const ledger = {
  calls: [], // {op, parent, error, attrs} per call made through a wrapper
  wrapped_iterations: 0,
  wrapped_at_ms: null, // first call through a wrapper, since start
  restored_at_ms: null, // first call through an original after that
  original_calls_after_restore: 0,
  iterations: 0,
};
const types = ['debate', 'vote', 'delegate'];
const c = new AgentCoordinator('lead');
let stop = false;
process.on('SIGTERM', () => { stop = true; });

// The method as it is now, and whether it is a wrapper.
function current(name) {
  const f = proto[name];
  const wrapped = f !== orig[name];
  if (wrapped && ledger.wrapped_at_ms === null) ledger.wrapped_at_ms = Date.now() - t0;
  if (!wrapped && ledger.wrapped_at_ms !== null) {
    if (ledger.restored_at_ms === null) ledger.restored_at_ms = Date.now() - t0;
    ledger.original_calls_after_restore++;
  }
  return { f, wrapped };
}

async function main() {
  console.log('ready');
  for (let i = 0; !stop && !(limit && ledger.wrapped_iterations >= limit); i++) {
    ledger.iterations++;
    // Sync: every 7th call coordinates no agents and throws RoutingError.
    const agents = i % 7 === 6 ? [] : ['planner', 'coder', 'critic'].slice(0, 1 + (i % 3));
    const type = types[i % 3];
    const s = current('coordinate');
    let r = null, error = null;
    probe.callerWrapped = s.wrapped;
    try { r = s.f.call(c, agents, type); } catch (e) { error = e.constructor.name; }
    for (const k of probe.rankCalls.splice(0)) {
      ledger.calls.push({ op: 'agent_iteration', parent: k.callerWrapped ? 'agent_collaboration' : null,
                          error: null, attrs: { 'mcp.agent_name': k.agent } });
    }
    if (s.wrapped) {
      const attrs = { 'mcp.collaboration_type': type, 'mcp.agent_count': agents.length };
      if (!error) attrs['mcp.tokens_used'] = r.tokens;
      ledger.calls.push({ op: 'agent_collaboration', parent: null, error, attrs });
    }
    // Async: every 5th routes to the broken model and rejects (TypeError).
    const model = i % 5 === 4 ? 'broken' : (i % 2 ? 'claude' : 'gpt-4o');
    const a = current('route');
    error = null;
    try { await a.f.call(c, { model }, 2); } catch (e) { error = e.constructor.name; }
    if (a.wrapped) {
      ledger.calls.push({ op: 'model_routing', parent: null, error,
                          attrs: { 'mcp.model_type': model, 'mcp.budget': 2 } });
    }
    if (s.wrapped && a.wrapped) ledger.wrapped_iterations++;
    if (i % 50 === 49) await new Promise((res) => setTimeout(res, 5));
  }
  fs.writeFileSync(process.argv[2], JSON.stringify(ledger));
}
main();
