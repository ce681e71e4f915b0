"""The functions tests/e2e/test_py_functions.sh binds by name (funcs.map):
a method that calls a static method (nesting), a class method that calls
a point and makes an LLM call over HTTPS (a TLS span inside a Python span),
async functions run as concurrent tasks (a sync call inside one), and
raises."""
import asyncio
import http.client
import json
import ssl


def ask_llm(prompt):
    """One chat completion over HTTPS (Python's ssl: libssl)."""
    host, port, cafile = Router.llm
    ctx = ssl.create_default_context(cafile=cafile)
    c = http.client.HTTPSConnection(host, port, context=ctx, timeout=30)
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": prompt}]}
    c.request("POST", "/v1/chat/completions", body=json.dumps(body),
              headers={"Content-Type": "application/json", "Authorization": "Bearer sk-test"})
    r = c.getresponse()
    r.read()
    c.close()


class Result:
    def __init__(self, iterations, quality):
        self.iterations = iterations
        self.quality = quality


class Coordinator:
    def coordinate(self, collaboration_type, agents, *, rounds=1):
        n = 0
        for _ in range(rounds):
            for a in agents:
                n += Agent.iterate(a, collaboration_type)
        if collaboration_type == "deadline":
            raise TimeoutError("no consensus")
        return Result(n, 0.5 + n / 100)


class Agent:
    @staticmethod
    def iterate(agent_name, collaboration_type):
        if agent_name == "flaky":
            raise ValueError(agent_name)
        return 1


class Router:
    llm = None  # (host, port, cafile) when an HTTPS mock is there

    @classmethod
    def route(cls, model_type, prompt, llm=False):
        if prompt.startswith("cached"):
            cls.cache_hit(model_type)
        tokens = len(prompt.split())
        if llm and cls.llm:
            ask_llm(prompt)
        return {"model": model_type + "-large", "tokens": tokens}

    @classmethod
    def cache_hit(cls, model_type):
        return True


class Pipeline:
    def run(self, workflow_type, steps, llm=False):
        return asyncio.run(run_workflow(workflow_type, steps, llm))


async def run_workflow(workflow_type, steps, llm=False):
    # The steps run as concurrent tasks, interleaved on this thread.
    results = await asyncio.gather(*(run_step(s, i, llm) for i, s in enumerate(steps)), return_exceptions=True)
    for r in results:
        if isinstance(r, Exception):
            raise r
    return len(results)


async def run_step(step_name, step_index, llm=False):
    await asyncio.sleep(0)
    if step_name == "plan":  # a sync bound call inside an async one
        Router.route("m-step", "step prompt")
        if llm and Router.llm:  # an LLM call over TLS inside an async one
            ask_llm("plan the step")
    await asyncio.sleep(0)
    if step_name == "broken":
        raise RuntimeError(step_name)
    return step_index
