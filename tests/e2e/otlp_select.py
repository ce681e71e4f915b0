#!/usr/bin/env python3
"""Keep the resources of an OTLP/JSON lines export (--otlp-file) whose
resource attributes match every KEY=VALUE given (values compared as text:
process.pid=4242, container.id=..., process.executable.name=python3.11),
so that one process's share of a host-wide (--all) export can be checked
against that process's ledger. Writes the selected lines to stdout; with
--count, prints only "resources spans" that matched.

usage: otlp_select.py [--count] [--not KEY=VALUE ...] KEY=VALUE... FILE
"""
import json
import sys


def attrs(resource):
    out = {}
    for a in resource.get("attributes", []):
        v = a.get("value", {})
        out[a["key"]] = str(next(iter(v.values()))) if v else ""
    return out


def main(argv):
    count = "--count" in argv
    argv = [a for a in argv if a != "--count"]
    want, nots, path = [], [], argv[-1]
    args = iter(argv[:-1])
    for a in args:
        if a == "--not":
            nots.append(next(args).split("=", 1))
        else:
            want.append(a.split("=", 1))
    nres = nspans = 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            doc = json.loads(line)
            kept = False
            for family in ("resourceSpans", "resourceMetrics"):
                rs = []
                for r in doc.get(family, []):
                    a = attrs(r.get("resource", {}))
                    if all(a.get(k) == v for k, v in want) and not any(a.get(k) == v for k, v in nots):
                        rs.append(r)
                        nres += 1
                        nspans += sum(len(s.get("spans", [])) for s in r.get("scopeSpans", []))
                if family in doc:
                    doc[family] = rs
                    kept |= bool(rs)
            if kept and not count:
                print(json.dumps(doc))
    if count:
        print(nres, nspans)


if __name__ == "__main__":
    main(sys.argv[1:])
