#!/usr/bin/env python3
"""make bench's harness and report writer (Python 3.11, standard library only).

    bench.py run --binary B --flink-url URL --flink-home DIR --dist DIR --run-dir DIR [options]
        Measures submitjob against curl and bin/flink run on one local Flink cluster (started and
        stopped by scripts/bench.sh), writes BENCHMARKS.md (--out) and the raw per-run numbers
        as JSON (--raw). Exits non-zero if any measured command failed or gave a wrong answer.
    bench.py self-check [--work DIR]
        Checks the harness itself against programs of known cost and against hyperfine (< 20 s).
    bench.py report RAW.json --out FILE
        Renders a report again from a raw file.

How a run is measured. Every command runs as a grandchild: this script posix_spawns a tiny C
helper (bench-spawn, compiled at start with cc), which takes the time, forks, execs the command
and reports what wait4(2) says about it: wall time (CLOCK_MONOTONIC from fork to wait4), CPU
(ru_utime + ru_stime, which include every descendant the command waited for: a shell's four curls
are summed) and peak RSS (ru_maxrss, KiB: the largest single process of the tree, not a sum).
Why the helper: Linux seeds a new process's ru_maxrss with the RSS of the process it was forked
from (and, through vfork/posix_spawn, with that process's *peak*), so a command spawned straight
from Python reports at least Python's ~5-10 MB, more than curl itself uses; forked from the
helper, /bin/true reports ~1 MB, as with GNU time. The Python side still takes perf_counter
around posix_spawn..os.wait4 and the helper's own rusage: kept in the raw JSON as outer_* (the
self-check compares both).

Variants of a group run round-robin (A B C A B C ...), warm-up rounds are discarded, and each
run's exit status and output are checked (a failed command fails the bench).
"""
import argparse
import datetime
import fcntl
import hashlib
import http.client
import http.server
import json
import os
import platform
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from dataclasses import dataclass, field
from typing import Callable, Optional

RESULT_FD = 3
MIB = 1024 * 1024

# ---------------------------------------------------------------------------------------------
# The C helpers
# ---------------------------------------------------------------------------------------------

SPAWN_C = r"""
/* bench-spawn RESULT_FD TIMEOUT_S COMMAND [ARG...]: fork, exec COMMAND (in its own process
 * group), wait4 it, write one line "exit signal timedout wall_ns utime_us stime_us maxrss_kib"
 * to RESULT_FD. stdin/stdout/stderr are the command's (set by the caller). After TIMEOUT_S
 * seconds the command's process group is SIGKILLed. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile pid_t child = 0;
static volatile sig_atomic_t timed_out = 0;
static void on_alarm(int sig) { (void)sig; timed_out = 1; if (child > 0) kill(-child, SIGKILL); }

int main(int argc, char **argv) {
    if (argc < 4) { fprintf(stderr, "usage: %s RESULT_FD TIMEOUT_S COMMAND [ARG...]\n", argv[0]); return 64; }
    int fd = atoi(argv[1]);
    unsigned timeout = (unsigned)atoi(argv[2]);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid_t pid = fork();
    if (pid < 0) { perror("bench-spawn: fork"); return 71; }
    if (pid == 0) {
        close(fd);
        setpgid(0, 0);
        execvp(argv[3], argv + 3);
        fprintf(stderr, "bench-spawn: cannot run %s: %s\n", argv[3], strerror(errno));
        _exit(127);
    }
    child = pid;
    setpgid(pid, pid);
    if (timeout > 0) alarm(timeout);
    int status = 0;
    struct rusage ru;
    while (wait4(pid, &status, 0, &ru) < 0) {
        if (errno != EINTR) { perror("bench-spawn: wait4"); return 71; }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    alarm(0);
    long long wall = (long long)(t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec);
    long long ut = (long long)ru.ru_utime.tv_sec * 1000000LL + ru.ru_utime.tv_usec;
    long long st = (long long)ru.ru_stime.tv_sec * 1000000LL + ru.ru_stime.tv_usec;
    dprintf(fd, "%d %d %d %lld %lld %lld %ld\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1,
            WIFSIGNALED(status) ? WTERMSIG(status) : 0, (int)timed_out, wall, ut, st, ru.ru_maxrss);
    return 0;
}
"""

LOAD_C = r"""
/* bench-load MIB CPU_MS: allocate MIB MiB and touch every page, then spin until this process
 * has used CPU_MS of CPU; print what getrusage says about itself. A program of known cost. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: %s MIB CPU_MS\n", argv[0]); return 64; }
    size_t bytes = (size_t)atol(argv[1]) << 20;
    long cpu_ms = atol(argv[2]);
    volatile char *p = malloc(bytes ? bytes : 1);
    if (!p) { perror("malloc"); return 71; }
    for (size_t i = 0; i < bytes; i += 4096) p[i] = (char)i;
    struct timespec ts;
    volatile unsigned long spin = 0;
    for (;;) {
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
        if (ts.tv_sec * 1000L + ts.tv_nsec / 1000000L >= cpu_ms) break;
        for (int i = 0; i < 10000; i++) spin++;
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("{\"maxrss_kib\": %ld, \"cpu_us\": %ld}\n", ru.ru_maxrss,
           (long)(ru.ru_utime.tv_sec * 1000000L + ru.ru_utime.tv_usec + ru.ru_stime.tv_sec * 1000000L + ru.ru_stime.tv_usec));
    return 0;
}
"""


class BenchError(Exception):
    pass


def log(message):
    print(f"bench: {message}", file=sys.stderr, flush=True)


def compile_helpers(directory):
    """Compiles bench-spawn and bench-load into DIRECTORY with the system's C compiler."""
    cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if not cc:
        raise BenchError("no C compiler (cc, gcc or clang): scripts/bench.sh installs gcc")
    os.makedirs(directory, exist_ok=True)
    built = {}
    for name, source in (("bench-spawn", SPAWN_C), ("bench-load", LOAD_C)):
        src = os.path.join(directory, name + ".c")
        exe = os.path.join(directory, name)
        with open(src, "w") as f:
            f.write(source)
        done = subprocess.run([cc, "-O2", "-o", exe, src], capture_output=True, text=True)
        if done.returncode != 0:
            raise BenchError(f"{cc} could not compile {src}:\n{done.stderr}")
        built[name] = exe
    return built["bench-spawn"], built["bench-load"]


# ---------------------------------------------------------------------------------------------
# The harness
# ---------------------------------------------------------------------------------------------

@dataclass
class Command:
    argv: list
    stdin: Optional[str] = None          # a file, else /dev/null
    env: Optional[dict] = None           # the whole environment (None: the harness's base)
    timeout: int = 600


@dataclass
class Sample:
    variant: str
    round: int
    warmup: bool
    exit: int
    signal: int
    wall: float        # seconds, the helper's clock from fork to wait4
    user: float
    sys: float
    maxrss_kib: int
    outer_wall: float  # perf_counter around posix_spawn(helper) .. os.wait4(helper)
    outer_cpu: float   # the helper's os.wait4 rusage (helper + command)

    @property
    def cpu(self):
        return self.user + self.sys


@dataclass
class Variant:
    key: str
    label: str
    prepare: Callable[[int], Command]                       # round -> command (untimed)
    check: Callable[[int, "Outcome"], None]                 # raises BenchError
    before: Optional[Callable[[int], None]] = None          # untimed hook before each run
    include: Callable[[int], bool] = lambda r: True         # does round r run this variant?


