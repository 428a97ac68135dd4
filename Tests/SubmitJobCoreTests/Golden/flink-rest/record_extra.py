#!/usr/bin/env python3
"""Second pass: catch vertices in DEPLOYING/INITIALIZING, and a job waiting for slots.

  record_extra.py VERSION OUT_DIR LOG_FILE    (a log file of its own: record.py's is overwritten)

REST serves a job's graph from a cache (web.refresh-interval, 3 s) filled by the first request, so
a vertex state that lasts ~0.1 s is only seen if the FIRST request falls into it: one job per try.
"""
import os, sys, tempfile, subprocess, time, json
import importlib.util
spec = importlib.util.spec_from_file_location("record", os.path.join(os.path.dirname(os.path.abspath(__file__)), "record.py"))
r = importlib.util.module_from_spec(spec)
spec.loader.exec_module(r)


def extra(inst, out, sp):
    jar = r.upload(f"{r.DIST}/chunjun-core.jar", "chunjun-core.jar")
    r.IDS[jar] = ":jarid"
    found = set()
    delays = [0.05 + 0.01 * i for i in range(12)] + [0.03 + 0.01 * i for i in range(14)]
    for n, delay in enumerate(delays):
        x = r.run(jar, "stream-unbounded.json", f"observe-deploying-{n}", f"{out}/deploying-{n}", label=f":jobX-{n}")
        time.sleep(delay)
        st, j, raw = r.call("GET", f"/jobs/{x}", quiet=True)
        statuses = [v["status"] for v in j.get("vertices", [])]
        r.note(kind="check", what="deploying attempt", delay=round(delay, 3), state=j.get("state"), vertices=statuses)
        for s_ in ("DEPLOYING", "INITIALIZING", "SCHEDULED"):
            if s_ in statuses and s_ not in found:
                found.add(s_)
                r.save_last({"DEPLOYING": "job-deploying", "INITIALIZING": "job-vertex-initializing",
                             "SCHEDULED": "job-vertex-scheduled"}[s_])
        r.call("PATCH", f"/jobs/{x}?mode=cancel", quiet=True)
        r.wait_state(x, {"CANCELED", "FAILED", "FINISHED"})
        if "DEPLOYING" in found and "INITIALIZING" in found:
            break
    # A job that needs more slots than the cluster has (4): RUNNING while its tasks wait.
    body, shown = r.run_body("stream-unbounded.json", "observe-waiting-for-slots", f"{out}/waiting")
    body["parallelism"] = 6
    shown["parallelism"] = 6
    # the job's own channel setting wins over "parallelism" in the fixture Main: use a job text with channel 6
    with open(os.path.join(r.JOBS, "stream-unbounded.json"), encoding="utf-8") as f:
        text = f.read().replace('"channel": 1', '"channel": 6')
    body["programArgsList"][1] = r.java_urlencode(text)
    shown["programArgsList"][1] = "<stream-unbounded.json with channel 6, URL-encoded>"
    del body["parallelism"], shown["parallelism"]
    st, j, raw = r.call("POST", f"/jars/{jar}/run", body, quiet=True)
    w = j["jobid"]
    r.IDS[w] = ":jobW-waiting"
    time.sleep(4)
    j = r.call("GET", f"/jobs/{w}", name="job-waiting-for-slots")[1]
    r.note(kind="check", what="job needing 6 slots of 4", state=j["state"], vertices=[v["status"] for v in j["vertices"]],
           tasks=[v.get("tasks") for v in j["vertices"]])
    r.call("GET", "/jobs/overview", name="jobs-overview-waiting-for-slots")
    r.call("PATCH", f"/jobs/{w}?mode=cancel", quiet=True)
    r.wait_state(w, {"CANCELED", "FAILED", "FINISHED"})


def main():
    ports = subprocess.run(["python3", f"{r.REPO}/scripts/free-ports.py", "2"], capture_output=True, text=True,
                           check=True).stdout.split()
    inst = tempfile.mkdtemp(prefix="observe-", dir="/tmp")
    os.chmod(inst, 0o755)
    cmd = [f"{r.REPO}/scripts/flink.sh", "start", r.VERSION, inst, "--rest-port", ports[0], "--rpc-port", ports[1]]
    if r.V112:
        cmd += ["--extra-lib", r.DIST]
    try:
        r.BASE = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
        extra(inst, f"{inst}/out", f"file://{inst}/savepoints")
    finally:
        subprocess.run([f"{r.REPO}/scripts/flink.sh", "stop", inst])
        r.note(kind="stopped", instance=inst)


main()
