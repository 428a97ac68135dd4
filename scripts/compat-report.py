#!/usr/bin/env python3
"""Writes COMPATIBILITY.md from a scripts/compat.sh run folder.

Usage: compat-report.py RUN_DIR OUTPUT --seconds N VERSION...

RUN_DIR/<version>/ holds results-swift-testing.xml (swift test --xunit-output), java, seconds,
records/exchanges.jsonl (fault_server.py's `record` mode) and, when the cluster never ran, error.
A check passes only when its test case is in the results without a failure or a skip: a missing
result is a failure, so a suite that did not run cannot look green. Exit 1 if any check failed.
"""
import argparse
import datetime
import json
import os
import platform
import re
import sys
import xml.etree.ElementTree as ET

# Test function -> column, in the order of the table. A test the suite gains without a column
# here still shows up (as an extra column), so nothing is run and left unreported.
CHECKS = [
    ("theClusterIsTheReleaseAsked()", "version", "GET /config reports exactly this release"),
    ("restSyncJob()", "REST sync", "sync job over REST: 10 rows, job text byte-exact, plugins from where the mode says"),
    ("restSQLJob()", "REST SQL", "SQL job over REST: 6 rows, script byte-exact"),
    ("restSyncJobAsABundle()", "REST bundle", "sync job with --plugins bundle: classes loaded from the uploaded bundle's lib/"),
    ("cliSyncJob()", "CLI sync", "sync job through that release's own bin/flink run -C"),
    ("cliSQLJob()", "CLI SQL", "SQL job through bin/flink run"),
    ("aSecondSubmissionDoesNotUploadAgain()", "jar reused", "a second submission finds the jar on the cluster and uploads nothing"),
    ("theSameJobIDTwiceIsOneJob()", "one job per id", "the same --job-id twice while running and once after the end: one job"),
    ("configFindsTheClusterInItsOwnFile()", "config", "submitjob config finds the REST port in the release's own conf file"),
    ("savepointStopAndResume()", "savepoint", "savepoint, stop with savepoint, resume from it (rows go on), cancel"),
]


def load_results(folder):
    path = os.path.join(folder, "results-swift-testing.xml")
    results = {}
    if not os.path.exists(path):
        return results
    for case in ET.parse(path).getroot().iter("testcase"):
        failure = case.find("failure")
        if failure is not None:
            text = (failure.get("message") or failure.text or "failed").strip()
            results[case.get("name")] = ("fail", text)
        elif case.find("skipped") is not None:
            results[case.get("name")] = ("fail", "skipped")
        else:
            results[case.get("name")] = ("pass", "")
    return results


def read(path, default=""):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return default


def endpoint(method, path):
    path = re.sub(r"/jobs/[0-9a-f]{32}", "/jobs/:jobid", path)
    path = re.sub(r"/savepoints/[^/?]+", "/savepoints/:triggerid", path)
    path = re.sub(r"/jars/(?!upload)[^/?]+", "/jars/:jarid", path)
    return f"{method} {path}"


def exchanges(folder):
    """endpoint -> {"request": set of field lists, "answer": set of 'status: fields'}"""
    seen = {}
    path = os.path.join(folder, "records", "exchanges.jsonl")
    if not os.path.exists(path):
        return seen
    with open(path) as f:
        for line in f:
            e = json.loads(line)
            entry = seen.setdefault(endpoint(e["method"], e["path"]), {"request": set(), "answer": set()})
            if e["request"] is not None:
                entry["request"].add(", ".join(e["request"]))
            answer = ", ".join(e["answer"]) if e["answer"] is not None else "(no JSON)"
            entry["answer"].add(f"{e['status']}: {answer or '{}'}")
    return seen