@dataclass
class Outcome:
    sample: Sample
    stdout_path: str
    stderr_path: str

    def stdout(self):
        with open(self.stdout_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def stderr(self):
        with open(self.stderr_path, "rb") as f:
            return f.read().decode("utf-8", "replace")


class Harness:
    def __init__(self, spawner, out_dir, base_env):
        self.spawner = spawner
        self.out_dir = out_dir
        self.base_env = base_env
        os.makedirs(out_dir, exist_ok=True)

    def spawn(self, command: Command, name="run"):
        """One measured run of COMMAND; stdout and stderr go to files under out_dir."""
        out_path = os.path.join(self.out_dir, name + ".out")
        err_path = os.path.join(self.out_dir, name + ".err")
        argv = list(command.argv)
        exe = argv[0] if "/" in argv[0] else shutil.which(argv[0])
        if not exe:
            raise BenchError(f"{argv[0]}: not found")
        argv[0] = exe
        r, w0 = os.pipe()
        # Above the fds the file actions use; DUP2 to RESULT_FD then clears close-on-exec there.
        w = fcntl.fcntl(w0, fcntl.F_DUPFD_CLOEXEC, 10)
        os.close(w0)
        actions = [
            (os.POSIX_SPAWN_OPEN, 0, command.stdin or os.devnull, os.O_RDONLY, 0),
            (os.POSIX_SPAWN_OPEN, 1, out_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644),
            (os.POSIX_SPAWN_OPEN, 2, err_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644),
            (os.POSIX_SPAWN_DUP2, w, RESULT_FD),
        ]
        env = command.env if command.env is not None else self.base_env
        try:
            t0 = time.perf_counter()
            pid = os.posix_spawn(self.spawner, [self.spawner, str(RESULT_FD), str(command.timeout)] + argv,
                                 env, file_actions=actions)
            os.close(w)
            w = -1
            _, status, ru = os.wait4(pid, 0)
            t1 = time.perf_counter()
            report = b""
            while chunk := os.read(r, 4096):
                report += chunk
        finally:
            os.close(r)
            if w >= 0:
                os.close(w)
        if os.waitstatus_to_exitcode(status) != 0 or not report:
            raise BenchError(f"bench-spawn failed (status {status}) for {argv[0]}: {open(err_path, errors='replace').read()[-2000:]}")
        code, sig, timed_out, wall_ns, ut, st, maxrss = (int(x) for x in report.split())
        if timed_out:
            raise BenchError(f"{' '.join(argv)[:300]} timed out after {command.timeout} s")
        sample = Sample(variant="", round=0, warmup=False, exit=code, signal=sig, wall=wall_ns / 1e9,
                        user=ut / 1e6, sys=st / 1e6, maxrss_kib=maxrss, outer_wall=t1 - t0,
                        outer_cpu=ru.ru_utime + ru.ru_stime)
        return Outcome(sample, out_path, err_path)

    def measure(self, group, variants, rounds, warmup, after=None, quiet=False):
        """Round-robin: in round r every variant included in r runs once, the order rotated by r
        (A B C, B C A, C A B, ...) so that no variant always follows the same one; the first
        WARMUP rounds are run and checked but flagged (not counted). AFTER(r) runs (untimed) after
        every run: e.g. waiting until the job just submitted has ended."""
        samples = []
        total = warmup + rounds
        for r in range(total):
            is_warmup = r < warmup
            included = [v for v in variants if v.include(r)]
            k = r % len(included) if included else 0
            for v in included[k:] + included[:k]:
                if v.before:
                    v.before(r)
                command = v.prepare(r)
                outcome = self.spawn(command, name=f"{group}-{v.key}")
                s = outcome.sample
                s.variant, s.round, s.warmup = v.key, r, is_warmup
                try:
                    if s.signal:
                        raise BenchError(f"killed by signal {s.signal}")
                    v.check(r, outcome)
                except BenchError as error:
                    raise BenchError(f"{group}/{v.key} (round {r}) failed: {error}\n"
                                     f"  command: {' '.join(command.argv)[:500]}\n"
                                     f"  exit {s.exit}; stderr: {outcome.stderr()[-1500:].strip()}\n"
                                     f"  stdout: {outcome.stdout()[:1500].strip()}") from None
                samples.append(s)
                if after:
                    after(r)
            done = [s for s in samples if s.round == r]
            quiet or log(f"{group} round {r + 1}/{total}{' (warm-up)' if is_warmup else ''}: " +
                ", ".join(f"{s.variant} {fmt_s(s.wall)}" for s in done))
        return samples


# ---------------------------------------------------------------------------------------------
# Statistics and formatting
# ---------------------------------------------------------------------------------------------

def spread(values):
    values = sorted(values)
    if not values:
        return None
    if len(values) == 1:
        q = [values[0]] * 9
    else:
        q = statistics.quantiles(values, n=10, method="inclusive")
    return {"n": len(values), "median": statistics.median(values), "min": values[0], "max": values[-1],
            "p10": q[0], "p90": q[8], "mean": statistics.fmean(values)}


def summarize(samples):
    by = {}
    for s in samples:
        if not s.warmup:
            by.setdefault(s.variant, []).append(s)
    return {k: {"wall": spread([s.wall for s in v]), "cpu": spread([s.cpu for s in v]),
                "user": spread([s.user for s in v]), "sys": spread([s.sys for s in v]),
                "maxrss_kib": spread([s.maxrss_kib for s in v]),
                "outer_wall": spread([s.outer_wall for s in v])} for k, v in by.items()}


def fmt_s(seconds):
    ms = seconds * 1000
    if ms < 10:
        return f"{ms:.2f} ms"
    if ms < 100:
        return f"{ms:.1f} ms"
    if ms < 1000:
        return f"{ms:.0f} ms"
    if ms < 10000:
        return f"{seconds:.2f} s"
    return f"{seconds:.1f} s"


def fmt_delta(seconds):
    return ("+" if seconds >= 0 else "−") + fmt_s(abs(seconds))


def fmt_kib(kib):
    return f"{kib / 1024:.1f} MiB"


def fmt_ratio(x):
    return f"{x:.2f}×" if x < 10 else f"{x:.1f}×"


# ---------------------------------------------------------------------------------------------
# Flink over REST (untimed housekeeping)
# ---------------------------------------------------------------------------------------------

class Flink:
    def __init__(self, url):
        self.url = url.rstrip("/")

    def request(self, method, path, body=None, timeout=60):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                text = resp.read()
                return resp.status, (json.loads(text) if text else None)
        except urllib.error.HTTPError as error:
            text = error.read()
            try:
                return error.code, json.loads(text)
            except ValueError:
                return error.code, text

    def get(self, path):
        status, body = self.request("GET", path)
        if status != 200:
            raise BenchError(f"GET {path}: HTTP {status}: {body}")
        return body

    def jars(self):
        return self.get("/jars").get("files", [])

    def delete_jars(self, keep=()):
        for jar in self.jars():
            if jar["name"] not in keep:
                status, body = self.request("DELETE", "/jars/" + urllib.parse.quote(jar["id"]))
                if status != 200:
                    raise BenchError(f"DELETE /jars/{jar['id']}: HTTP {status}: {body}")

    TERMINAL = {"FINISHED", "CANCELED", "FAILED"}

    def settle(self, job_ids, grace=15, timeout=90):
        """Waits until every one of the jobs has ended (the fixture job finishes in about 0.5 s),
        cancelling those still running after GRACE seconds; a FAILED job is a failed bench (the
        submission was wrong)."""
        pending = set(job_ids)
        start = time.monotonic()
        deadline = start + timeout
        cancelled = set()
        while pending:
            for job in self.get("/jobs/overview").get("jobs", []):
                jid, state = job["jid"], job["state"]
                if jid not in pending:
                    continue
                if state == "FAILED":
                    raise BenchError(f"job {jid} FAILED on Flink: {self.exception(jid)}")
                if state in self.TERMINAL:
                    pending.discard(jid)
                elif jid not in cancelled and time.monotonic() - start > grace:
                    self.request("PATCH", f"/jobs/{jid}?mode=cancel")
                    cancelled.add(jid)
            if not pending:
                break
            if time.monotonic() > deadline:
                raise BenchError(f"jobs did not end within {timeout} s: {sorted(pending)}")
            time.sleep(0.05)

    def exception(self, jid):
        try:
            body = self.get(f"/jobs/{jid}/exceptions")
            return (body.get("root-exception") or "")[:1500]
        except BenchError as error:
            return str(error)


class CaptureProxy:
    """A loopback HTTP proxy to Flink that records every exchange (method, path, Content-Type,
    request body, status, answer): how the exact REST sequence submitjob sends is learnt."""

    def __init__(self, upstream):
        parsed = urllib.parse.urlsplit(upstream)
        self.host, self.port = parsed.hostname, parsed.port
        self.exchanges = []
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def body(self):
                if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                    data = b""
                    while True:
                        size = int(self.rfile.readline().split(b";")[0], 16)
                        if size == 0:
                            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                                pass
                            return data
                        data += self.rfile.read(size)
                        self.rfile.readline()
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def relay(self):
                data = self.body()
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() in ("content-type", "accept")}
                conn = http.client.HTTPConnection(proxy.host, proxy.port, timeout=120)
                conn.request(self.command, self.path, body=data if data or self.command in ("POST", "PUT", "PATCH") else None,
                             headers=headers)
                resp = conn.getresponse()
                answer = resp.read()
                proxy.exchanges.append({"method": self.command, "path": self.path,
                                        "contentType": self.headers.get("Content-Type"),
                                        "body": data.decode("utf-8", "surrogateescape"),
                                        "status": resp.status,
                                        "answer": answer.decode("utf-8", "replace")[:4000]})
                conn.close()
                self.send_response(resp.status)
                self.send_header("Content-Type", resp.getheader("Content-Type", "application/json"))
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = relay

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


