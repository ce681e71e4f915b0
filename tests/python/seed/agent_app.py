"""A small agent built on the seed's (de-instrumented) classes: it routes
prompts to models, lets agents collaborate and runs workflows whose steps do
either. Every choice comes from its own seeded random generator, so a run is
the same whether traced or not. Every call of a bound seed method goes
through the ledger (ledger.py), which writes down what a tracer must see.

Nesting, deepest first: workflow_execution > workflow_step >
agent_collaboration > agent_iteration > model_routing > model_selection /
model_inference; point events (cache hit/miss, branch, retry, rollback)
inside the span open at the time. Failures are exceptions of several types,
some caught by the caller (a failed child under an ok parent), some not."""
import asyncio
import random
from dataclasses import dataclass

from mcp.agents import AgentCollaborationTracer
from mcp.routing import ModelRouterTracer
from mcp.workflow import WorkflowTracer

MODELS = ["gpt-4o", "claude-3-5-sonnet", "llama-3-70b", "mistral-large"]
AGENTS = ["planner", "coder", "reviewer", "tester", "critic"]
COLLAB_TYPES = ["consensus", "debate", "pipeline"]
WORKFLOW_TYPES = {"release": ["plan", "collaborate", "validate", "publish"],
                  "triage": ["classify", "plan", "validate"],
                  "research": ["plan", "collaborate", "summarize"]}
STEP_TYPES = {"plan": "llm", "classify": "llm", "summarize": "llm", "collaborate": "agents",
              "validate": "check", "publish": "io"}
MAX_ATTEMPTS = 3


class ModelTimeoutError(Exception):
    pass


class ConsensusError(Exception):
    pass


class StepFailedError(Exception):
    pass


class WorkflowAbortedError(Exception):
    pass


@dataclass
class IterationResult:
    """What an agent iteration returns: the seed reads contribution_score with getattr()."""
    agent: str
    contribution_score: float
    text: str


def routing_ret(r):
    return {"mcp.selected_model": r["model_type"], "mcp.tokens_used": r["tokens_used"],
            "mcp.cost": r["cost"], "mcp.cache_hit": r["cache_hit"]}


def inference_ret(r):
    return {"mcp.tokens_used": r["tokens_used"], "mcp.cost": r["cost"]}


def collaboration_ret(r):
    return {"mcp.collaboration_iterations": r["iterations"], "mcp.final_result_quality": r["quality_score"]}


def consensus_ret(r):
    return {"mcp.consensus_reached": r["consensus_reached"], "mcp.consensus_iterations": r["iterations"],
            "mcp.final_agreement_score": r["agreement_score"]}


def workflow_ret(r):
    return {"mcp.completed_steps": r["completed_steps"], "mcp.branches_taken": r["branches_taken"],
            "mcp.retries": r["retries"], "mcp.rollback": r["rollback"]}


