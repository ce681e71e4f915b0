// A small agent coordinator for tests/e2e/test_node_functions.sh: a class
// whose methods the tracer binds by name (node:./agents.js:...), sync and
// async, some calls failing. Nothing here knows about the tracer.
'use strict';

class RoutingError extends Error {}

class AgentCoordinator {
  constructor(name) {
    this.name = name;
  }

  // Sync: fails when asked to coordinate no agents.
  coordinate(agents, collaborationType) {
    if (agents.length === 0) throw new RoutingError('no agents');
    let tokens = 0;
    for (const a of agents) tokens += a.length * 10;
    return { tokens, lead: agents[0] };
  }

  // Async: awaits a timer, rejects for the 'broken' model.
  async route(request, budget = 1) {
    await new Promise((r) => setTimeout(r, 1));
    if (request.model === 'broken') throw new TypeError('model unavailable');
    return { model: request.model, cost: budget * 0.5 };
  }
}

module.exports = { AgentCoordinator, RoutingError };