# ---------------------------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------------------------

def picked_rounds(count, rounds, warmup):
    """COUNT of the measured rounds, spread evenly, and the first warm-up round."""
    every = max(1, rounds // max(1, count))
    picked = {warmup + i * every for i in range(min(count, rounds))}
    return picked | ({0} if warmup else set())


def new_job_id():
    return secrets.token_hex(16)


def parse_json(text, what):
    try:
        return json.loads(text)
    except ValueError as error:
        raise BenchError(f"{what}: not JSON ({error}): {text[:300]!r}")


def make_padded_dist(dist, out_root, size_mib):
    """A copy of DIST whose chunjun-core.jar carries SIZE_MIB MiB of random bytes as one STORED
    entry (still a runnable jar: every original entry is copied as it was)."""
    target = os.path.join(out_root, "chunjun-dist")
    if os.path.exists(target):
        shutil.rmtree(target)
    shutil.copytree(dist, target, symlinks=False)
    core = os.path.join(target, "chunjun-core.jar")
    tmp = core + ".tmp"
    with zipfile.ZipFile(os.path.join(dist, "chunjun-core.jar")) as src, \
            zipfile.ZipFile(tmp, "w", allowZip64=True) as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info.filename))
        pad = zipfile.ZipInfo(f"fixture-padding/random-{size_mib}MiB.bin", date_time=(2020, 1, 1, 0, 0, 0))
        pad.compress_type = zipfile.ZIP_STORED
        pad.file_size = size_mib * MIB
        with dst.open(pad, "w", force_zip64=False) as out:
            for _ in range(size_mib):
                out.write(os.urandom(MIB))
    os.replace(tmp, core)
    with zipfile.ZipFile(core) as z:  # a valid archive, the padding stored as is
        entry = z.getinfo(f"fixture-padding/random-{size_mib}MiB.bin")
        if entry.compress_type != zipfile.ZIP_STORED or "META-INF/MANIFEST.MF" not in z.namelist():
            raise BenchError(f"padded {core} is not what it should be")
    return target


def make_big_job(path, size_bytes):
    """A sync job (the fixture's stream reader and writer) whose column list makes it SIZE_BYTES long."""
    head = '{"job": {"content": [{"reader": {"name": "streamreader", "parameter": {"column": [\n'
    tail = ('\n], "sliceRecordCount": [1]}}, "writer": {"name": "streamwriter", "parameter": '
            '{"path": "/tmp/submitjob-bench-never-written"}}}], "setting": {"speed": {"channel": 1}}}}\n')
    parts, size, i = [], len(head) + len(tail), 0
    while size < size_bytes:
        item = ('' if i == 0 else ',\n') + f'{{"name": "column_{i:07d}", "type": "string", "value": "v{i}"}}'
        parts.append(item)
        size += len(item)
        i += 1
    with open(path, "w") as f:
        f.write(head + "".join(parts) + tail)
    return os.path.getsize(path), i


def largest_file(corpus):
    if not os.path.isdir(corpus):
        raise BenchError(f"the job corpus {corpus} is not there (bench.py run --corpus DIR)")
    best = None
    for root, _, files in os.walk(corpus):
        for name in files:
            if not (name.endswith(".json") or name.endswith(".sql")):
                continue
            p = os.path.join(root, name)
            size = os.path.getsize(p)
            if best is None or size > best[0] or (size == best[0] and p < best[1]):
                best = (size, p)
    if best is None:
        raise BenchError(f"no .json or .sql job in {corpus}")
    return best[1], best[0]


def complete_dist_for(binary, env, job, dist, marker_jar, extra_args):
    """Adds the plugin folders JOB needs to DIST (a copy of the fixture's, each with one small
    chunjun-*.jar), as submitjob plan names them one at a time (exit 66 with error.path)."""
    for _ in range(40):
        done = subprocess.run([binary, "plan", "--job", job, "--chunjun-dist", dist] + extra_args,
                              capture_output=True, env=env)
        doc = parse_json(done.stdout.decode("utf-8", "replace"), f"plan {job}")
        if done.returncode == 0 and doc.get("ok"):
            return
        path = (doc.get("error") or {}).get("path")
        if done.returncode != 66 or not path or not path.startswith(dist + "/"):
            raise BenchError(f"plan {job} failed (exit {done.returncode}): {json.dumps(doc)[:800]}")
        os.makedirs(path, exist_ok=True)
        shutil.copy(marker_jar, os.path.join(path, f"chunjun-{os.path.basename(path)}-bench.jar"))
    raise BenchError(f"plan {job}: still missing plugin folders after 40 added")


# ---------------------------------------------------------------------------------------------
# Self-check
# ---------------------------------------------------------------------------------------------

def hyperfine_json(hyperfine, work, runs, warmup, argv):
    out = os.path.join(work, "hyperfine.json")
    cmd = [hyperfine, "-N", "--runs", str(runs), "--warmup", str(warmup), "--export-json", out,
           "--style", "none", " ".join(argv)]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise BenchError(f"hyperfine failed: {done.stderr.strip()}")
    with open(out) as f:
        return json.load(f)["results"][0]


