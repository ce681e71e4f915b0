// A small agent coordinator for tests/e2e/test_node_functions.sh: a class
// whose methods the tracer binds by name (node:./agents.js:...), sync and
// async, some calls failing. Nothing here knows about the tracer.
'use strict';

class RoutingError extends Error {}

// What the test's ledger needs from inside coordinate: whether each rank
// call went through a wrapper, and whether its caller did (main.js says).
const probe = { callerWrapped: false, rankCalls: [], originalRank: null };

class AgentCoordinator {
  constructor(name) {
    this.name = name;
  }

  // Sync: fails when asked to coordinate no agents.
  coordinate(agents, collaborationType) {
    if (agents.length === 0) throw new RoutingError('no agents');
    let tokens = 0;
    for (const a of agents) {
      const f = this.rank; // the method as it is now: a wrapper or not
      tokens += f.call(this, a);
      if (f !== probe.originalRank) probe.rankCalls.push({ agent: a, callerWrapped: probe.callerWrapped });
    }
    return { tokens, lead: agents[0] };
  }

  // Sync, called by coordinate for each agent: a bound call inside a bound call.
  rank(agent) {
    return agent.length * 10;
  }

  // Async: awaits a timer, rejects for the 'broken' model.
  async route(request, budget = 1) {
    await new Promise((r) => setTimeout(r, 1));
    if (request.model === 'broken') throw new TypeError('model unavailable');
    return { model: request.model, cost: budget * 0.5 };
  }
}

probe.originalRank = AgentCoordinator.prototype.rank;
module.exports = { AgentCoordinator, RoutingError, probe };