def ranges(versions, values):
    """Consecutive versions with equal values -> [(first, last, value)]."""
    groups = []
    for v in versions:
        if groups and groups[-1][2] == values[v]:
            groups[-1][1] = v
        else:
            groups.append([v, v, values[v]])
    return groups


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("run_dir")
    parser.add_argument("output")
    parser.add_argument("--seconds", type=int, required=True)
    parser.add_argument("versions", nargs="+")
    options = parser.parse_args()
    run_dir, output, seconds, versions = options.run_dir, options.output, options.seconds, options.versions
    failed = 0

    per_version = {v: load_results(os.path.join(run_dir, v)) for v in versions}
    known = {name for name, _, _ in CHECKS}
    extra = sorted({n for r in per_version.values() for n in r} - known)
    columns = CHECKS + [(n, n.rstrip("()"), "(no description yet)") for n in extra]

    lines = ["# Compatibility", "",
             "Written by `make compat` (`scripts/compat.sh`): every Flink minor line on PyPI, newest patch, each",
             "started as a local standalone cluster and driven by the release binary through",
             "`Tests/IntegrationTests/CompatibilityTests.swift` with the fixture chunjun-dist.",
             "Below 1.20 the cluster has the dist under `lib/` (the image's standalone target, `SUBMITJOB_PLUGINS=cluster`);",
             "from 1.20 on it has nothing of Chunjun and the plugins travel as `pipeline.classpaths`.", "",
             f"Run {datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')} on {platform.machine()} "
             f"{platform.system()} ({os.cpu_count()} cores), {seconds} s in all.", "",
             "| Flink | Java | " + " | ".join(label for _, label, _ in columns) + " | time |",
             "|---|---|" + "---|" * len(columns) + "---|"]
    failures = []
    for v in versions:
        folder = os.path.join(run_dir, v)
        results = per_version[v]
        error = read(os.path.join(folder, "error"))
        cells = []
        for name, label, _ in columns:
            state, text = results.get(name, ("fail", error or "no result (the suite did not run)"))
            cells.append("pass" if state == "pass" else "**FAIL**")
            if state != "pass":
                failed += 1
                failures.append((v, label, text))
        java = read(os.path.join(folder, "java"), "?").replace('"', "")
        java = re.sub(r"^(openjdk|java) version ", "", java)
        lines.append(f"| {v} | {java} | " + " | ".join(cells) + f" | {read(os.path.join(folder, 'seconds'), '?')} s |")

    lines += ["", "Checks:", ""]
    lines += [f"- **{label}**: {description}." for _, label, description in columns]

    if failures:
        lines += ["", "## Failures", ""]
        for v, label, text in failures:
            first = " ".join(text.split())[:400]
            lines.append(f"- {v} / {label}: {first}")

    # What each release was sent and answered, where releases differ.
    seen = {v: exchanges(os.path.join(run_dir, v)) for v in versions}
    recorded = [v for v in versions if seen[v]]
    lines += ["", "## REST differences seen", "",
              "Recorded by a proxy between submitjob and each cluster during the savepoint check (submit with",
              "`--wait running`, savepoint, stop with savepoint, resume with `--savepoint`, status, cancel): the",
              "top-level fields of every JSON body submitjob sent and of every answer, with the status. Only",
              "what differs between releases is listed; submitjob sends each release only what it knows.", ""]
    if len(recorded) < 2:
        lines.append("(fewer than two releases recorded: nothing to compare)")
    else:
        lines += ["| endpoint | what | releases | fields |", "|---|---|---|---|"]
        same = 0
        for ep in sorted({e for v in recorded for e in seen[v]}):
            for aspect in ("request", "answer"):
                values = {v: " / ".join(sorted(seen[v][ep][aspect])) if ep in seen[v] else "(not called)" for v in recorded}
                # A request without a body says nothing, also where another release did not call it.
                bodyless = aspect == "request" and set(values.values()) <= {"", "(not called)"}
                if len(set(values.values())) == 1 or bodyless:
                    same += 1
                    continue
                for first, last, value in ranges(recorded, values):
                    span = first if first == last else f"{first} – {last}"
                    lines.append(f"| `{ep}` | {aspect} | {span} | {value or '(none)'} |")
        lines += ["", f"{same} other endpoint/direction pairs were the same on every release recorded."]

    newer = read(os.path.join(run_dir, "pypi-versions"))
    if newer:
        available = [x.strip() for x in newer.split(",")]
        bumps = []
        for v in versions:
            line = v.rsplit(".", 1)[0] + "."
            patches = [a for a in available if a.startswith(line) and re.fullmatch(r"\d+\.\d+\.\d+", a)]
            best = max(patches, key=lambda a: tuple(map(int, a.split("."))), default=v)
            if best != v:
                bumps.append(f"{v} → {best}")
        lines += ["", "PyPI has newer patches: " + ", ".join(bumps) if bumps else "",
                  "" if bumps else "Every release above was the newest patch of its line on PyPI at the time of the run."]

    lines += ["", "Reproduce: `make compat` (a fresh clone downloads each Flink once into `~/.cache/submitjob`).", ""]
    text = "\n".join(lines).replace("\n\n\n", "\n\n")
    with open(output + ".tmp", "w") as f:
        f.write(text)
    os.replace(output + ".tmp", output)
    print(f"compat: {len(versions)} releases, {failed} failed checks", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