def self_check(work=None, hyperfine=None, verbose=True):
    """Measures programs of known cost with the harness, and /bin/true and sleep 0.1 with both the
    harness and hyperfine. Returns a dict of findings; raises BenchError on a failed check."""
    own = work is None
    work = work or tempfile.mkdtemp(prefix="submitjob-bench-selfcheck.")
    started = time.monotonic()
    try:
        spawner, load = compile_helpers(os.path.join(work, "helpers"))
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"}
        harness = Harness(spawner, os.path.join(work, "out"), env)
        failures, findings = [], {}

        def expect(ok, what):
            (log if ok else failures.append)(("ok: " if ok else "") + what)

        def exited_0(r, outcome):
            if outcome.sample.exit != 0:
                raise BenchError(f"exit {outcome.sample.exit}")

        def measure(argv, runs, warmup=1):
            variant = Variant("x", "x", lambda r: Command(argv), exited_0)
            samples = harness.measure("selfcheck", [variant], runs, warmup, quiet=True)
            return summarize(samples)["x"], samples

        # 1. 100 MiB touched, 200 ms of CPU: peak RSS and CPU as the program itself sees them.
        stat, samples = measure([load, "100", "200"], runs=5)
        rss, cpu = stat["maxrss_kib"]["median"] / 1024, stat["cpu"]["median"] * 1000
        findings["load_100MiB_200ms"] = {"maxrss_mib": rss, "cpu_ms": cpu, "wall_ms": stat["wall"]["median"] * 1000}
        expect(100 <= rss <= 100 + 8, f"bench-load 100 MiB: peak RSS {rss:.1f} MiB (want 100-108)")
        expect(195 <= cpu <= 250, f"bench-load 200 ms: CPU {cpu:.1f} ms (want 195-250)")
        # 2. Descendants: a shell running two loads one after the other. CPU adds up, peak RSS
        #    is the larger process's (not the sum).
        stat, _ = measure(["/bin/sh", "-c", f"{load} 100 100 >/dev/null && {load} 50 100 >/dev/null"], runs=3)
        rss, cpu = stat["maxrss_kib"]["median"] / 1024, stat["cpu"]["median"] * 1000
        findings["shell_two_loads"] = {"maxrss_mib": rss, "cpu_ms": cpu}
        expect(100 <= rss <= 108, f"sh -c 'load 100 MiB; load 50 MiB': peak RSS {rss:.1f} MiB (want 100-108: the larger child)")
        expect(195 <= cpu <= 260, f"sh -c 'load 100 ms; load 100 ms': CPU {cpu:.1f} ms (want 195-260: summed)")
        # 3. Why the helper: /bin/true through it, and straight from this Python process.
        stat, _ = measure(["/bin/true"], runs=20, warmup=3)
        ours_true = stat
        pid = os.posix_spawn("/bin/true", ["/bin/true"], env)
        direct = os.wait4(pid, 0)[2].ru_maxrss
        findings["true_maxrss_kib"] = {"via_helper": stat["maxrss_kib"]["median"], "posix_spawn_from_python": direct}
        expect(stat["maxrss_kib"]["median"] < 4096,
               f"/bin/true peak RSS {stat['maxrss_kib']['median']} KiB via bench-spawn "
               f"(posix_spawn straight from Python reports {direct} KiB: Python's own RSS)")
        # 4. Against hyperfine (-N: no shell), loose tolerances: wall of /bin/true and sleep 0.1,
        #    CPU of the 200 ms load.
        hyperfine = hyperfine or shutil.which("hyperfine")
        if not hyperfine:
            failures.append("hyperfine not found (scripts/bench.sh installs Debian's)")
        else:
            hf = hyperfine_json(hyperfine, work, 30, 3, ["/bin/true"])
            ours = ours_true["wall"]["median"]
            findings["true_wall_ms"] = {"ours": ours * 1000, "ours_outer": ours_true["outer_wall"]["median"] * 1000,
                                        "hyperfine_median": hf["median"] * 1000}
            expect(abs(ours - hf["median"]) <= max(0.002, 0.5 * hf["median"]),
                   f"/bin/true wall median {ours * 1000:.2f} ms (outer {ours_true['outer_wall']['median'] * 1000:.2f} ms), "
                   f"hyperfine {hf['median'] * 1000:.2f} ms (want within 2 ms or 50%)")
            stat, _ = measure(["/bin/sleep", "0.1"], runs=8)
            hf = hyperfine_json(hyperfine, work, 8, 1, ["/bin/sleep", "0.1"])
            ours = stat["wall"]["median"]
            findings["sleep_wall_ms"] = {"ours": ours * 1000, "hyperfine_median": hf["median"] * 1000}
            expect(abs(ours - hf["median"]) <= 0.010 and ours >= 0.1,
                   f"sleep 0.1 wall median {ours * 1000:.1f} ms, hyperfine {hf['median'] * 1000:.1f} ms (want within 10 ms)")
            hf = hyperfine_json(hyperfine, work, 3, 1, [load, "20", "200"])
            stat, _ = measure([load, "20", "200"], runs=3)
            ours, theirs = stat["cpu"]["mean"], hf["user"] + hf["system"]
            findings["load_cpu_ms"] = {"ours": ours * 1000, "hyperfine_user_plus_system": theirs * 1000}
            expect(abs(ours - theirs) <= 0.15 * theirs,
                   f"bench-load 200 ms CPU mean {ours * 1000:.1f} ms, hyperfine user+system {theirs * 1000:.1f} ms (want within 15%)")
        findings["seconds"] = time.monotonic() - started
        findings["passed"] = not failures
        if failures:
            raise BenchError("harness self-check failed:\n  " + "\n  ".join(failures))
        log(f"harness self-check passed in {findings['seconds']:.1f} s")
        return findings
    finally:
        if own:
            shutil.rmtree(work, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# The benchmark
# ---------------------------------------------------------------------------------------------

def capture(cmd, env=None):
    done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    return (done.stdout + done.stderr).strip()


def machine_info(args, flink_version, binary_version):
    def first(path, prefix):
        try:
            with open(path) as f:
                for line in f:
                    if line.startswith(prefix):
                        return line.split(":", 1)[1].strip()
        except OSError:
            pass
        return "unknown"
    mem_kib = int(first("/proc/meminfo", "MemTotal").split()[0]) if first("/proc/meminfo", "MemTotal") != "unknown" else 0
    os_release = {}
    try:
        with open("/etc/os-release") as f:
            for line in f:
                if "=" in line:
                    k, v = line.rstrip("\n").split("=", 1)
                    os_release[k] = v.strip('"')
    except OSError:
        pass
    debian = ""
    if os.path.exists("/etc/debian_version"):
        debian = open("/etc/debian_version").read().strip()
    repo = args.repo
    commit = capture(["git", "-C", repo, "rev-parse", "HEAD"])
    dirty = capture(["git", "-C", repo, "status", "--porcelain", "--untracked-files=no"])
    java = capture([os.path.join(args.java_home, "bin", "java"), "-version"]).splitlines()
    with open(args.binary, "rb") as f:
        digest = hashlib.sha256()
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": first("/proc/cpuinfo", "model name"),
        "cores": os.cpu_count(),
        "ram_gib": round(mem_kib / 1024 / 1024, 1),
        "kernel": platform.release(),
        "os": os_release.get("PRETTY_NAME", "unknown") + (f" ({debian})" if debian else ""),
        "java": java[0] if java else "unknown",
        "flink": flink_version,
        "curl": capture(["curl", "--version"]).splitlines()[0],
        "python": platform.python_version(),
        "submitjob": binary_version,
        "binary": args.binary,
        "binary_sha256": digest.hexdigest(),
        "binary_from": args.binary_from,
        "binary_file": capture(["file", "-b", args.binary]) if shutil.which("file") else "",
        "commit": commit + (" (with uncommitted changes)" if dirty else ""),
        "loadavg_start": os.getloadavg(),
    }


