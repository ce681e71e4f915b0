#!/usr/bin/env python3
"""Compare two OTLP/JSON lines files: what --otlp-file wrote (cJSON, our own
encoder) and what an OTLP/HTTP receiver decoded from our protobuf requests
(someone else's decoder). They must carry the same content: every span
(matched by spanId) with the same resource, fields, attributes, events and
status, and the same last value of every metric series.

Protobuf's JSON mapping omits fields that hold their default value (0, "",
false, empty lists), and our cJSON encoder writes some of them; both sides are
normalised by dropping those before comparing. Metric point timestamps
(timeUnixNano) differ by when each encoder ran and are not compared. Doubles
compare to 1e-14 relative: cJSON prints 15 significant digits whenever they
read back within DBL_EPSILON, so the JSON side may be off by an ulp; the
protobuf side carries the exact binary value.

usage: otlp_compare.py FILE_JSONL HTTP_JSONL
"""
import json
import sys

DEFAULTS = (None, "", "0", 0, False, [], {})


def norm(v):
    if isinstance(v, dict):
        out = {}
        for k, x in v.items():
            x = norm(x)
            if not any(x == d and type(x) is type(d) for d in DEFAULTS):
                out[k] = x
        return out
    if isinstance(v, list):
        return [norm(x) for x in v]
    return v


def same(a, b):
    if isinstance(a, float) or isinstance(b, float):
        return (isinstance(a, (int, float)) and isinstance(b, (int, float)) and
                abs(a - b) <= 1e-14 * max(abs(a), abs(b), 1e-300))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


def attrs_key(attrs):
    return json.dumps(sorted(norm(attrs or []), key=lambda a: a.get("key", "")), sort_keys=True)


def load(path):
    spans, metrics = {}, {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            obj = json.loads(line)
            for rs in obj.get("resourceSpans", []):
                res = attrs_key(rs.get("resource", {}).get("attributes"))
                for ss in rs.get("scopeSpans", []):
                    scope = json.dumps(norm(ss.get("scope", {})), sort_keys=True)
                    for s in ss.get("spans", []):
                        s = norm(s)
                        s["attributes"] = sorted(s.get("attributes", []), key=lambda a: a["key"])
                        spans[s["spanId"]] = (res, scope, s)
            for rm in obj.get("resourceMetrics", []):
                res = attrs_key(rm.get("resource", {}).get("attributes"))
                for sm in rm.get("scopeMetrics", []):
                    for m in sm.get("metrics", []):
                        m = norm(m)
                        for kind in ("sum", "gauge", "histogram", "exponentialHistogram"):
                            if kind not in m:
                                continue
                            body = dict(m[kind])
                            points = body.pop("dataPoints", [])
                            for p in points:
                                p.pop("timeUnixNano", None)
                                key = (res, m["name"], attrs_key(p.pop("attributes", [])))
                                metrics[key] = (kind, body, m.get("unit"), m.get("description"), p)
    return spans, metrics


def main():
    fa, fb = sys.argv[1], sys.argv[2]
    sa, ma = load(fa)
    sb, mb = load(fb)
    problems = []
    if set(sa) != set(sb):
        problems.append(f"span ids differ: {len(set(sa) - set(sb))} only in {fa}, "
                        f"{len(set(sb) - set(sa))} only in {fb}")
    for sid in sorted(set(sa) & set(sb)):
        if not same(sa[sid], sb[sid]):
            problems.append(f"span {sid} differs:\n  {sa[sid]}\n  {sb[sid]}")
    if set(ma) != set(mb):
        problems.append(f"metric series differ: {sorted(set(ma) ^ set(mb))[:5]}")
    for key in sorted(set(ma) & set(mb)):
        if not same(ma[key], mb[key]):
            problems.append(f"metric {key[1]} {key[2]} differs:\n  {ma[key]}\n  {mb[key]}")
    for p in problems[:10]:
        print("FAIL", p)
    print(f"otlp_compare: {len(sa)} spans, {len(ma)} metric series compared; {len(problems)} differences")
    return 1 if problems or not sa or not ma else 0


if __name__ == "__main__":
    sys.exit(main())
