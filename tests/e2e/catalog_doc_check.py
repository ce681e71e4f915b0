#!/usr/bin/env python3
"""Check docs/catalog.md against what the tracer really exported.

usage: catalog_doc_check.py --doc docs/catalog.md --otlp FILE [--probes MAP]

The document is written from the catalog's tables, so its text can only
drift from the binary (test_catalog_doc.sh diffs the two); this checks that
the tables say what the exporters do:
  - every exported metric is in the document, with its unit and instrument
    (counter: monotonic sum, up-down counter: non-monotonic sum, histogram);
  - every data point's attribute keys are those of one of the document's
    rows for that metric, constants (key="value") with their value;
  - the tracer's own metrics carry exactly the attribute values listed;
  - with --probes, every metric of every operation the map binds was seen
    (the run must exercise all of them: enough calls, some failing).
Prints one line per failure and a tally; exit 0 iff none failed.
Standard library only.
"""
import argparse
import json
import re
import sys

INSTRUMENTS = {"counter", "up-down counter", "histogram"}
ROW = re.compile(r"^\| `([a-z0-9_]+)` \| ([a-z -]+) \| `([^`]*)` \|(.*)\|\s*$")
CONST = re.compile(r'`([^`]+)`="([^"]*)"')
KEY = re.compile(r"`([^`]+)`")


def cells(rest):
    return [c.strip() for c in rest.split(" | ")]


def parse_doc(path):
    """-> (metrics {name: (instrument, unit)}, rows {name: [attr specs]},
    health {name: (key or None, set of values)}, ops {op: [metric names]})"""
    metrics, rows, health, ops = {}, {}, {}, {}
    section, op = None, None
    for line in open(path, encoding="utf-8"):
        if line.startswith("## "):
            section, op = line[3:].strip(), None
            continue
        if line.startswith("### "):
            op = line[4:].strip()
            ops[op] = []
            continue
        m = ROW.match(line)
        if not m or m.group(2) not in INSTRUMENTS:
            continue
        name, instrument, unit, rest = m.groups()
        if section == "Metrics":
            metrics[name] = (instrument, unit)
        elif section == "The tracer's own metrics":
            metrics[name] = (instrument, unit)
            attrs = cells(rest)[1]
            if attrs == "—":
                health[name] = (None, set())
            else:
                key, _, values = attrs.partition(":")
                values = values.strip()
                # "(...)": an open set of values, described, not listed
                health[name] = (key.strip("` "), None if values.startswith("(") else
                                {v.strip() for v in values.split(",")})
        elif op:
            attrs = cells(rest)[2]
            spec = {}
            for k, v in CONST.findall(attrs):
                spec[k] = v
            for k in KEY.findall(CONST.sub("", attrs)):
                spec.setdefault(k, None)
            rows.setdefault(name, []).append(spec)
            ops[op].append(name)
    return metrics, rows, health, ops


def kind_of(m):
    if "sum" in m:
        return "counter" if m["sum"].get("isMonotonic") else "up-down counter"
    if "histogram" in m or "exponentialHistogram" in m:
        return "histogram"
    return "?"


def points(m):
    for k in ("sum", "histogram", "exponentialHistogram", "gauge"):
        if k in m:
            return m[k].get("dataPoints", [])
    return []


def value(v):
    for k in ("stringValue", "intValue", "boolValue", "doubleValue"):
        if k in v:
            return str(v[k]).lower() if k == "boolValue" else str(v[k])
    return None


def load_export(paths):
    seen = {}  # name -> metric (last export: cumulative)
    for p in paths:
        for line in open(p, encoding="utf-8"):
            obj = json.loads(line)
            for rm in obj.get("resourceMetrics", []):
                for sm in rm.get("scopeMetrics", []):
                    for m in sm.get("metrics", []):
                        seen.setdefault(m["name"], []).append(m)
    return seen


def bound_ops(probes):
    ops = set()
    for line in open(probes, encoding="utf-8"):
        w = line.split("#")[0].split()
        if len(w) >= 3 and w[0] in ("span", "point"):
            ops.add(w[1])
    return ops


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--doc", required=True)
    ap.add_argument("--otlp", required=True, nargs="+")
    ap.add_argument("--probes")
    a = ap.parse_args()
    metrics, rows, health, ops = parse_doc(a.doc)
    seen = load_export(a.otlp)
    passed, failed = 0, 0

    def check(ok, what):
        nonlocal passed, failed
        if ok:
            passed += 1
        else:
            failed += 1
            print("FAIL " + what)

    check(len(metrics) > 0 and len(ops) > 0, f"{a.doc}: no metric or operation tables found")
    for name, versions in sorted(seen.items()):
        if name not in metrics:
            check(False, f"{name}: exported but not in {a.doc}")
            continue
        instrument, unit = metrics[name]
        for m in versions:
            check(m.get("unit", "") == unit, f"{name}: unit {m.get('unit')!r}, the document says {unit!r}")
            check(kind_of(m) == instrument, f"{name}: exported as {kind_of(m)}, the document says {instrument}")
        values = set()
        for m in versions:
            for dp in points(m):
                attrs = {x["key"]: value(x.get("value", {})) for x in dp.get("attributes", [])}
                if attrs.get("otel.metric.overflow") == "true":
                    continue
                if name in health:
                    key, _ = health[name]
                    check(set(attrs) == ({key} if key else set()),
                          f"{name}: attributes {sorted(attrs)}, the document says {key or 'none'}")
                    if key in attrs:
                        values.add(attrs[key])
                    continue
                fits = any(set(spec) == set(attrs) and
                           all(v is None or attrs.get(k) == v for k, v in spec.items())
                           for spec in rows.get(name, []))
                check(fits, f"{name}: data point {attrs} fits none of the document's rows {rows.get(name)}")
        if name in health and health[name][1] is not None and health[name][0]:
            check(values == health[name][1],
                  f"{name}: {health[name][0]} values {sorted(values)}, the document lists {sorted(health[name][1])}")
    for name, (key, values) in health.items():  # open sets appear with their first value
        check(name in seen or values is None, f"{name}: a health metric of the document was not exported")
    if a.probes:
        for op in sorted(bound_ops(a.probes)):
            check(op in ops, f"{op}: bound in {a.probes} but not in {a.doc}")
            for name in ops.get(op, []):
                check(name in seen, f"{name} ({op}): in the document, not exported by a run that binds {op}")
    print(f"catalog_doc_check: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