class Bench:
    def __init__(self, args):
        self.args = args
        self.run_dir = os.path.abspath(args.run_dir)
        self.work = os.path.join(self.run_dir, "bench")
        os.makedirs(self.work, exist_ok=True)
        self.flink = Flink(args.flink_url)
        self.binary = os.path.abspath(args.binary)
        self.cache_dir = os.environ.get("SUBMITJOB_CACHE_DIR") or os.path.join(self.run_dir, "submitjob-cache")
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": os.environ.get("HOME", "/root"),
            "LANG": "C.UTF-8",
            "TMPDIR": self.work,
            "JAVA_HOME": args.java_home,
            "SUBMITJOB_CACHE_DIR": self.cache_dir,
        }
        self.raw = {"groups": {}, "notes": {}}
        self.job_file = os.path.join(args.repo, "Tests/Fixtures/jobs/stream-sync.json")
        self.rows = os.path.join(self.work, "rows")
        os.makedirs(self.rows, exist_ok=True)

    # -- helpers -------------------------------------------------------------------------------

    def out_dir(self, key, r):
        return os.path.join(self.rows, f"{key}-{r}")

    def sj(self, *argv, env=None):
        return subprocess.run([self.binary, *argv], capture_output=True, text=True, env=env or self.env)

    def check_submit(self, outcome, job_id, via, uploaded=None):
        if outcome.sample.exit != 0:
            raise BenchError(f"exit {outcome.sample.exit}")
        doc = parse_json(outcome.stdout(), "submitjob's output")
        if not (doc.get("ok") is True and doc.get("jobId") == job_id and doc.get("via") == via
                and doc.get("alreadySubmitted") is False):
            raise BenchError(f"not a fresh submission of {job_id}: {json.dumps(doc)[:600]}")
        if uploaded is not None and (doc.get("jar") or {}).get("uploaded") is not uploaded:
            raise BenchError(f"jar.uploaded is not {uploaded}: {json.dumps(doc.get('jar'))}")

    def submit_args(self, dist, job_id, out):
        return ["submit", "--flink", self.args.flink_url, "--chunjun-dist", dist, "--job", self.job_file,
                "--param", f"outDir={out}", "--job-id", job_id, "--timeout", "120"]

    # -- the warm group ------------------------------------------------------------------------

    def learn_rest_sequence(self):
        """Uploads the core jar (a first submission), then records a warm submission through a
        capture proxy: the requests and the exact run body submitjob sends."""
        first_id = new_job_id()
        done = self.sj(*self.submit_args(self.args.dist, first_id, self.out_dir("first", 0)))
        doc = parse_json(done.stdout, "first submission")
        if done.returncode != 0 or not doc.get("ok"):
            raise BenchError(f"the first submission failed (exit {done.returncode}): {done.stdout}{done.stderr}")
        self.warm_jar = doc["jar"]
        self.flink_version = doc.get("flinkVersion", "unknown")
        self.job_ids.append(first_id)
        job_id, out = new_job_id(), self.out_dir("capture", 0)
        with CaptureProxy(self.args.flink_url) as proxy:
            args = self.submit_args(self.args.dist, job_id, out)
            args[args.index("--flink") + 1] = proxy.url
            done = self.sj(*args)
        doc = parse_json(done.stdout, "captured submission")
        if done.returncode != 0 or not doc.get("ok") or doc["jar"].get("uploaded"):
            raise BenchError(f"the captured submission failed or uploaded again: {done.stdout}{done.stderr}")
        self.job_ids.append(job_id)
        self.sequence = proxy.exchanges
        runs = [e for e in self.sequence if e["method"] == "POST" and e["path"].endswith("/run")]
        if len(runs) != 1:
            raise BenchError(f"expected one POST /jars/:id/run, saw: {[(e['method'], e['path']) for e in self.sequence]}")
        self.captured_id, self.captured_out = job_id, out
        self.run_body = runs[0]["body"]
        for needle in (job_id, f"outDir={out}"):
            if needle not in self.run_body:
                raise BenchError(f"{needle} is not in the run body submitjob sent: {self.run_body[:500]}")
        self.raw["notes"]["rest_sequence"] = [
            {"method": e["method"], "path": e["path"].replace(job_id, "<job id>"), "status": e["status"],
             "requestBytes": len(e["body"].encode("utf-8", "surrogateescape"))} for e in self.sequence]
        self.raw["notes"]["run_body_bytes"] = len(self.run_body.encode("utf-8", "surrogateescape"))
        log("submitjob's warm REST sequence: " + ", ".join(f"{e['method']} {e['path'].replace(job_id, '<id>')} → {e['status']}" for e in self.sequence))

    def substituted(self, text, job_id, out):
        return text.replace(self.captured_id, job_id).replace(f"outDir={self.captured_out}", f"outDir={out}")

    MARK = "\n@@bench-status %{http_code}@@\n"

    def curl_request_args(self, exchange, job_id, out, body_file):
        args = ["-H", "Expect:", "-w", self.MARK]
        if exchange["method"] not in ("GET", "POST"):
            args += ["-X", exchange["method"]]
        if exchange["body"]:
            with open(body_file, "wb") as f:
                f.write(self.substituted(exchange["body"], job_id, out).encode("utf-8", "surrogateescape"))
            args += ["-H", f"Content-Type: {exchange['contentType'] or 'application/json'}", "--data-binary", "@" + body_file]
        elif exchange["method"] == "POST":
            args += ["-X", "POST"]
        args.append(self.args.flink_url + self.substituted(exchange["path"], job_id, out))
        return args

    def check_curl(self, outcome, job_id):
        if outcome.sample.exit != 0:
            raise BenchError(f"curl exit {outcome.sample.exit}")
        text = outcome.stdout()
        statuses = [int(x) for x in re.findall(r"@@bench-status (\d+)@@", text)]
        want = [e["status"] for e in self.sequence]
        if statuses != want:
            raise BenchError(f"HTTP statuses {statuses}, submitjob saw {want}")
        answer = text.split("@@bench-status")[-2].rsplit("@@\n", 1)[-1]
        doc = parse_json(answer, "the run's answer")
        if doc.get("jobid") != job_id:
            raise BenchError(f"the run answered {answer[:300]!r}, not job {job_id}")

    def warm_group(self):
        a = self.args
        ids = {}

        def fresh(key, r):
            ids[(key, r)] = job_id = new_job_id()
            self.round_jobs.append(job_id)
            return job_id, self.out_dir(key, r)

        def sj_rest(r):
            job_id, out = fresh("submitjob", r)
            return Command([self.binary] + self.submit_args(a.dist, job_id, out))

        def curl_one(r):
            job_id, out = fresh("curl1", r)
            argv = ["curl", "-sS"]
            for i, e in enumerate(self.sequence):
                if i:
                    argv.append("--next")
                argv += self.curl_request_args(e, job_id, out, os.path.join(self.work, "curl1-body.json"))
            return Command(argv)

        def curl_four(r):
            job_id, out = fresh("curl4", r)
            script = os.path.join(self.work, "curl4.sh")
            lines = ["#!/bin/sh", "# one curl process per request, as a shell script would do it", "set -e"]
            for e in self.sequence:
                lines.append(" ".join(sh_quote(x) for x in ["curl", "-sS"] + self.curl_request_args(
                    e, job_id, out, os.path.join(self.work, "curl4-body.json"))))
            with open(script, "w") as f:
                f.write("\n".join(lines) + "\n")
            return Command(["/bin/sh", script])

        def flink_run(r):
            job_id, out = fresh("flinkrun", r)
            argv = [x.replace(self.captured_id, job_id).replace(f"outDir={self.captured_out}", f"outDir={out}")
                    for x in self.cli_argv]
            return Command(argv, env=dict(self.env, **self.cli_env), timeout=300)

        def sj_cli(r):
            job_id, out = fresh("submitjob-cli", r)
            args = self.submit_args(a.dist, job_id, out)
            i = args.index("--flink")
            del args[i:i + 2]
            args += ["--via", "cli", "--flink-home", a.flink_home]
            return Command([self.binary] + args, timeout=300)

        def check_flink_run(r, o):
            job_id = ids[("flinkrun", r)]
            if o.sample.exit != 0 or f"Job has been submitted with JobID {job_id}" not in o.stdout():
                raise BenchError(f"bin/flink run did not submit {job_id} (exit {o.sample.exit})")

        self.cli_plan()
        variants = [
            Variant("submitjob", "`submitjob submit` (REST)", sj_rest,
                    lambda r, o: self.check_submit(o, ids[("submitjob", r)], "rest", uploaded=False)),
            Variant("curl1", "curl, one process (`--next`, keep-alive)", curl_one,
                    lambda r, o: self.check_curl(o, ids[("curl1", r)])),
            Variant("curl4", "curl, four processes (`sh` script)", curl_four,
                    lambda r, o: self.check_curl(o, ids[("curl4", r)])),
        ]
        rounds, warmup = a.runs, a.warmup
        if not a.quick:
            # bin/flink run takes seconds: FLINK_RUNS of the rounds, spread evenly, include it.
            picked = picked_rounds(a.flink_runs, rounds, warmup)
            in_flink = lambda r: r in picked  # noqa: E731
            variants += [
                Variant("flinkrun", "`bin/flink run -d` (Flink 1.20.3's own)", flink_run, check_flink_run, include=in_flink),
                Variant("submitjob-cli", "`submitjob submit --via cli`", sj_cli,
                        lambda r, o: self.check_submit(o, ids[("submitjob-cli", r)], "cli"), include=in_flink),
            ]
        samples = self.harness.measure("warm", variants, rounds, warmup, after=self.settle_jobs)
        return variants, samples

    def cli_plan(self):
        """bin/flink run's exact argv, from `submitjob plan --via cli` (secrets masked there) with
        the real program arguments of the captured REST body."""
        doc = parse_json(self.sj("plan", "--via", "cli", "--flink-home", self.args.flink_home,
                                 "--chunjun-dist", self.args.dist, "--job", self.job_file,
                                 "--param", f"outDir={self.captured_out}", "--job-id", self.captured_id).stdout,
                         "plan --via cli")
        if not doc.get("ok"):
            raise BenchError(f"plan --via cli failed: {json.dumps(doc)[:600]}")
        command, masked = doc["command"], doc["programArgs"]
        real = json.loads(self.run_body)["programArgsList"]
        if len(real) != len(masked) or command[-len(masked) - 1] != doc["coreJar"]:
            raise BenchError("plan --via cli: the command does not end with the core jar and the program arguments")
        self.cli_argv = command[:-len(masked)] + real
        self.cli_env = doc.get("environment") or {}
        self.raw["notes"]["flink_run_argv"] = [x if len(x) < 200 else x[:60] + f"…({len(x)} chars)" for x in command]

    def settle_jobs(self, r):
        if self.round_jobs:
            self.flink.settle(self.round_jobs)
            self.job_ids.extend(self.round_jobs)
            self.round_jobs = []

    # -- the cold group ------------------------------------------------------------------------

    def cold_group(self):
        a = self.args
        log(f"building a fixture dist whose chunjun-core.jar has {a.cold_mib} MiB of random bytes (STORED)")
        dist = make_padded_dist(a.dist, os.path.join(self.work, "cold"), a.cold_mib)
        core = os.path.join(dist, "chunjun-core.jar")
        self.raw["notes"]["cold_jar_bytes"] = os.path.getsize(core)
        keep = {self.warm_jar["name"]}
        nodigest_cache = os.path.join(self.work, "digest-cold-cache")
        ids = {}

        def drop_jars(r):
            self.flink.delete_jars(keep=keep)

        def drop_jars_and_digests(r):
            drop_jars(r)
            shutil.rmtree(nodigest_cache, ignore_errors=True)
            os.makedirs(nodigest_cache)

        def sj(key, cache):
            def prepare(r):
                ids[(key, r)] = job_id = new_job_id()
                self.round_jobs.append(job_id)
                return Command([self.binary] + self.submit_args(dist, job_id, self.out_dir(key, r)),
                               env=dict(self.env, SUBMITJOB_CACHE_DIR=cache))
            return prepare

        def curl_upload(r):
            return Command(["curl", "-sS", "-H", "Expect:", "-F", f"jarfile=@{core}", a.flink_url + "/jars/upload"])

        def check_upload(r, o):
            if o.sample.exit != 0:
                raise BenchError(f"curl exit {o.sample.exit}")
            doc = parse_json(o.stdout(), "the upload's answer")
            if doc.get("status") != "success" or not doc.get("filename", "").endswith("_chunjun-core.jar"):
                raise BenchError(f"upload answered {o.stdout()[:300]}")

        def curl_upload_run(r):
            ids[("curl-upload-run", r)] = job_id = new_job_id()
            self.round_jobs.append(job_id)
            body = os.path.join(self.work, "cold-run-body.json")
            with open(body, "wb") as f:
                f.write(self.substituted(self.run_body, job_id, self.out_dir("curl-upload-run", r))
                        .encode("utf-8", "surrogateescape"))
            script = os.path.join(self.work, "cold-curl.sh")
            with open(script, "w") as f:
                f.write(COLD_CURL_SH)
            return Command(["/bin/sh", script, a.flink_url, core, body])

        def check_upload_run(r, o):
            if o.sample.exit != 0:
                raise BenchError(f"exit {o.sample.exit}")
            doc = parse_json(o.stdout().strip().splitlines()[-1], "the run's answer")
            if doc.get("jobid") != ids[("curl-upload-run", r)]:
                raise BenchError(f"the run answered {o.stdout()[-300:]}")

        variants = [
            Variant("submitjob", "`submitjob submit`, jar new to the cluster (its SHA-256 cached locally)",
                    sj("submitjob", self.cache_dir),
                    lambda r, o: self.check_submit(o, ids[("submitjob", r)], "rest", uploaded=True), before=drop_jars),
            Variant("submitjob-hash", "the same, SHA-256 not cached (hashes the jar first)",
                    sj("submitjob-hash", nodigest_cache),
                    lambda r, o: self.check_submit(o, ids[("submitjob-hash", r)], "rest", uploaded=True),
                    before=drop_jars_and_digests),
            Variant("curl-upload", "`curl -F jarfile=@chunjun-core.jar …/jars/upload`", curl_upload, check_upload,
                    before=drop_jars),
            Variant("curl-upload-run", "curl upload, then curl run (`sh` script, two curl processes)",
                    curl_upload_run, check_upload_run, before=drop_jars),
        ]
        samples = self.harness.measure("cold", variants, a.cold_runs, a.cold_warmup, after=self.settle_jobs)
        self.flink.delete_jars(keep=keep)
        shutil.rmtree(os.path.join(self.work, "cold"), ignore_errors=True)
        return variants, samples

    # -- the offline group ---------------------------------------------------------------------

    def offline_group(self):
        a = self.args
        plan_dist = os.path.join(self.work, "plan-dist", "chunjun-dist")
        shutil.copytree(a.dist, plan_dist)
        marker = os.path.join(a.dist, "formats", "chunjun-format-fixture.jar")
        corpus_file, corpus_bytes = largest_file(a.corpus)
        big = os.path.join(self.work, "big-job.json")
        big_bytes, columns = make_big_job(big, a.big_job_bytes)
        self.raw["notes"]["corpus_file"] = {"path": os.path.relpath(corpus_file, a.corpus), "bytes": corpus_bytes}
        self.raw["notes"]["big_job"] = {"bytes": big_bytes, "columns": columns}
        big_rounds = picked_rounds(a.big_runs, a.runs, a.warmup)
        plan_flags = ["--flink-version", self.flink_version, "--param", "outDir=/tmp/x"]
        for job in (corpus_file, big):
            complete_dist_for(self.binary, self.env, job, plan_dist, marker, plan_flags)

        def plan(job):
            return lambda r: Command([self.binary, "plan", "--job", job, "--chunjun-dist", plan_dist] + plan_flags)

        def check_plan(r, o):
            if o.sample.exit != 0:
                raise BenchError(f"exit {o.sample.exit}")
            doc = parse_json(o.stdout(), "plan")
            if doc.get("ok") is not True or "flinkRequest" not in doc:
                raise BenchError("plan did not succeed")

        def check_version(r, o):
            if o.sample.exit != 0 or not re.match(r"^\d+\.\d+", o.stdout().strip()):
                raise BenchError(f"--version printed {o.stdout()[:100]!r}")

        def check_config(r, o):
            if o.sample.exit != 0:
                raise BenchError(f"exit {o.sample.exit}")
            doc = parse_json(o.stdout(), "config")
            if doc.get("ok") is not True or (doc.get("flinkHome") or {}).get("version") != self.flink_version:
                raise BenchError("config did not find the bench installation")

        variants = [
            Variant("plan-corpus", f"`submitjob plan` of the largest corpus file ({os.path.relpath(corpus_file, a.corpus)}, "
                    f"{corpus_bytes:,} bytes)", plan(corpus_file), check_plan),
            Variant("plan-big", f"`submitjob plan` of a generated {big_bytes / MIB:.1f} MiB sync job ({columns:,} columns)",
                    plan(big), check_plan, include=lambda r: r in big_rounds),
            Variant("version", "`submitjob --version`", lambda r: Command([self.binary, "--version"]), check_version),
            Variant("config", "`submitjob config --flink-home <bench cluster>`",
                    lambda r: Command([self.binary, "config", "--flink-home", a.flink_home]), check_config),
        ]
        samples = self.harness.measure("offline", variants, a.runs, a.warmup)
        return variants, samples

    # -- all of it -----------------------------------------------------------------------------

    def run(self):
        a = self.args
        spawner, _ = compile_helpers(os.path.join(self.work, "helpers"))
        self.harness = Harness(spawner, os.path.join(self.work, "out"), self.env)
        if not a.no_self_check:
            self.raw["self_check"] = self_check(os.path.join(self.work, "self-check"))
        version = self.sj("--version").stdout.strip()
        self.job_ids, self.round_jobs = [], []
        self.learn_rest_sequence()
        self.raw["machine"] = machine_info(a, self.flink_version, version)
        self.raw["config"] = {"quick": a.quick, "runs": a.runs, "warmup": a.warmup, "flink_runs": 0 if a.quick else a.flink_runs,
                              "big_runs": a.big_runs,
                              "cold_runs": a.cold_runs, "cold_warmup": a.cold_warmup, "cold_mib": a.cold_mib,
                              "command": a.command}
        started = time.monotonic()
        for name, group in (("warm", self.warm_group), ("cold", self.cold_group), ("offline", self.offline_group)):
            variants, samples = group()
            self.raw["groups"][name] = {
                "variants": [{"key": v.key, "label": v.label} for v in variants],
                "summary": summarize(samples),
                "samples": [dict(s.__dict__, cpu=s.cpu) for s in samples],
            }
        self.raw["binary_bytes"] = os.path.getsize(self.binary)
        self.raw["machine"]["loadavg_end"] = os.getloadavg()
        self.raw["seconds"] = time.monotonic() - started
        self.raw["jobs_submitted"] = len(self.job_ids)
        return self.raw


