#!/usr/bin/env python3
"""Records Flink's raw REST answers for job control against a local cluster of one version.

  record.py VERSION OUT_DIR LOG_FILE     e.g. record.py 2.2.1 /tmp/rest/2.2.1 /tmp/rest/2.2.1.jsonl

Needs the fixture dists: Tests/Fixtures/build-dist.sh <flink-1.12.5>/lib .build/fixtures (used for
1.x) and Tests/Fixtures/build-dist.sh <flink-2.x>/lib .build/fixtures-2 (used for 2.x).

Starts a cluster with scripts/flink.sh (always stopped again), submits the fixture Chunjun jobs
the way submitjob does (upload chunjun-core.jar, POST /jars/:id/run with programArgsList), and
saves each interesting response body, as received, to OUT_DIR/<what>.json. LOG_FILE gets one
JSON line per saved call (method, path, request body, status, timing) plus the checks made on
the fixture (rows, accumulators, times), for NOTES.md.
"""
import json, os, random, re, subprocess, sys, tempfile, time, urllib.error, urllib.request, uuid

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../.."))
VERSION, OUT, LOGFILE = sys.argv[1], sys.argv[2], sys.argv[3]
V112 = VERSION.startswith("1.12")
V2 = VERSION.startswith("2.")
DIST = f"{REPO}/.build/fixtures-2/chunjun-dist" if V2 else f"{REPO}/.build/fixtures/chunjun-dist"
JOBS = f"{REPO}/Tests/Fixtures/jobs"
os.makedirs(OUT, exist_ok=True)
LOG = open(LOGFILE, "w")
T0 = time.time()
BASE = None
IDS = {}  # real id -> label, to write paths as templates


def note(**kw):
    kw["t"] = round(time.time() - T0, 3)
    LOG.write(json.dumps(kw, ensure_ascii=False) + "\n")
    LOG.flush()
    print("NOTE", json.dumps(kw, ensure_ascii=False)[:400], flush=True)


def java_urlencode(s):
    out = []
    for b in s.encode("utf-8"):
        c = chr(b)
        if b < 128 and (c.isalnum() or c in ".-*_"):
            out.append(c)
        elif c == " ":
            out.append("+")
        else:
            out.append("%%%02X" % b)
    return "".join(out)


def template(path):
    for real, label in IDS.items():
        path = path.replace(real, label)
    return path


def call(method, path, body=None, name=None, raw=None, headers=None, log_body=None, quiet=False):
    data = json.dumps(body).encode() if body is not None else raw
    req = urllib.request.Request(BASE + path, data=data, method=method)
    if body is not None:
        req.add_header("Content-Type", "application/json")
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    t = time.time()
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            status, payload, ctype = r.status, r.read(), r.headers.get("Content-Type")
    except urllib.error.HTTPError as e:
        status, payload, ctype = e.code, e.read(), e.headers.get("Content-Type")
    dt = time.time() - t
    try:
        parsed = json.loads(payload) if payload else None
    except ValueError:
        parsed = None
    LAST[:] = [method, path, log_body if log_body is not None else body, status, ctype, dt, payload]
    if name:
        save_last(name)
    elif not quiet:
        print(f"  {method} {path} -> {status} {payload[:200]!r}", flush=True)
    return status, parsed, payload


LAST = []


def save_last(name, last=None):
    """Saves the response of the last call (or of the given LAST snapshot) as OUT/name.json."""
    method, path, request, status, ctype, dt, payload = last or LAST
    with open(os.path.join(OUT, name + ".json"), "wb") as f:
        f.write(payload)
    note(kind="call", name=name, method=method, path=template(path), request=request, status=status,
         contentType=ctype, seconds=round(dt, 3), bytes=len(payload))


def upload(path, filename, name=None):
    boundary = uuid.uuid4().hex
    with open(path, "rb") as f:
        content = f.read()
    raw = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"jarfile\"; filename=\"{filename}\"\r\n"
           "Content-Type: application/java-archive\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
    st, j, _ = call("POST", "/jars/upload", raw=raw, name=name,
                    headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
                    log_body=f"multipart/form-data, one part 'jarfile' filename={filename}")
    assert st == 200, (st, j)
    return j["filename"].rsplit("/", 1)[-1]


