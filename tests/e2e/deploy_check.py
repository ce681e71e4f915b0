#!/usr/bin/env python3
"""Static checks of deploy/: the manifests parse and agree with each other.

usage: deploy_check.py DEPLOY_DIR            -> prints a tally, exit 1 on a failure
       deploy_check.py DEPLOY_DIR caps       -> the DaemonSet's added capabilities, one a line
       deploy_check.py DEPLOY_DIR env        -> the DaemonSet's env as NAME=VALUE lines
       deploy_check.py DEPLOY_DIR args       -> the DaemonSet's container args, one a line

What a cluster would check and this machine cannot is in README.md,
"Deploy on a fleet". Needs PyYAML (python3-yaml).
"""
import os
import re
import sys

import yaml


def load(path):
    with open(path, encoding="utf-8") as f:
        return [d for d in yaml.safe_load_all(f) if d]


def find(docs, kind, name=None):
    for d in docs:
        if d.get("kind") == kind and (name is None or d["metadata"]["name"] == name):
            return d
    return None


def main():
    root = sys.argv[1]
    k8s = os.path.join(root, "kubernetes")
    tracer_docs = load(os.path.join(k8s, "mcp-bpftrace.yaml"))
    coll_docs = load(os.path.join(k8s, "otel-collector.yaml"))
    kust = load(os.path.join(k8s, "kustomization.yaml"))[0]
    conf = load(os.path.join(k8s, "otel-collector-config.yaml"))[0]
    ds = find(tracer_docs, "DaemonSet")
    pod = ds["spec"]["template"]["spec"]
    ctr = pod["containers"][0]
    sc = ctr["securityContext"]
    env = {e["name"]: e.get("value") for e in ctr.get("env", [])}

    what = sys.argv[2] if len(sys.argv) > 2 else None
    if what == "caps":
        print("\n".join(sc["capabilities"]["add"]))
        return 0
    if what == "env":
        for k, v in env.items():
            if v is not None:
                print(f"{k}={v}")
        return 0
    if what == "args":
        print("\n".join(ctr.get("args", [])))
        return 0

    passed = failed = 0

    def check(ok, msg):
        nonlocal passed, failed
        if ok:
            passed += 1
        else:
            failed += 1
            print("FAIL " + msg)

    # The tracer's pod: host pids, not privileged, only the capabilities listed.
    check(pod.get("hostPID") is True, "DaemonSet: hostPID must be true (the agents' /proc and pids)")
    check(sc.get("privileged") is not True, "DaemonSet: must not be privileged")
    check(sc.get("allowPrivilegeEscalation") is False, "DaemonSet: allowPrivilegeEscalation false")
    check(sc["capabilities"].get("drop") == ["ALL"], "DaemonSet: drop ALL capabilities, then add")
    check(set(sc["capabilities"]["add"]) <= {"BPF", "PERFMON", "SYS_PTRACE", "SYS_RESOURCE"},
          f"DaemonSet: unexpected capabilities {sc['capabilities']['add']}")
    check(sc.get("seccompProfile", {}).get("type") == "Unconfined",
          "DaemonSet: the default seccomp profile refuses bpf() and perf_event_open()")
    lim = ctr.get("resources", {}).get("limits", {})
    req = ctr.get("resources", {}).get("requests", {})
    check("memory" in lim and "memory" in req and "cpu" in req, "DaemonSet: memory limit and requests")
    mounts = {m["mountPath"]: m["name"] for m in ctr.get("volumeMounts", [])}
    vols = {v["name"]: v.get("hostPath", {}).get("path") for v in pod.get("volumes", [])}
    for path in ("/sys/kernel/btf", "/sys/fs/cgroup"):
        check(vols.get(mounts.get(path)) == path, f"DaemonSet: the host's {path} mounted at {path}")
    check(pod.get("tolerations") == [{"operator": "Exists"}], "DaemonSet: runs on every node")

    # It sends to the collector's Service, on the port the collector listens on.
    url = env.get("OTEL_EXPORTER_OTLP_ENDPOINT", "")
    m = re.fullmatch(r"http://([a-z0-9-]+)\.([a-z0-9-]+)\.svc:(\d+)", url)
    check(m is not None, f"OTEL_EXPORTER_OTLP_ENDPOINT {url!r}: expected http://SERVICE.NAMESPACE.svc:PORT")
    if m:
        svc = find(coll_docs, "Service", m.group(1))
        check(svc is not None and svc["metadata"]["namespace"] == m.group(2),
              f"no Service {m.group(1)} in namespace {m.group(2)} in otel-collector.yaml")
        if svc:
            ports = [p["port"] for p in svc["spec"]["ports"]]
            check(int(m.group(3)) in ports, f"Service {m.group(1)} has no port {m.group(3)}")
            dep = find(coll_docs, "Deployment", "mcp-otel-collector")
            check(dep is not None and all(dep["spec"]["template"]["metadata"]["labels"].get(k) == v
                                         for k, v in svc["spec"]["selector"].items()),
                  "the Service does not select the collector's pods")
            endpoint = conf["receivers"]["otlp"]["protocols"]["http"]["endpoint"]
            check(endpoint.endswith(":4318") and endpoint.startswith("0.0.0.0"),
                  f"collector OTLP/HTTP receiver listens on {endpoint}")
            check(any(p.get("targetPort") in ("otlp-http", 4318) for p in svc["spec"]["ports"]),
                  "Service targetPort is not the receiver's")
    check(env.get("OTEL_EXPORTER_OTLP_COMPRESSION") in ("gzip", "none"), "compression gzip or none")
    check("k8s.node.name=$(NODE_NAME)" in (env.get("OTEL_RESOURCE_ATTRIBUTES") or ""),
          "OTEL_RESOURCE_ATTRIBUTES carries k8s.node.name from the downward API")

    # The collector: k8sattributes by container.id, k8s.pod.name / namespace added.
    k8sa = conf["processors"]["k8sattributes"]
    srcs = [s for a in k8sa["pod_association"] for s in a["sources"]]
    check({"from": "resource_attribute", "name": "container.id"} in srcs,
          "k8sattributes: associate by the container.id the tracer sets")
    meta = k8sa["extract"]["metadata"]
    check("k8s.pod.name" in meta and "k8s.namespace.name" in meta, "k8sattributes adds k8s.pod.name, k8s.namespace.name")
    check(any(x.startswith("container.") or x == "k8s.container.name" for x in meta),
          "k8sattributes: container.id association needs a container attribute extracted")
    for sig in ("traces", "metrics"):
        p = conf["service"]["pipelines"].get(sig, {})
        check("otlp" in p.get("receivers", []) and "k8sattributes" in p.get("processors", []),
              f"collector pipeline {sig}: otlp -> k8sattributes")
        check(p.get("processors", [None])[0] == "memory_limiter", f"collector pipeline {sig}: memory_limiter first")
    role = find(coll_docs, "ClusterRole")
    res = {r for rule in role["rules"] for r in rule["resources"]}
    check({"pods", "namespaces", "replicasets"} <= res, "collector ClusterRole reads pods, namespaces, replicasets")

    # kustomize: every file exists, the ConfigMap is the one the Deployment mounts.
    for r in kust["resources"]:
        check(os.path.exists(os.path.join(k8s, r)), f"kustomization: {r} missing")
    gen = kust["configMapGenerator"][0]
    dep = find(coll_docs, "Deployment", "mcp-otel-collector")
    cms = [v["configMap"]["name"] for v in dep["spec"]["template"]["spec"]["volumes"] if "configMap" in v]
    check(gen["name"] in cms, f"the collector mounts {cms}, kustomize makes {gen['name']}")
    args = dep["spec"]["template"]["spec"]["containers"][0]["args"]
    check(any(a.endswith("/" + gen["files"][0]) for a in args), "the collector's --config names the generated file")

    # The systemd unit asks for the same capabilities.
    unit = open(os.path.join(root, "systemd", "mcp-bpftrace.service"), encoding="utf-8").read()
    caps = re.search(r"^CapabilityBoundingSet=(.*)$", unit, re.M)
    check(caps is not None and sorted(caps.group(1).split()) == sorted("CAP_" + c for c in sc["capabilities"]["add"]),
          "systemd CapabilityBoundingSet differs from the DaemonSet's capabilities")
    print(f"deploy_check: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