COLD_CURL_SH = r"""#!/bin/sh
# bench: upload the jar, then run it (two curl processes; the jar id read from the upload's answer).
set -e
answer=$(curl -sS -H Expect: -F "jarfile=@$2" "$1/jars/upload")
id=${answer##*/}
id=${id%%\"*}
curl -sS -H Expect: -H 'Content-Type: application/json' --data-binary "@$3" "$1/jars/$id/run"
echo
"""


def sh_quote(s):
    return s if re.fullmatch(r"[A-Za-z0-9_./:=@%+-]+", s) else "'" + s.replace("'", "'\\''") + "'"


# ---------------------------------------------------------------------------------------------
# The report
# ---------------------------------------------------------------------------------------------

def render(raw):
    m, cfg, g = raw["machine"], raw["config"], raw["groups"]
    out = []
    w = out.append
    quick = cfg["quick"]
    w("# Benchmarks" + (" (quick slice)" if quick else ""))
    w("")
    w(f"Measured {m['date']} with `{cfg['command']}` (scripts/bench.sh, scripts/bench.py): one local Flink "
      f"{m['flink']} standalone cluster (1 JobManager, 1 TaskManager, loopback) with the fixture chunjun-dist "
      "(Tests/Fixtures/build-dist.sh). Every number is the median over repeated runs of the whole process; "
      "the variants of a table ran interleaved (A B C A B C …) after discarded warm-up rounds, and every run's "
      "exit status and answer were checked.")
    w("")
    w("| | |")
    w("|---|---|")
    for label, value in (("CPU", f"{m['cpu']}, {m['cores']} cores"), ("RAM", f"{m['ram_gib']} GiB"),
                         ("kernel", m["kernel"]), ("OS", m["os"]), ("Java", m["java"]), ("Flink", m["flink"]),
                         ("curl", m["curl"]), ("submitjob", f"{m['submitjob']}, commit {m['commit']}"),
                         ("binary", f"`{m['binary']}` ({m['binary_from']}), {raw['binary_bytes']:,} bytes, sha256 {m['binary_sha256'][:16]}…"),
                         ("load average", f"{m['loadavg_start'][0]:.2f} at the start, {m['loadavg_end'][0]:.2f} at the end "
                                          "(1-minute; the machine was shared with other work)"),
                         ("runs", f"{cfg['runs']} per variant after {cfg['warmup']} warm-up round(s); bin/flink run: "
                                  f"{cfg['flink_runs'] or 'not run (quick)'}; cold: {cfg['cold_runs']} after {cfg['cold_warmup']}; "
                                  f"plan of the big job: {cfg.get('big_runs')}")):
        w(f"| {label} | {value} |")
    w("")
    w("How each run is measured: the command is forked by a small C helper (compiled by the bench), which "
      "reads `wait4(2)` for it: **wall** from fork to exit, **CPU** = user + system time of the command and "
      "every descendant it waited for (a shell's four curls are summed; bin/flink's JVMs too), **peak RSS** = "
      "`ru_maxrss`, the largest single process of the tree (not a sum). Spread: p10–p90 of the runs.")
    w("")

    def table(group, keys=None):
        grp = g[group]
        summary = grp["summary"]
        w("| command | runs | wall | wall p10–p90 | CPU | CPU p10–p90 | peak RSS | RSS min–max |")
        w("|---|---:|---:|---:|---:|---:|---:|---:|")
        for v in grp["variants"]:
            s = summary.get(v["key"])
            if not s or (keys and v["key"] not in keys):
                continue
            wl, c, r = s["wall"], s["cpu"], s["maxrss_kib"]
            w(f"| {v['label']} | {wl['n']} | **{fmt_s(wl['median'])}** | {fmt_s(wl['p10'])}–{fmt_s(wl['p90'])} | "
              f"**{fmt_s(c['median'])}** | {fmt_s(c['p10'])}–{fmt_s(c['p90'])} | **{fmt_kib(r['median'])}** | "
              f"{fmt_kib(r['min'])}–{fmt_kib(r['max'])} |")
        w("")

    def med(group, key, metric="wall"):
        s = g[group]["summary"].get(key)
        return s[metric]["median"] if s else None

    notes = raw.get("notes", {})
    w("## 1. Warm submit (the core jar already on the cluster)")
    w("")
    seq = notes.get("rest_sequence", [])
    w("The fixture sync job (Tests/Fixtures/jobs/stream-sync.json), each run with a fresh `--job-id` and "
      "output folder. The curl variants send the very requests submitjob sent (recorded once through a "
      "loopback proxy): " + ", ".join(f"`{e['method']} {e['path']}` ({e['status']})" for e in seq) +
      f"; the run body is submitjob's own ({notes.get('run_body_bytes', 0):,} bytes) with the job id and "
      "output folder replaced. curl gets `-H Expect:` (Flink does not answer `100-continue`, so curl's "
      "default would wait 1 s per POST). After every run the harness waits, untimed, until the job it "
      "started has ended (the fixture job runs about 0.5 s; 8 task slots), so no run competes with the "
      "previous one's job; a FAILED job fails the bench.")
    w("")
    table("warm")
    sj, c1, c4, fr, cli = (med("warm", k) for k in ("submitjob", "curl1", "curl4", "flinkrun", "submitjob-cli"))
    w("Ratios (medians of this run):")
    w("")
    w(f"- submitjob / curl in one process: **{fmt_ratio(sj / c1)}** wall (the target's baseline: the "
      "strictest, one process with one keep-alive connection)")
    w(f"- submitjob / curl in four processes: {fmt_ratio(sj / c4)} wall")
    if fr:
        w(f"- bin/flink run / submitjob: **{fmt_ratio(fr / sj)}** wall, "
          f"{fmt_ratio(med('warm', 'flinkrun', 'cpu') / med('warm', 'submitjob', 'cpu'))} CPU, "
          f"{fmt_ratio(med('warm', 'flinkrun', 'maxrss_kib') / med('warm', 'submitjob', 'maxrss_kib'))} peak RSS")
        w(f"- `submitjob --via cli` / bin/flink run: {fmt_ratio(cli / fr)} wall (submitjob runs that bin/flink "
          "itself, after its own REST lookups by job id" + ("; below 1× is the noise of few runs)" if cli < fr else ")"))
    w("")
    w("## 2. Cold submit: a 200 MB core jar new to the cluster" if cfg["cold_mib"] >= 200 else
      f"## 2. Cold submit: a {cfg['cold_mib']} MiB core jar new to the cluster")
    w("")
    w(f"The fixture dist with its chunjun-core.jar padded to {notes.get('cold_jar_bytes', 0):,} bytes (random "
      "bytes in one STORED entry, still a runnable jar). Before every run each jar but the warm one is "
      "deleted from the cluster (`DELETE /jars/:id`), so every run uploads; the jar is in the page cache "
      "for all variants. The cluster runs with `rest.server.max-content-length: 300 MiB` (Flink's default "
      "is 100 MiB).")
    w("")
    table("cold")
    csj, chash, cup, cur = (med("cold", k) for k in ("submitjob", "submitjob-hash", "curl-upload", "curl-upload-run"))
    w("Ratios:")
    w("")
    upload, curl_upload = csj - med("warm", "submitjob"), cur - med("warm", "curl1")
    w(f"- what a new jar adds, submitjob / curl: **{fmt_ratio(upload / curl_upload)}** wall (the target's measure: "
      f"submitjob's cold submit less its warm one, {fmt_s(upload)}, against curl's upload + run less its warm "
      f"sequence, {fmt_s(curl_upload)}; both are the upload plus Flink's first run of a new 200 MB jar)")
    w(f"- submitjob / curl upload + run (the same work): **{fmt_ratio(csj / cur)}** wall")
    w(f"- submitjob / curl upload alone: {fmt_ratio(csj / cup)} wall (submitjob also asks for the version, "
      f"looks the id and the jar up and runs the job; Flink's first run of the new jar alone takes "
      f"{fmt_s(cur - cup)} after curl's upload)")
    w(f"- the SHA-256 not cached (submitjob reads the whole jar once more to hash it): "
      f"{fmt_delta(med('cold', 'submitjob-hash', 'cpu') - med('cold', 'submitjob', 'cpu'))} CPU, "
      f"{fmt_delta(chash - csj)} wall ({fmt_ratio(chash / csj)})")
    w("")
    w("## 3. Commands that need no cluster")
    w("")
    cf = notes.get("corpus_file", {})
    bj = notes.get("big_job", {})
    w(f"`plan --flink-version {m['flink']}` (offline) of the largest file of shared/chunjun-examples by bytes "
      f"(`{cf.get('path')}`, {cf.get('bytes', 0):,} bytes) and of a generated sync job of {bj.get('bytes', 0):,} "
      f"bytes ({bj.get('columns', 0):,} columns), against a copy of the fixture dist given the plugin folders those "
      "jobs name; `config` reads the bench cluster's conf/config.yaml.")
    w("")
    table("offline")
    w("## 4. Binary size")
    w("")
    size = raw["binary_bytes"]
    desc = m.get("binary_file", "")
    kind = ", ".join(x for x in ("statically linked" if "statically linked" in desc else "",
                                 "not stripped" if "not stripped" in desc else "stripped" if "stripped" in desc else "") if x)
    w(f"`{m['binary']}`: {size:,} bytes ({size / 1e6:.1f} MB, {size / MIB:.1f} MiB)" + (f", {kind} (`file`)" if kind else "") + ".")
    w("")
    w("## Targets")
    w("")
    w("| target | value | goal | |")
    w("|---|---:|---:|---|")

    def target(name, value, goal, met):
        w(f"| {name} | {value} | {goal} | {'met' if met else '**missed**'} |")
    target("warm submit wall / curl (one process)", fmt_ratio(sj / c1), "≤ 1.10×", sj / c1 <= 1.10)
    if fr:
        target("warm submit: faster than bin/flink run", fmt_ratio(fr / sj), "≥ 10×", fr / sj >= 10)
    else:
        w("| warm submit: faster than bin/flink run | not measured (quick) | ≥ 10× | |")
    sjcpu = med("warm", "submitjob", "cpu")
    target("submitjob's CPU per warm submit", fmt_s(sjcpu), "≤ 30 ms", sjcpu <= 0.030)
    upload, curl_upload = csj - med("warm", "submitjob"), cur - med("warm", "curl1")
    target("upload: what a new jar adds, submitjob / curl", fmt_ratio(upload / curl_upload), "≤ 1.20×", upload / curl_upload <= 1.20)
    target("cold submit / curl upload + run", fmt_ratio(csj / cur), "≤ 1.20×", csj / cur <= 1.20)
    crss = med("cold", "submitjob", "maxrss_kib")
    target("cold submit peak RSS", fmt_kib(crss), "≤ 64 MiB", crss <= 64 * 1024)
    pcpu = med("offline", "plan-corpus", "cpu")
    target("plan of the largest corpus file, CPU", fmt_s(pcpu), "≤ 10 ms", pcpu <= 0.010)
    w("")
    sc = raw.get("self_check")
    if sc:
        w("## The harness's own check")
        w("")
        t = sc.get("true_wall_ms", {})
        w(f"Before measuring, the harness's self-check (`scripts/bench.sh --self-check`) passed ({sc['seconds']:.1f} s): a C program that "
          f"touches 100 MiB and spins 200 ms of CPU measured {sc['load_100MiB_200ms']['maxrss_mib']:.1f} MiB and "
          f"{sc['load_100MiB_200ms']['cpu_ms']:.1f} ms; a shell running two of them (100 + 50 MiB, 100 + 100 ms) "
          f"{sc['shell_two_loads']['maxrss_mib']:.1f} MiB and {sc['shell_two_loads']['cpu_ms']:.1f} ms (peak of "
          "the larger, CPU summed)" +
          (f"; `/bin/true` {t['ours']:.2f} ms wall vs hyperfine's {t['hyperfine_median']:.2f} ms, `sleep 0.1` "
           f"{sc['sleep_wall_ms']['ours']:.1f} ms vs {sc['sleep_wall_ms']['hyperfine_median']:.1f} ms, the 200 ms "
           f"program's CPU {sc['load_cpu_ms']['ours']:.1f} ms vs hyperfine's user+system "
           f"{sc['load_cpu_ms']['hyperfine_user_plus_system']:.1f} ms" if t else "") +
          f". `/bin/true`'s peak RSS is {sc['true_maxrss_kib']['via_helper']} KiB through the helper, "
          f"{sc['true_maxrss_kib']['posix_spawn_from_python']} KiB if Python spawns it itself (Linux starts a "
          "child's peak at its parent's RSS), hence the helper.")
        w("")
    w(f"Raw per-run numbers: {raw.get('raw_path', '(not kept)')} (not committed). "
      f"{raw.get('jobs_submitted', 0)} jobs were submitted in {raw.get('seconds', 0):.0f} s of measuring.")
    w("")
    return "\n".join(out)


