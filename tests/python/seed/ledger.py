"""The scenario's own record of every call it makes to a bound function:
operation, the attribute values a binding should read, the exception type
when it raised, and the call it ran inside (its parent). mcp-bpftrace's
export must equal this ledger (tests/e2e/py_seed_check.py).

The parent is kept in a context variable, not a thread-local stack, so that
it stays right for coroutines: a task made by asyncio.gather() copies the
context of the call that made it, and a new thread starts with an empty one.
An attribute whose value is None is left out: a binding reading None has
nothing to export.

Times (time.monotonic_ns, the clock the tracer's spans are measured on):
start_ns/end_ns around the call of the bound method (outside any wrapper),
inner_ns the time spent in the function the seed method awaits (inside it).
A span's duration lies between the two."""
import contextvars
import itertools
import threading
import time

_parent = contextvars.ContextVar("ledger_parent", default=None)


class Ledger:
    def __init__(self):
        self.calls = []
        self.recording = False
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._by_id = {}

    def _entry(self, op, kind, attrs):
        entry = {"op": op, "kind": kind, "attrs": clean(attrs), "error": None,
                 "parent": _parent.get(), "thread": threading.current_thread().name}
        with self._lock:
            entry["id"] = next(self._ids)
            self.calls.append(entry)
            self._by_id[entry["id"]] = entry
        return entry

    async def span(self, op, attrs, call, ret_attrs=None):
        """Awaits call() (a bound seed method's coroutine) as one span of op.
        attrs: what the binding reads at entry; ret_attrs(result): at return."""
        if not self.recording:
            return await call()
        entry = self._entry(op, "span", attrs)
        token = _parent.set(entry["id"])
        entry["start_ns"] = time.monotonic_ns()
        try:
            result = await call()
        except Exception as e:
            entry["error"] = type(e).__name__
            raise
        finally:
            entry["end_ns"] = time.monotonic_ns()
            _parent.reset(token)
        if ret_attrs is not None:
            entry["attrs"].update(clean(ret_attrs(result)))
        return result

    def inner(self, func):
        """func (the coroutine function a seed method awaits), timed into the
        ledger entry of the span it runs in (the context's current call)."""
        async def timed(*args, **kwargs):
            t0 = time.monotonic_ns()
            try:
                return await func(*args, **kwargs)
            finally:
                entry = self._by_id.get(_parent.get()) if self.recording else None
                if entry is not None:
                    entry["inner_ns"] = entry.get("inner_ns", 0) + time.monotonic_ns() - t0
        return timed

    def point(self, op, attrs, call):
        """call(): a bound seed recorder (a point event of op)."""
        if self.recording:
            self._entry(op, "point", attrs)
        return call()


def clean(attrs):
    return {k: v for k, v in attrs.items() if v is not None}
