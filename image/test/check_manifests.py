"""Semantic checks of image/deploy/ that a schema cannot make. Prints ok/FAIL per check.

Usage: python check_manifests.py DEPLOY_DIR   (exit 1 on any FAIL)
"""
import pathlib
import re
import sys

import yaml

deploy = pathlib.Path(sys.argv[1])
passed = failed = 0


def check(name, cond):
    global passed, failed
    if cond:
        passed += 1
        print(f"ok   - {name}")
    else:
        failed += 1
        print(f"FAIL - {name}")


docs = []
for path in sorted(deploy.glob("*.yaml")):
    for doc in yaml.safe_load_all(path.read_text()):
        if doc:
            docs.append(doc)
by_kind = {}
for d in docs:
    by_kind.setdefault(d["kind"], {})[d["metadata"]["name"]] = d

deployments = by_kind.get("Deployment", {})
services = by_kind.get("Service", {})
configmaps = by_kind.get("ConfigMap", {})
jm = deployments.get("flink-jobmanager")
tm = deployments.get("flink-taskmanager")
jm_svc = services.get("flink-jobmanager")
rest_svc = services.get("flink-jobmanager-rest")
cm = configmaps.get("flink-config")
check("the five objects exist (ConfigMap, 2 Services, 2 Deployments)", all([jm, tm, jm_svc, rest_svc, cm]))
if not all([jm, tm, jm_svc, rest_svc, cm]):
    sys.exit(1)


def pod(dep):
    return dep["spec"]["template"]


def container(dep):
    return pod(dep)["spec"]["containers"][0]


def ports(dep):
    return {p["name"]: p["containerPort"] for p in container(dep).get("ports", [])}


def env(dep):
    return {e["name"]: e.get("value") for e in container(dep).get("env", [])}


def selects(selector, labels):
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


for name, dep in (("jobmanager", jm), ("taskmanager", tm)):
    labels = pod(dep)["metadata"]["labels"]
    check(f"{name}: selector matches its pod template labels", selects(dep["spec"]["selector"]["matchLabels"], labels))
    check(f"{name}: image is submitjob-flink:standalone", container(dep)["image"] == "submitjob-flink:standalone")
    check(f"{name}: container args are [{name}] (the flink entrypoint's command)", container(dep).get("args") == [name])

jm_labels = pod(jm)["metadata"]["labels"]
tm_labels = pod(tm)["metadata"]["labels"]
for svc_name, svc in (("flink-jobmanager", jm_svc), ("flink-jobmanager-rest", rest_svc)):
    sel = svc["spec"]["selector"]
    check(f"service {svc_name} selects the jobmanager pods", selects(sel, jm_labels))
    check(f"service {svc_name} does not select the taskmanager pods", not selects(sel, tm_labels))
    for p in svc["spec"]["ports"]:
        target = p.get("targetPort", p["port"])
        if isinstance(target, str):
            ok = target in ports(jm)
        else:
            ok = target in ports(jm).values()
        check(f"service {svc_name} port {p['port']} targets a jobmanager container port ({target})", ok)

svc_ports = {p["name"]: p["port"] for p in jm_svc["spec"]["ports"]}
check("service flink-jobmanager exposes rpc 6123, blob 6124, ui/rest 8081",
      svc_ports == {"rpc": 6123, "blob-server": 6124, "webui": 8081})
check("service flink-jobmanager-rest exposes 8081", [p["port"] for p in rest_svc["spec"]["ports"]] == [8081])

# The Flink configuration.
check("configmap has flink-conf.yaml and log4j-console.properties",
      {"flink-conf.yaml", "log4j-console.properties"} <= set(cm["data"]))
conf = yaml.safe_load(cm["data"]["flink-conf.yaml"])
check("flink-conf.yaml: jobmanager.rpc.address is the jobmanager service name",
      conf.get("jobmanager.rpc.address") == jm_svc["metadata"]["name"])
check("flink-conf.yaml: rpc/blob/rest ports match the jobmanager container ports",
      (conf.get("jobmanager.rpc.port"), conf.get("blob.server.port"), conf.get("rest.port"))
      == (ports(jm).get("rpc"), ports(jm).get("blob-server"), ports(jm).get("webui")))
check("flink-conf.yaml: taskmanager.rpc.port matches the taskmanager container port",
      conf.get("taskmanager.rpc.port") == ports(tm).get("rpc"))
check("flink-conf.yaml: web.submit.enable is true (submitjob uploads through REST)", conf.get("web.submit.enable") is True)
log4j = cm["data"]["log4j-console.properties"]
check("log4j-console.properties: root logger goes to the console",
      re.search(r"^rootLogger\.appenderRef\.console\.ref\s*=\s*ConsoleAppender", log4j, re.M) is not None
      and "appender.console.type = CONSOLE" in log4j)
check("log4j-console.properties: Chunjun's Main (logs the job's passwords) is above INFO",
      re.search(r"^logger\.chunjunmain\.level\s*=\s*(WARN|ERROR|OFF)", log4j, re.M) is not None)


def mib(text):
    m = re.fullmatch(r"(\d+)(m|mb|Mi|g|gb|Gi)", str(text))
    n, unit = int(m.group(1)), m.group(2)
    return n * 1024 if unit in ("g", "gb", "Gi") else n


for name, dep, key in (("jobmanager", jm, "jobmanager.memory.process.size"),
                       ("taskmanager", tm, "taskmanager.memory.process.size")):
    c = container(dep)
    check(f"{name}: mounts the flink-config ConfigMap at /opt/flink/conf",
          any(m["mountPath"] == "/opt/flink/conf" and any(
              v["name"] == m["name"] and v.get("configMap", {}).get("name") == cm["metadata"]["name"]
              for v in pod(dep)["spec"]["volumes"]) for m in c["volumeMounts"]))
    items = [i["key"] for v in pod(dep)["spec"]["volumes"] for i in v.get("configMap", {}).get("items", [])]
    check(f"{name}: every ConfigMap item it mounts exists in the ConfigMap", items and all(k in cm["data"] for k in items))
    check(f"{name}: JOB_MANAGER_RPC_ADDRESS is the jobmanager service name",
          env(dep).get("JOB_MANAGER_RPC_ADDRESS") == jm_svc["metadata"]["name"])
    limit = c.get("resources", {}).get("limits", {}).get("memory")
    check(f"{name}: memory limit ({limit}) holds {key} ({conf.get(key)})",
          limit is not None and mib(limit) >= mib(conf.get(key)))
    probe_port = c.get("livenessProbe", {}).get("tcpSocket", {}).get("port")
    check(f"{name}: liveness probe checks its rpc port", probe_port == ports(dep).get("rpc"))

print(f"manifests: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