# ---------------------------------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="mode", required=True)
    run = sub.add_parser("run")
    run.add_argument("--binary", required=True)
    run.add_argument("--binary-from", default="given with --binary")
    run.add_argument("--flink-url", required=True)
    run.add_argument("--flink-home", required=True, help="the cluster's instance dir (bin/flink, conf/)")
    run.add_argument("--dist", required=True, help="the fixture chunjun-dist")
    run.add_argument("--run-dir", required=True)
    run.add_argument("--repo", default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    run.add_argument("--corpus", default=None, help="default: <repo>/../shared/chunjun-examples")
    run.add_argument("--java-home", default=os.environ.get("JAVA_HOME", "/usr/lib/jvm/java-17-openjdk-amd64"))
    run.add_argument("--out", required=True)
    run.add_argument("--raw", required=True)
    run.add_argument("--quick", action="store_true")
    run.add_argument("--runs", type=int, default=None)
    run.add_argument("--warmup", type=int, default=None)
    run.add_argument("--flink-runs", type=int, default=5)
    run.add_argument("--cold-runs", type=int, default=None)
    run.add_argument("--cold-mib", type=int, default=None)
    run.add_argument("--big-job-bytes", type=int, default=10 * MIB)
    run.add_argument("--big-runs", type=int, default=None, help="rounds that plan the big job (default 5, quick 1)")
    run.add_argument("--no-self-check", action="store_true")
    run.add_argument("--command", default="make bench")
    check = sub.add_parser("self-check")
    check.add_argument("--work", default=None)
    rep = sub.add_parser("report")
    rep.add_argument("raw")
    rep.add_argument("--out", required=True)
    args = parser.parse_args()
    try:
        if args.mode == "self-check":
            self_check(args.work)
            return 0
        if args.mode == "report":
            with open(args.raw) as f:
                raw = json.load(f)
            write(args.out, render(raw))
            return 0
        args.corpus = args.corpus or os.path.join(os.path.dirname(os.path.abspath(args.repo)), "shared", "chunjun-examples")
        if args.quick:
            args.runs = args.runs or 3
            args.warmup = 1 if args.warmup is None else args.warmup
            args.cold_runs = args.cold_runs or 3
            args.cold_mib = args.cold_mib or 20
            args.big_runs = args.big_runs or 1
        else:
            # 40: with 20, two runs of the same binary gave warm ratios of 1.06 and 1.18 (Flink's own answer varies by tens of ms).
            args.runs = args.runs or 40
            args.warmup = 2 if args.warmup is None else args.warmup
            args.cold_runs = args.cold_runs or 10
            args.cold_mib = args.cold_mib or 200
            args.big_runs = args.big_runs or 5
        args.cold_warmup = 1
        if args.runs < 1 or args.cold_runs < 1:
            raise BenchError("--runs and --cold-runs must be at least 1")
        args.flink_runs = max(1, min(args.flink_runs, args.runs))
        raw = Bench(args).run()
        raw["raw_path"] = os.path.abspath(args.raw)
        os.makedirs(os.path.dirname(os.path.abspath(args.raw)), exist_ok=True)
        with open(args.raw, "w") as f:
            json.dump(raw, f, indent=1)
        write(args.out, render(raw))
        log(f"report: {os.path.abspath(args.out)}")
        log(f"raw per-run numbers: {os.path.abspath(args.raw)}")
        return 0
    except BenchError as error:
        log(f"FAILED: {error}")
        return 1


def write(path, text):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


if __name__ == "__main__":
    sys.exit(main())