class AgentApp:
    def __init__(self, ledger, seed, tag, gather=False):
        self.ledger, self.rng, self.tag, self.gather = ledger, random.Random(seed), tag, gather
        self.collab = AgentCollaborationTracer()
        self.router = ModelRouterTracer()
        self.wf = WorkflowTracer()
        self.cache = {}
        self.seq = 0
        # The functions the seed methods await, each timed into the ledger.
        self.timed = type("Timed", (), {n: staticmethod(ledger.inner(getattr(self, n))) for n in (
            "route", "select", "infer", "coordinate", "agent_turn", "build_consensus", "execute", "run_step")})

    def next_id(self, kind):
        self.seq += 1
        return f"{self.tag}-{kind}-{self.seq}"

    # ---------------------------------------------------------------- routing
    async def ask(self, prompt, model_type=None):
        """One routed model call; half of them pass the arguments by keyword."""
        rid = self.next_id("req")
        attrs = {"mcp.request_id": rid, "mcp.model_type": model_type, "mcp.prompt_length": len(prompt)}
        if self.rng.random() < 0.5:
            call = lambda: self.router.trace_model_routing(rid, model_type, prompt, self.timed.route)  # noqa: E731
        else:
            call = lambda: self.router.trace_model_routing(  # noqa: E731
                request_id=rid, prompt=prompt, routing_func=self.timed.route, model_type=model_type)
        return await self.ledger.span("model_routing", attrs, call, routing_ret)

    async def route(self, request_id, model_type, prompt):
        """The routing_func the seed awaits: select, then the cache or inference
        (one fallback model after a timeout)."""
        available = self.rng.sample(MODELS, self.rng.randint(1, len(MODELS)))
        selected = await self.ledger.span(
            "model_selection",
            {"mcp.request_id": request_id, "mcp.available_model_count": len(available)},
            lambda: self.router.trace_model_selection(request_id, available, self.timed.select, prefer=model_type),
            lambda m: {"mcp.selected_model": m})
        key = (selected, prompt)
        if key in self.cache:
            self.ledger.point("model_cache_hit", {"mcp.model_type": selected},
                              lambda: self.router.record_cache_hit(selected))
            return {"model_type": selected, "tokens_used": 0, "cost": 0.0, "cache_hit": True,
                    "response": self.cache[key]}
        self.ledger.point("model_cache_miss", {"mcp.model_type": selected},
                          lambda: self.router.record_cache_miss(selected))
        candidates = [selected] + [m for m in available if m != selected][:1]
        for n, model in enumerate(candidates, 1):
            try:
                result = await self.ledger.span(
                    "model_inference",
                    {"mcp.request_id": request_id, "mcp.model_type": model, "mcp.prompt_length": len(prompt)},
                    lambda: self.router.trace_model_inference(request_id, model, prompt, self.timed.infer,
                                                              max_tokens=256),
                    inference_ret)
            except ModelTimeoutError:
                if n == len(candidates):
                    raise
                continue  # the fallback model
            self.cache[key] = result["response"]
            return {"model_type": model, "tokens_used": result["tokens_used"], "cost": result["cost"],
                    "cache_hit": False, "response": result["response"]}

    async def select(self, available_models, prefer=None):
        if prefer is not None and prefer not in available_models:
            if self.rng.random() < 0.5:
                raise LookupError(f"model {prefer} not available")
        await asyncio.sleep(0)
        return prefer if prefer in available_models else available_models[0]

    async def infer(self, model_type, prompt, max_tokens=256):
        await asyncio.sleep(0)
        if self.rng.random() < 0.12:
            raise ModelTimeoutError(f"{model_type} did not answer")
        tokens = min(max_tokens, 8 + len(prompt) // 3 + self.rng.randint(0, 40))
        cost = round(tokens * (0.5 + MODELS.index(model_type)) * 1e-6, 9)
        return {"tokens_used": tokens, "cost": cost, "response": "r" * self.rng.randint(1, 90)}

    # ---------------------------------------------------------------- agents
    async def collaborate(self, collaboration_type=None):
        cid = self.next_id("collab")
        ctype = collaboration_type or self.rng.choice(COLLAB_TYPES)
        agents = self.rng.sample(AGENTS, self.rng.randint(2, 4))
        task = f"task {cid}: " + "x" * self.rng.randint(5, 60)
        attrs = {"mcp.collaboration_id": cid, "mcp.collaboration_type": ctype, "mcp.agent_count": len(agents)}
        return await self.ledger.span(
            "agent_collaboration", attrs,
            lambda: self.collab.trace_collaboration_session(cid, ctype, agents, task, self.timed.coordinate),
            collaboration_ret)

    async def coordinate(self, collaboration_id, collaboration_type, agents, task):
        """The collaboration_func the seed awaits: rounds of agent iterations
        (one after another, or concurrently with gather=True), then consensus."""
        iterations = self.rng.randint(1, 2)
        scores = {}
        for number in range(1, iterations + 1):
            jobs = [self.iterate(collaboration_id, agent, number, task) for agent in agents]
            if self.gather:
                done = await asyncio.gather(*jobs, return_exceptions=True)
            else:
                done = [await job for job in jobs]
            for r in done:
                if isinstance(r, IterationResult):
                    scores[r.agent] = scores.get(r.agent, 0.0) + r.contribution_score
        consensus = await self.ledger.span(
            "consensus_building",
            {"mcp.collaboration_id": collaboration_id, "mcp.agent_count": len(agents)},
            lambda: self.collab.trace_consensus_building(collaboration_id, agents, self.timed.build_consensus,
                                                         scores, agents),
            consensus_ret)
        return {"iterations": iterations, "consensus_time": consensus["iterations"] * 0.25,
                "quality_score": round(sum(scores.values()) / max(1, len(agents)), 6),
                "consensus_reached": consensus["consensus_reached"],
                "contributions": {a: {"score": s} for a, s in scores.items()}}

    async def iterate(self, collaboration_id, agent, number, task):
        """One agent iteration; a failed one (raised) is left out of the scores."""
        try:
            return await self.ledger.span(
                "agent_iteration",
                {"mcp.collaboration_id": collaboration_id, "mcp.agent_name": agent,
                 "mcp.iteration_number": number},
                lambda: self.collab.trace_agent_iteration(collaboration_id, agent, number, self.timed.agent_turn,
                                                          agent, task, number=number),
                lambda r: {"mcp.agent_contribution": r.contribution_score})
        except (ModelTimeoutError, LookupError):
            return None

    async def agent_turn(self, agent, task, number=1):
        """The iteration_func: some agents ask a model (a routing inside the iteration)."""
        text = f"{agent} on {task[:20]}"
        if self.rng.random() < 0.4:
            answer = await self.ask(f"{agent} #{number}: {task}", self.rng.choice(MODELS + [None]))
            text += answer["response"]
        await asyncio.sleep(0)
        return IterationResult(agent, round(self.rng.uniform(0.1, 1.0), 4), text)

    async def build_consensus(self, scores, agents):
        """The consensus_func; fails now and then."""
        rounds = self.rng.randint(1, 4)
        if self.rng.random() < 0.15:
            raise ConsensusError(f"no agreement after {rounds} rounds")
        agreement = round(len(scores) / len(agents), 4)
        return {"consensus_reached": agreement >= 0.5, "iterations": rounds, "agreement_score": agreement}

    # ---------------------------------------------------------------- workflows
    async def run_workflow(self):
        wid = self.next_id("wf")
        wtype = self.rng.choice(sorted(WORKFLOW_TYPES))
        steps = [{"name": n, "type": STEP_TYPES[n]} for n in WORKFLOW_TYPES[wtype]]
        attrs = {"mcp.workflow_id": wid, "mcp.workflow_type": wtype, "mcp.workflow_steps": len(steps),
                 "mcp.total_steps": len(steps)}
        input_data = {"ticket": self.seq, "priority": self.rng.choice(["low", "high"])}
        return await self.ledger.span(
            "workflow_execution", attrs,
            lambda: self.wf.trace_workflow_execution(wid, wtype, steps, input_data, self.timed.execute),
            workflow_ret)

    async def execute(self, workflow_id, workflow_type, steps, input_data):
        """The execution_func: steps in order, a branch point on high priority,
        up to MAX_ATTEMPTS tries per step (retry points), then a rollback."""
        completed = branches = retries = 0
        for index, step in enumerate(steps):
            if step["type"] == "check" and input_data["priority"] == "high":
                branches += 1
                self.ledger.point(
                    "workflow_branch", {"mcp.branch_name": "strict", "mcp.condition": "priority == high"},
                    lambda: self.wf.record_workflow_branch(workflow_id, "strict", "priority == high"))
            for attempt in range(1, MAX_ATTEMPTS + 1):
                try:
                    await self.step(workflow_id, step, index, input_data)
                    completed += 1
                    break
                except Exception as e:
                    if attempt == MAX_ATTEMPTS:
                        reason = type(e).__name__
                        self.ledger.point("workflow_rollback", {"mcp.reason": reason},
                                          lambda: self.wf.record_workflow_rollback(workflow_id, reason))
                        raise WorkflowAbortedError(f"{workflow_id}: {step['name']} failed") from e
                    retries += 1
                    self.ledger.point(
                        "workflow_retry", {"mcp.step_name": step["name"], "mcp.retry_count": attempt},
                        lambda: self.wf.record_workflow_retry(workflow_id, step["name"], attempt))
        return {"completed_steps": completed, "branches_taken": branches, "retries": retries,
                "rollback": False}

    async def step(self, workflow_id, step, index, input_data):
        attrs = {"mcp.workflow_id": workflow_id, "mcp.step_name": step["name"],
                 "mcp.step_type": step["type"], "mcp.step_index": index}
        return await self.ledger.span(
            "workflow_step", attrs,
            lambda: self.wf.trace_workflow_step(workflow_id, step["name"], step["type"], index,
                                                self.timed.run_step, step, input_data=input_data))

    async def run_step(self, step, input_data):
        kind = step["type"]
        if kind == "llm":
            return await self.ask(f"{step['name']} ticket {input_data['ticket']}",
                                  self.rng.choice(MODELS + [None]))
        if kind == "agents":
            return await self.collaborate()
        if kind == "check" and self.rng.random() < 0.45:
            raise StepFailedError(f"{step['name']}: check failed")
        await asyncio.sleep(0)
        return {"step": step["name"]}

    # ---------------------------------------------------------------- a round
    async def run_round(self):
        """One round: a routed question, every third round a collaboration of
        its own, and a workflow. Their failures end here, as an agent's would."""
        for job in (lambda: self.ask("q" * self.rng.randint(1, 12), self.rng.choice(MODELS + [None])),
                    lambda: self.collaborate() if self.seq % 3 == 0 else asyncio.sleep(0),
                    self.run_workflow):
            try:
                await job()
            except (ModelTimeoutError, LookupError, ConsensusError, WorkflowAbortedError):
                pass