CACHE_WAIT = 3.5  # > web.refresh-interval (3 s): REST serves a cached copy of a job's graph

CLASSPATHS = ";".join(f"file://{DIST}/{p}" for p in (
    "connector/stream/chunjun-connector-stream.jar", "formats/chunjun-format-fixture.jar",
    "metrics/prometheus/chunjun-metrics-prometheus.jar"))


def run_body(job_file, job_name, out_dir, savepoint=None, confprop=None, flink_conf=None):
    with open(os.path.join(JOBS, job_file), encoding="utf-8") as f:
        text = f.read()
    args = ["-job", java_urlencode(text), "-jobType", "sync", "-mode", "standalone",
            "-chunjunDistDir", DIST, "-pluginLoadMode", "classpath", "-jobName", job_name]
    if confprop is not None:
        args += ["-confProp", java_urlencode(json.dumps(confprop))]
    args += ["-p", "outDir=" + out_dir]
    body = {"entryClass": "com.dtstack.chunjun.Main", "programArgsList": args}
    if savepoint:
        body["savepointPath"] = savepoint
    if not V112:
        body["flinkConfiguration"] = {"pipeline.classpaths": CLASSPATHS, **(flink_conf or {})}
    shown = dict(body)
    shown["programArgsList"] = ["-job", f"<{job_file}, URL-encoded>"] + args[2:]
    return body, shown


def run(jar, job_file, job_name, out_dir, name=None, label=None, **kw):
    body, shown = run_body(job_file, job_name, out_dir, **kw)
    st, j, raw = call("POST", f"/jars/{jar}/run", body, name=name, log_body=shown)
    assert st == 200, (st, raw[:3000])
    jid = j["jobid"]
    IDS[jid] = label or (":" + job_name)
    note(kind="job", label=IDS[jid], jobid=jid, job=job_file, name=job_name, savepoint=kw.get("savepoint"))
    return jid


def job(jid):
    return call("GET", f"/jobs/{jid}", quiet=True)[1]


def live_state(jid):
    """From GET /jobs/overview, which asks the dispatcher: GET /jobs/:id is served from a copy
    of the job's graph cached for web.refresh-interval (3 s), so it lags."""
    for x in (call("GET", "/jobs/overview", quiet=True)[1] or {}).get("jobs", []):
        if x["jid"] == jid:
            return x["state"]
    return None


WAITED = {}


def wait_state(jid, states, timeout=120):
    end = time.time() + timeout
    while time.time() < end:
        if live_state(jid) in states:
            WAITED["live"] = time.time()
            while time.time() < end:  # then until GET /jobs/:id (cached) agrees, for the files
                j = job(jid)
                if j.get("state") in states:
                    WAITED["detail"] = time.time()
                    return j
                time.sleep(0.1)
        time.sleep(0.05)
    raise RuntimeError(f"job {jid} not in {states} after {timeout}s: {live_state(jid)}")


def all_running(j):
    return j.get("state") == "RUNNING" and all(v["status"] == "RUNNING" for v in j.get("vertices", []))


def wait_all_running(jid, timeout=60):
    end = time.time() + timeout
    while time.time() < end:
        j = job(jid)
        if j and all_running(j):
            return j
        time.sleep(0.2)
    raise RuntimeError("not all vertices running")


def user_accs(jid):
    j = call("GET", f"/jobs/{jid}/accumulators", quiet=True)[1] or {}
    return {a["name"]: a["value"] for a in j.get("user-task-accumulators", [])}


def poll_op(jid, trig, inprog_name=None, done_name=None, timeout=120):
    """GET /jobs/:id/savepoints/:trig until not IN_PROGRESS; returns (json, seconds)."""
    t = time.time()
    saved_inprog = False
    while time.time() - t < timeout:
        st, j, raw = call("GET", f"/jobs/{jid}/savepoints/{trig}", quiet=True)
        sid = (j or {}).get("status", {}).get("id")
        if sid == "IN_PROGRESS":
            if inprog_name and not saved_inprog:
                save_last(inprog_name)
                saved_inprog = True
            time.sleep(0.05)
            continue
        if done_name:
            save_last(done_name)
        return j, time.time() - t, st
    raise RuntimeError("operation did not finish")


def rows(path):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read().splitlines()
    except FileNotFoundError:
        return None


def rand_hex():
    return "%032x" % random.getrandbits(128)


def main():
    global BASE
    ports = subprocess.run(["python3", f"{REPO}/scripts/free-ports.py", "2"], capture_output=True,
                           text=True, check=True).stdout.split()
    inst = tempfile.mkdtemp(prefix="observe-", dir="/tmp")
    os.chmod(inst, 0o755)
    out = f"{inst}/out"
    sp = f"file://{inst}/savepoints"
    note(kind="cluster", version=VERSION, instance=inst, ports=ports, dist=DIST)
    cmd = [f"{REPO}/scripts/flink.sh", "start", VERSION, inst, "--rest-port", ports[0], "--rpc-port", ports[1]]
    if V112:
        cmd += ["--extra-lib", DIST]
    try:
        t = time.time()
        BASE = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
        note(kind="started", seconds=round(time.time() - t, 1), url=BASE)
        body(inst, out, sp)
    finally:
        subprocess.run([f"{REPO}/scripts/flink.sh", "stop", inst])
        note(kind="stopped", instance=inst)


def body(inst, out, sp):
    call("GET", "/config", name="config")
    call("GET", "/jobs/overview", name="jobs-overview-empty")
    jar = upload(f"{DIST}/chunjun-core.jar", "chunjun-core.jar", name="jar-upload")
    IDS[jar] = ":jarid"

    # ---- A: bounded stream-sync.json -> FINISHED
    a = run(jar, "stream-sync.json", "observe-sync", f"{out}/sync", name="jar-run", label=":jobA-sync")
    wait_state(a, {"FINISHED", "FAILED", "CANCELED"})
    call("GET", f"/jobs/{a}", name="job-finished")
    call("GET", f"/jobs/{a}/accumulators", name="accumulators-finished")
    call("GET", f"/jobs/{a}/checkpoints", name="checkpoints-finished-no-checkpointing")
    expected = [f"{i},{i},name_{i},h\u00e9llo w/rld é😀" for i in range(10)]
    got = rows(f"{out}/sync/part-0")
    note(kind="check", what="stream-sync part-0", ok=got == expected, rows=len(got or []), first=(got or [None])[0],
         last=(got or [None])[-1], accumulators=user_accs(a), files=sorted(os.listdir(f"{out}/sync")))

    # ---- B: unbounded, catch the early states
    b = run(jar, "stream-unbounded.json", "observe-unbounded", f"{out}/unbounded", label=":jobB-unbounded")
    tb = time.time()
    timeline, seen, first = [], set(), True
    while time.time() - tb < 30:
        st, j, raw = call("GET", f"/jobs/{b}", quiet=True)
        if st != 200:
            timeline.append((round(time.time() - tb, 3), f"HTTP {st}"))
            continue
        key = (j["state"], tuple(v["status"] for v in j.get("vertices", [])))
        if key not in seen:
            seen.add(key)
            timeline.append((round(time.time() - tb, 3), key))
            if first:
                save_last("job-just-submitted")
                first = False
            if any(s == "DEPLOYING" for s in key[1]) and "deploying" not in seen:
                seen.add("deploying")
                save_last("job-deploying")
        if all_running(j):
            break
    note(kind="timeline", job=":jobB-unbounded", states=timeline)
    call("GET", f"/jobs/{b}", name="job-running")
    # accumulators: when do the user ones appear?
    first_empty = True
    acc_seen = None
    while time.time() - tb < 60:
        st, j, raw = call("GET", f"/jobs/{b}/accumulators", quiet=True)
        if j.get("user-task-accumulators"):
            acc_seen = time.time() - tb
            call("GET", f"/jobs/{b}/accumulators", name="accumulators-running")
            break
        if first_empty:
            call("GET", f"/jobs/{b}/accumulators", name="accumulators-running-empty")
            first_empty = False
        time.sleep(0.25)
    a1 = user_accs(b)
    note(kind="check", what="user accumulators first seen", seconds_after_run=round(acc_seen, 2) if acc_seen else None, values=a1)
    call("GET", f"/jobs/{b}/checkpoints", name="checkpoints-running-none")
    call("GET", f"/jobs/{b}/exceptions", name="exceptions-running")
    call("GET", f"/jobs/{b}/config", name="job-config")
    call("GET", f"/jobs/{b}/jobmanager/config", name="job-jobmanager-config")
    call("GET", f"/jobs/{b}/status", name="job-status")
    call("GET", f"/jobs/{rand_hex()}", name="job-unknown")
    call("GET", "/jars", name="jars")

    # savepoint with a directory
    st, j, _ = call("POST", f"/jobs/{b}/savepoints", {"target-directory": f"{sp}/b", "cancel-job": False}, name="savepoint-trigger")
    trig = j["request-id"]
    IDS[trig] = ":triggerid"
    res, secs, _ = poll_op(b, trig, "savepoint-status-in-progress", "savepoint-status-completed")
    note(kind="check", what="savepoint with target-directory", seconds=round(secs, 3), result=res)
    call("GET", f"/jobs/{b}/checkpoints", name="checkpoints-after-savepoint-at-once")
    time.sleep(CACHE_WAIT)  # the job's graph (checkpoint stats included) is cached for web.refresh-interval
    call("GET", f"/jobs/{b}/checkpoints", name="checkpoints-after-savepoint")
    call("GET", f"/jobs/{b}/savepoints/{rand_hex()}", name="savepoint-status-unknown-trigger")

    # savepoint without a directory (no state.savepoints.dir on this cluster)
    st, j, _ = call("POST", f"/jobs/{b}/savepoints", {"cancel-job": False}, name="savepoint-trigger-no-dir")
    if st == 202:
        IDS[j["request-id"]] = ":triggerid-no-dir"
        res, secs, _ = poll_op(b, j["request-id"], None, "savepoint-status-no-dir")
        note(kind="check", what="savepoint without dir", result=res)
    # savepoint to a directory that cannot be created -> operation failure
    st, j, _ = call("POST", f"/jobs/{b}/savepoints", {"target-directory": "file:///proc/observe-denied", "cancel-job": False},
                    name="savepoint-trigger-unwritable")
    if st == 202:
        IDS[j["request-id"]] = ":triggerid-unwritable"
        res, secs, _ = poll_op(b, j["request-id"], None, "savepoint-status-failed")
    note(kind="check", what="job state after failed savepoints", state=job(b)["state"])

    if V112:
        call("POST", f"/jobs/{b}/savepoints", {"target-directory": f"{sp}/b-fmt", "cancel-job": False, "formatType": "CANONICAL"},
             name="savepoint-trigger-formattype-rejected")
        call("POST", f"/jobs/{b}/savepoints", {"target-directory": f"{sp}/b-tid", "cancel-job": False, "triggerId": rand_hex()},
             name="savepoint-trigger-triggerid-rejected")
    else:
        st, j, _ = call("POST", f"/jobs/{b}/savepoints", {"target-directory": f"{sp}/b-canonical", "cancel-job": False,
                                                          "formatType": "CANONICAL"}, name="savepoint-trigger-canonical")
        IDS[j["request-id"]] = ":triggerid-canonical"
        res, secs, _ = poll_op(b, j["request-id"], None, "savepoint-status-canonical-completed")
        st, j, _ = call("POST", f"/jobs/{b}/savepoints", {"target-directory": f"{sp}/b-native", "cancel-job": False,
                                                          "formatType": "NATIVE"}, name="savepoint-trigger-native")
        if st == 202:
            IDS[j["request-id"]] = ":triggerid-native"
            poll_op(b, j["request-id"], None, "savepoint-status-native-completed")
        before = call("GET", f"/jobs/{b}/checkpoints", quiet=True)[1]["counts"]
        own = rand_hex()
        IDS[own] = ":own-triggerid"
        st, j, _ = call("POST", f"/jobs/{b}/savepoints", {"target-directory": f"{sp}/b-own", "cancel-job": False,
                                                          "triggerId": own}, name="savepoint-trigger-own-id")
        st2, j2, _ = call("POST", f"/jobs/{b}/savepoints", {"target-directory": f"{sp}/b-own", "cancel-job": False,
                                                            "triggerId": own}, name="savepoint-trigger-own-id-again-at-once")
        res, secs, _ = poll_op(b, own, None, "savepoint-status-own-id-completed")
        st3, j3, _ = call("POST", f"/jobs/{b}/savepoints", {"target-directory": f"{sp}/b-own", "cancel-job": False,
                                                            "triggerId": own}, name="savepoint-trigger-own-id-again-after-completion")
        time.sleep(CACHE_WAIT)
        after = call("GET", f"/jobs/{b}/checkpoints", name="checkpoints-after-own-triggerid")[1]["counts"]
        note(kind="check", what="own triggerId twice", first=j, again=j2, after_completion=j3, counts_before=before, counts_after=after,
             result=res, savepoint_dirs=sorted(os.listdir(f"{inst}/savepoints/b-own")))
        # the same triggerId with different parameters
        st4, j4, _ = call("POST", f"/jobs/{b}/savepoints", {"target-directory": f"{sp}/b-other", "cancel-job": False,
                                                            "triggerId": own}, name="savepoint-trigger-own-id-other-dir")
        time.sleep(1)
        note(kind="check", what="same triggerId, other directory", response=j4, status=st4,
             created=os.path.exists(f"{inst}/savepoints/b-other") and os.listdir(f"{inst}/savepoints/b-other"))

    # stop without a directory: what fails, where?
    st, j, _ = call("POST", f"/jobs/{b}/stop", {"drain": False}, name="stop-trigger-no-dir")
    if st == 202:
        IDS[j["request-id"]] = ":triggerid-stop-no-dir"
        poll_op(b, j["request-id"], None, "stop-status-no-dir")
    note(kind="check", what="job state after stop without dir", state=job(b)["state"])

    t = time.time()
    a2 = user_accs(b)
    while a2 == a1 and time.time() - t < 25:
        time.sleep(0.5)
        a2 = user_accs(b)
    note(kind="check", what="accumulators grow", first=a1, later=a2, seconds_after_run=round(time.time() - tb, 2))
    call("GET", f"/jobs/{b}/accumulators", name="accumulators-running-later")

    # stop with savepoint, drain false
    t = time.time()
    st, j, _ = call("POST", f"/jobs/{b}/stop", {"targetDirectory": f"{sp}/b-stop", "drain": False}, name="stop-trigger")
    IDS[j["request-id"]] = ":triggerid-stop"
    res, secs, _ = poll_op(b, j["request-id"], "stop-status-in-progress", "stop-status-completed")
    jb = wait_state(b, {"FINISHED", "FAILED", "CANCELED"})
    stop_secs = WAITED["live"] - t
    stop_detail_secs = WAITED["detail"] - t
    call("GET", f"/jobs/{b}", name="job-stopped-with-savepoint")
    call("GET", f"/jobs/{b}/checkpoints", name="checkpoints-after-stop-at-once")
    time.sleep(CACHE_WAIT)
    call("GET", f"/jobs/{b}/checkpoints", name="checkpoints-after-stop")
    call("GET", f"/jobs/{b}/accumulators", name="accumulators-after-stop")
    location = res["operation"]["location"]
    time.sleep(1)
    old_rows = rows(f"{out}/unbounded/part-0")
    note(kind="check", what="stop-with-savepoint drain=false", operation_seconds=round(secs, 3),
         to_terminal_seconds=round(stop_secs, 3), detail_shows_terminal_after=round(stop_detail_secs, 3),
         state=jb["state"], location=location,
         rows=len(old_rows or []), last=(old_rows or [None])[-1], accumulators=user_accs(b))

    # stop of a FINISHED job; savepoint of a FINISHED job
    st, j, _ = call("POST", f"/jobs/{a}/stop", {"targetDirectory": f"{sp}/a-stop", "drain": False}, name="stop-trigger-finished-job")
    if st == 202:
        IDS[j["request-id"]] = ":triggerid-stop-finished"
        poll_op(a, j["request-id"], None, "stop-status-finished-job")
    st, j, _ = call("POST", f"/jobs/{a}/savepoints", {"target-directory": f"{sp}/a", "cancel-job": False},
                    name="savepoint-trigger-finished-job")
    if st == 202:
        IDS[j["request-id"]] = ":triggerid-finished"
        poll_op(a, j["request-id"], None, "savepoint-status-finished-job")

    # ---- C: resume from B's stop savepoint, then stop with drain
    c = run(jar, "stream-unbounded.json", "observe-resumed", f"{out}/resumed", savepoint=location,
            name="jar-run-with-savepoint", label=":jobC-resumed")
    wait_all_running(c)
    time.sleep(3)
    call("GET", f"/jobs/{c}/checkpoints", name="checkpoints-restored")
    t = time.time()
    st, j, _ = call("POST", f"/jobs/{c}/stop", {"targetDirectory": f"{sp}/c-drain", "drain": True}, name="stop-drain-trigger")
    IDS[j["request-id"]] = ":triggerid-drain"
    res, secs, _ = poll_op(c, j["request-id"], None, "stop-drain-status-completed")
    jc = wait_state(c, {"FINISHED", "FAILED", "CANCELED"})
    drain_secs = WAITED["live"] - t
    call("GET", f"/jobs/{c}", name="job-stopped-with-drain")
    time.sleep(1)
    new_rows = rows(f"{out}/resumed/part-0")
    first_new = int(new_rows[0].split(",")[0]) if new_rows else None
    last_old = int(old_rows[-1].split(",")[0]) if old_rows else None
    note(kind="check", what="resume from stop savepoint", first_row_new=first_new, last_row_old=last_old,
         ok=first_new is not None and 0 < first_new <= last_old + 1, new_rows=len(new_rows or []),
         drain_operation_seconds=round(secs, 3), drain_to_terminal_seconds=round(drain_secs, 3), drain_state=jc["state"],
         drain_result=res)

    # ---- D: cancel
    d = run(jar, "stream-unbounded.json", "observe-cancel", f"{out}/cancel", label=":jobD-cancel")
    wait_all_running(d)
    t = time.time()
    call("PATCH", f"/jobs/{d}?mode=cancel", name="cancel-running-job")
    wait_state(d, {"CANCELED", "FAILED", "FINISHED"})
    note(kind="check", what="cancel to CANCELED", seconds=round(WAITED["live"] - t, 3),
         detail_shows_terminal_after=round(WAITED["detail"] - t, 3))
    call("GET", f"/jobs/{d}", name="job-canceled")
    call("GET", f"/jobs/{d}/accumulators", name="accumulators-canceled")
    call("PATCH", f"/jobs/{d}?mode=cancel", name="cancel-canceled-job")
    call("PATCH", f"/jobs/{a}?mode=cancel", name="cancel-finished-job")
    call("PATCH", f"/jobs/{rand_hex()}?mode=cancel", name="cancel-unknown-job")
    call("PATCH", f"/jobs/{d}?mode=stop", name="cancel-mode-stop")
    call("GET", f"/jobs/{d}/checkpoints", name="checkpoints-canceled")

    # ---- E: failing job
    e = run(jar, "stream-failing.json", "observe-failing", f"{out}/failing", label=":jobE-failing")
    te = time.time()
    wait_state(e, {"FAILED", "FINISHED", "CANCELED"})
    note(kind="check", what="failing job terminal", seconds_after_run=round(WAITED["live"] - te, 2), state=job(e)["state"])
    call("GET", f"/jobs/{e}", name="job-failed")
    st, ex, _ = call("GET", f"/jobs/{e}/exceptions", name="exceptions-failed")
    call("GET", f"/jobs/{e}/accumulators", name="accumulators-failed")
    text = (ex.get("root-exception") or "") if isinstance(ex, dict) else ""
    if not text and ex.get("exceptionHistory", {}).get("entries"):
        text = ex["exceptionHistory"]["entries"][0].get("stacktrace", "")
    causes = [l for l in text.splitlines() if l.startswith("Caused by:")]
    first_line = text.splitlines()[0] if text else None
    note(kind="check", what="failing job exception", innermost=causes[-1] if causes else first_line,
         keys=sorted(ex.keys()), rows=len(rows(f"{out}/failing/part-0") or []))

    # ---- catching DEPLOYING: REST caches a job's graph for 3 s from the first request, so the
    # first GET must fall into the short DEPLOYING window; try a few delays.
    for n, delay in enumerate([0.0, 0.04, 0.08, 0.12, 0.16, 0.2, 0.25, 0.3]):
        x = run(jar, "stream-unbounded.json", f"observe-deploying-{n}", f"{out}/deploying-{n}", label=f":jobX-{n}")
        time.sleep(delay)
        st, j, raw = call("GET", f"/jobs/{x}", quiet=True)
        statuses = [v["status"] for v in j.get("vertices", [])]
        note(kind="check", what="deploying attempt", delay=delay, state=j.get("state"), vertices=statuses)
        if "DEPLOYING" in statuses:
            save_last("job-deploying")
        elif "INITIALIZING" in statuses:
            save_last("job-vertex-initializing")
        call("PATCH", f"/jobs/{x}?mode=cancel", quiet=True)
        wait_state(x, {"CANCELED", "FAILED", "FINISHED"})
        if "DEPLOYING" in statuses:
            break

    # ---- F: started from a second copy of the core jar; delete that jar while it runs.
    # Also carries -confProp {"execution.checkpointing.interval": "2 s"}: does the fixture apply it?
    jar2 = upload(f"{DIST}/chunjun-core.jar", "chunjun-core-copy.jar")
    IDS[jar2] = ":jarid-2"
    f_ = run(jar2, "stream-unbounded.json", "observe-jar-deleted", f"{out}/jar-deleted", label=":jobF-jar-deleted",
             confprop={"execution.checkpointing.interval": "2 s"})
    wait_all_running(f_)
    call("DELETE", f"/jars/{jar2}", name="jar-delete-in-use")
    call("GET", "/jars", name="jars-after-delete-in-use")
    time.sleep(7)
    jf = call("GET", f"/jobs/{f_}", name="job-running-after-jar-delete")[1]
    call("GET", f"/jobs/{f_}/checkpoints", name="checkpoints-confprop-interval-ignored")
    note(kind="check", what="job after its jar was deleted", state=jf["state"],
         vertices=[v["status"] for v in jf["vertices"]], accumulators=user_accs(f_))
    call("DELETE", f"/jars/{jar2}", name="jar-delete-again")
    call("DELETE", "/jars/00000000-0000-0000-0000-000000000000_unknown.jar", name="jar-delete-unknown")
    jar3 = upload(f"{DIST}/chunjun-core.jar", "chunjun-core-spare.jar")
    IDS[jar3] = ":jarid-3"
    call("DELETE", f"/jars/{jar3}", name="jar-delete")

    # ---- G (1.20+): checkpointing through flinkConfiguration
    g = None
    if not V112:
        g = run(jar, "stream-unbounded.json", "observe-checkpointing", f"{out}/checkpointing", label=":jobG-checkpointing",
                flink_conf={"execution.checkpointing.interval": "2 s"})
        wait_all_running(g)
        time.sleep(7)
        call("GET", f"/jobs/{g}/checkpoints", name="checkpoints-interval-via-flinkconfiguration")
        call("GET", f"/jobs/{g}/jobmanager/config", name="job-jobmanager-config-with-checkpointing")
        call("GET", f"/jobs/{g}/checkpoints/config", name="checkpoints-config-interval")
    call("GET", f"/jobs/{b}/checkpoints/config", name="checkpoints-config-none")

    call("GET", "/jobs/overview", name="jobs-overview")
    call("GET", "/jobs", name="jobs")
    call("GET", "/overview", name="overview")
    for jid in [f_, g]:
        if jid:
            call("PATCH", f"/jobs/{jid}?mode=cancel", quiet=True)
            wait_state(jid, {"CANCELED", "FAILED", "FINISHED"})


if __name__ == "__main__":
    main()
