import Foundation
import SubmitJobCore
import Testing

/// Following and controlling jobs on real Flink 1.12.5, 1.20.3 and 2.2.1: status with Chunjun's
/// counters, wait, savepoint, stop with savepoint, resume, cancel, failures, unknown ids, jars.
@Suite(.serialized, .enabled(if: Harness.configured, "run through `make test`, which starts the Flink clusters"))
struct JobLifecycleTests {
    /// One cluster per version: the bare 1.12 adds nothing here that the 1.12 with lib/ does not
    /// (both run bundles by default).
    static let clusters = Harness.clusters.filter { $0.version != "1.12" || $0.distOnClasspath }
    static let unboundedJob = Harness.jobFile("stream-unbounded.json")
    static let failingJob = Harness.jobFile("stream-failing.json")
    static let failingSecret = "Fail0ver-Secret#42"

    func submit(_ cluster: Cluster, outDir: String, dist: String? = nil) -> [String] {
        ["submit", "--chunjun-dist", dist ?? cluster.dist, "--flink", cluster.url, "--param", "outDir=\(outDir)"]
    }

    /// Runs a control command against the cluster; every such output must be free of the fixture's secrets.
    func control(_ cluster: Cluster, _ arguments: [String]) throws -> Run {
        let run = try Submitjob.run(arguments + ["--flink", cluster.url])
        #expect(run.leaks().isEmpty && run.leaks(Self.failingSecret).isEmpty, "\(run)")
        return run
    }

    /// Polls `submitjob status` until `condition` holds for its JSON (counters arrive with heartbeats, ~10 s).
    func statusWhen(_ cluster: Cluster, _ jobID: String, seconds: Double = 60, _ condition: (JSONValue) -> Bool) async throws -> JSONValue {
        let deadline = Date().addingTimeInterval(seconds)
        var last: Run?
        while Date() < deadline {
            let run = try control(cluster, ["status", jobID])
            if let json = run.json, run.status == 0, condition(json) { return json }
            last = run
            try await Task.sleep(for: .milliseconds(500))
        }
        throw Failure("status never met the condition; last: \(last.map { "\($0)" } ?? "none")")
    }

    static func rows(_ folder: String) throws -> [Int] {
        try String(contentsOfFile: "\(folder)/part-0", encoding: .utf8).split(separator: "\n").map { Int($0.split(separator: ",")[0])! }
    }

    static func isISO8601(_ value: JSONValue?) -> Bool {
        guard let text = value?.stringValue else { return false }
        return text.wholeMatch(of: /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z/) != nil
    }

    @Test(arguments: clusters)
    func statusSavepointStopResumeCancel(cluster: Cluster) async throws {
        let key = "it-\(cluster.version)-\(UUID().uuidString)"
        let name = "it-lifecycle-\(cluster.version)-\(UUID().uuidString.prefix(8))"
        let out1 = try Harness.newFolder("life1")

        // Submit and wait until every task runs; the key decides the id, and a retry is the same job.
        let started = try Submitjob.run(submit(cluster, outDir: out1) + ["--idempotency-key", key, "--name", name, "--wait", "running"], stdin: Self.unboundedJob)
        #expect(started.status == 0, "\(started)")
        let jobID = try #require(started.json?["jobId"]?.stringValue)
        #expect(jobID == SubmissionOptions.jobID(forIdempotencyKey: key))
        #expect(started.json?["status"]?["running"] == .bool(true) && started.json?["status"]?["state"] == "RUNNING", "\(started)")
        #expect(started.leaks().isEmpty, "\(started)")
        let retry = try Submitjob.run(submit(cluster, outDir: out1) + ["--idempotency-key", key, "--name", name], stdin: Self.unboundedJob)
        #expect(retry.json?["alreadySubmitted"] == .bool(true) && retry.json?["jobId"]?.stringValue == jobID, "\(retry)")
        #expect(try await FlinkREST.jobs(cluster, id: jobID) == 1)

        let running = try control(cluster, ["wait", jobID, "--until", "running"])
        #expect(running.status == 0 && running.json?["until"] == "running" && running.json?["running"] == .bool(true), "\(running)")
        // The deadline of a wait that cannot be met: 75 with the last state seen.
        let impatient = try control(cluster, ["wait", jobID, "--until", "finished", "--timeout", "2"])
        #expect(impatient.status == 75 && impatient.errorCode == "timed_out" && impatient.json?["error"]?["state"] == "RUNNING", "\(impatient)")

        // Chunjun's counters grow while it runs; accumulators nobody knows are kept by name.
        let first = try await statusWhen(cluster, jobID) { ($0["counters"]?["numRead"]?.intValue ?? 0) > 0 }
        let read = try #require(first["counters"]?["numRead"]?.intValue)
        let later = try await statusWhen(cluster, jobID) { ($0["counters"]?["numRead"]?.intValue ?? 0) > read }
        #expect(later["state"] == "RUNNING" && later["running"] == .bool(true) && later["name"]?.stringValue == name)
        #expect(later["counters"]?["numWrite"]?.intValue != nil && later["counters"]?["byteRead"]?.intValue != nil && later["counters"]?["readDuration"]?.intValue != nil, "\(later)")
        #expect(Self.isISO8601(later["startTime"]) && later["endTime"] == .null)
        guard case .array(let vertices)? = later["vertices"] else { Issue.record("no vertices: \(later)"); return }
        #expect(!vertices.isEmpty && vertices.allSatisfy { $0["state"] == "RUNNING" && $0["parallelism"]?.intValue == 1 })

        // list finds it by name and state.
        let listed = try control(cluster, ["list", "--name-prefix", name])
        #expect(listed.json?["jobs"] == .array([.object([("jobId", .string(jobID)), ("name", .string(name)), ("state", "RUNNING"),
                                                         ("startTime", later["startTime"]!), ("endTime", .null)])]), "\(listed)")
        #expect(try control(cluster, ["list", "--name-prefix", name, "--state", "finished"]).json?["jobs"] == .array([]))

        // A savepoint; the job goes on.
        let savepointDir = try Harness.newFolder("savepoints")
        let savepoint = try control(cluster, ["savepoint", jobID, "--dir", "file://\(savepointDir)"])
        #expect(savepoint.status == 0 && savepoint.json?["state"] == "RUNNING", "\(savepoint)")
        let savepointPath = try #require(savepoint.json?["savepoint"]?.stringValue)
        #expect(FileManager.default.fileExists(atPath: Self.localPath(savepointPath) + "/_metadata"), "\(savepointPath)")
        let afterSavepoint = try await statusWhen(cluster, jobID) { $0["lastSavepoint"]?["externalPath"]?.stringValue == savepointPath }
        #expect(afterSavepoint["lastSavepoint"]?["id"]?.intValue != nil && Self.isISO8601(afterSavepoint["lastSavepoint"]?["time"]))

        // Stop with a savepoint, twice: the second says the job had ended, with the same savepoint.
        let stopDir = try Harness.newFolder("stop-savepoints")
        let stopped = try control(cluster, ["stop", jobID, "--savepoint-dir", "file://\(stopDir)"])
        #expect(stopped.status == 0 && stopped.json?["state"] == "FINISHED" && stopped.json?["alreadyEnded"] == .bool(false), "\(stopped)")
        let stopPath = try #require(stopped.json?["savepoint"]?.stringValue)
        #expect(FileManager.default.fileExists(atPath: Self.localPath(stopPath) + "/_metadata"), "\(stopPath)")
        let again = try control(cluster, ["stop", jobID])
        #expect(again.status == 0 && again.json?["alreadyEnded"] == .bool(true) && again.json?["savepoint"]?.stringValue == stopPath, "\(again)")
        let before = try Self.rows(out1)
        let last = try #require(before.last)
        #expect(before == Array(0...last), "the first run wrote rows 0...\(last) in order")

        // Resume under a new key: the rows go on from the savepoint instead of starting over.
        let out2 = try Harness.newFolder("life2")
        let resumed = try Submitjob.run(submit(cluster, outDir: out2) + ["--idempotency-key", key + "/resume", "--savepoint", stopPath, "--wait", "running"], stdin: Self.unboundedJob)
        #expect(resumed.status == 0, "\(resumed)")
        let resumedID = try #require(resumed.json?["jobId"]?.stringValue)
        _ = try await statusWhen(cluster, resumedID) { ($0["counters"]?["numWrite"]?.intValue ?? 0) >= 5 }
        let cancelled = try control(cluster, ["cancel", resumedID])
        #expect(cancelled.status == 0 && cancelled.json?["state"] == "CANCELED" && cancelled.json?["alreadyEnded"] == .bool(false), "\(cancelled)")
        let after = try Self.rows(out2)
        let firstResumed = try #require(after.first)
        // 1.12's legacy sources may emit a few rows past the barrier before they stop (at-least-once).
        #expect(firstResumed > 0 && firstResumed <= last + 1, "resumed at \(firstResumed) after \(last)")
        #expect(after == Array(firstResumed...(after.last ?? firstResumed)))

        // Repeats and what cannot be done to an ended job.
        let cancelledAgain = try control(cluster, ["cancel", resumedID])
        #expect(cancelledAgain.status == 0 && cancelledAgain.json?["alreadyEnded"] == .bool(true) && cancelledAgain.json?["state"] == "CANCELED", "\(cancelledAgain)")
        let stopCancelled = try control(cluster, ["stop", resumedID])
        #expect(stopCancelled.status == 3 && stopCancelled.errorCode == "job_canceled", "\(stopCancelled)")
        let saveFinished = try control(cluster, ["savepoint", jobID])
        #expect(saveFinished.status == 3 && saveFinished.errorCode == "job_not_running", "\(saveFinished)")
        #expect(resumed.leaks().isEmpty, "\(resumed)")
    }

    @Test(arguments: clusters)
    func aFailedJobsRootCauseReachesWaitAndStatusWithoutItsSecrets(cluster: Cluster) throws {
        let run = try Submitjob.run(submit(cluster, outDir: try Harness.newFolder("fail")) + ["--wait", "finished"], stdin: Self.failingJob)
        #expect(run.status == 3 && run.errorCode == "job_failed", "\(run)")
        let jobID = try #require(run.json?["jobId"]?.stringValue, "the submission is in the failure document: \(run)")
        let cause = try #require(run.json?["error"]?["rootCause"]?.stringValue, "\(run)")
        #expect(cause.contains("fixture reader failed after 30 records") && cause.contains("password=******"), "\(cause)")
        #expect(run.json?["status"]?["state"] == "FAILED" && run.json?["status"]?["rootCause"]?.stringValue == cause)
        #expect(run.leaks().isEmpty && run.leaks(Self.failingSecret).isEmpty, "\(run)")

        // A process that never saw the job: the secret is masked by its shape alone.
        let status = try control(cluster, ["status", jobID])
        #expect(status.status == 0 && status.json?["state"] == "FAILED" && status.json?["rootCause"]?.stringValue == cause, "\(status)")
        #expect(Self.isISO8601(status.json?["endTime"]))
        let wait = try control(cluster, ["wait", jobID, "--until", "running"])
        #expect(wait.status == 3 && wait.errorCode == "job_failed" && wait.json?["error"]?["rootCause"]?.stringValue == cause, "\(wait)")
        let cancel = try control(cluster, ["cancel", jobID])
        #expect(cancel.status == 0 && cancel.json?["alreadyEnded"] == .bool(true) && cancel.json?["state"] == "FAILED", "\(cancel)")
    }

    @Test(arguments: clusters)
    func anUnknownJobIsJobNotFoundForEveryCommand(cluster: Cluster) throws {
        var generator = SystemRandomNumberGenerator()
        let unknown = SubmissionOptions.randomJobID(using: &generator)
        for command in [["status"], ["wait", "--until", "running"], ["cancel"], ["stop"], ["savepoint"]] {
            let run = try control(cluster, [command[0], unknown] + command.dropFirst())
            #expect(run.status == 4 && run.errorCode == "job_not_found" && run.json?["error"]?["jobId"]?.stringValue == unknown, "\(command): \(run)")
        }
        let malformed = try control(cluster, ["status", "not-a-job-id"])
        #expect(malformed.status == 64 && malformed.errorCode == "usage", "\(malformed)")
    }

    @Test(arguments: clusters)
    func pruningRemovesOnlyOurOldUploadsAndNeverStopsAJob(cluster: Cluster) async throws {
        // A job that runs from the current core jar, and a second core jar (other content) uploaded after it.
        let running = try Submitjob.run(submit(cluster, outDir: try Harness.newFolder("prune-run")) + ["--wait", "running"], stdin: Self.unboundedJob)
        #expect(running.status == 0, "\(running)")
        let jobID = try #require(running.json?["jobId"]?.stringValue)
        let currentName = try #require(running.json?["jar"]?["name"]?.stringValue, "\(running)")
        let dist = try Harness.distWithAnotherCore(from: cluster.dist, label: "dist-prune")
        let newer = try Submitjob.run(submit(cluster, outDir: try Harness.newFolder("prune-new"), dist: dist), stdin: Harness.fixtureJob)
        #expect(newer.status == 0 && newer.json?["jar"]?["uploaded"] == .bool(true), "\(newer)")
        let newerName = try #require(newer.json?["jar"]?["name"]?.stringValue)
        #expect(try await FlinkREST.waitFor(cluster, try #require(newer.json?["jobId"]?.stringValue), ["FINISHED", "FAILED"]) == "FINISHED")
        // Another tool's jar, which prune must never touch.
        let foreign = try await FlinkREST.upload(cluster, name: "other-tool.jar", contents: try Data(contentsOf: URL(fileURLWithPath: "\(cluster.dist)/formats/chunjun-format-fixture.jar")))

        let listed = try control(cluster, ["jars", "list"])
        guard case .array(let jars)? = listed.json?["jars"] else { Issue.record("\(listed)"); return }
        #expect(jars.contains { $0["name"]?.stringValue == currentName && $0["submitjob"] == .bool(true)
            && $0["kind"]?.stringValue == (cluster.defaultPluginMode == "bundle" ? "bundle" : "core") }, "\(listed)")
        #expect(jars.first { $0["id"]?.stringValue == foreign }?["submitjob"] == .bool(false), "\(listed)")
        #expect(jars.first?["name"]?.stringValue == "other-tool.jar" && Self.isISO8601(jars.first?["uploaded"]), "newest first: \(listed)")

        let before = try await FlinkREST.jarIDs(cluster)
        let dryRun = try control(cluster, ["jars", "prune", "--keep", "1", "--keep-bundles", "1", "--dry-run"])
        #expect(dryRun.status == 0 && dryRun.json?["dryRun"] == .bool(true), "\(dryRun)")
        #expect(dryRun.json?["kept"]?[0]?["name"]?.stringValue == newerName, "\(dryRun)")
        guard case .array(let wouldDelete)? = dryRun.json?["deleted"] else { Issue.record("\(dryRun)"); return }
        #expect(wouldDelete.contains { $0["name"]?.stringValue == currentName } && !wouldDelete.contains { $0["id"]?.stringValue == foreign })
        #expect(try await FlinkREST.jarIDs(cluster) == before, "a dry run deletes nothing")

        let pruned = try control(cluster, ["jars", "prune", "--keep", "0", "--keep-bundles", "0"])
        #expect(pruned.status == 0, "\(pruned)")
        let after = try await FlinkREST.jarIDs(cluster)
        #expect(after.values.allSatisfy { !JarHousekeeping.isOurs($0) } && after[foreign] == "other-tool.jar", "\(after)")

        // The job whose jar went on running: Flink copied the jar to its blob store at the start.
        let counted = try await statusWhen(cluster, jobID) { ($0["counters"]?["numWrite"]?.intValue ?? 0) > 0 }
        let written = try #require(counted["counters"]?["numWrite"]?.intValue)
        _ = try await statusWhen(cluster, jobID) { $0["state"] == "RUNNING" && ($0["counters"]?["numWrite"]?.intValue ?? 0) > written }
        #expect(try control(cluster, ["cancel", jobID]).json?["state"] == "CANCELED")
        try await FlinkREST.deleteJar(cluster, foreign)

        // The next submission simply uploads the core jar again.
        let next = try Submitjob.run(submit(cluster, outDir: try Harness.newFolder("prune-next")), stdin: Harness.fixtureJob)
        #expect(next.status == 0 && next.json?["jar"]?["uploaded"] == .bool(true), "\(next)")
    }

    static func localPath(_ uri: String) -> String {
        var path = uri
        for prefix in ["file://", "file:"] where path.hasPrefix(prefix) { path = String(path.dropFirst(prefix.count)); break }
        return path
    }
}

/// Killing the JobManager needs a cluster of one's own: the test starts it and always stops it.
@Suite(.serialized, .enabled(if: Harness.configured, "run through `make test`"))
struct JobManagerLossTests {
    @Test func aJobManagerThatDiesWhileWaitingIsAClearErrorBeforeTheDeadline() async throws {
        let cluster = try await PrivateCluster(version: "1.20.3")
        do {
            try await loseTheJobManagerWhileWaiting(cluster)
        } catch {
            Issue.record(error)
        }
        await cluster.stop()
    }

    func loseTheJobManagerWhileWaiting(_ cluster: PrivateCluster) async throws {
        let out = try Harness.newFolder("jm-loss")
        let dist = Harness.dist
        let started = try Submitjob.run(["submit", "--chunjun-dist", dist, "--flink", cluster.url, "--param", "outDir=\(out)", "--wait", "running"],
            stdin: JobLifecycleTests.unboundedJob)
        #expect(started.status == 0, "\(started)")
        let jobID = try #require(started.json?["jobId"]?.stringValue)
        let waiting = try Submitjob.start(["wait", jobID, "--until", "finished", "--flink", cluster.url, "--timeout", "120"])
        try await Task.sleep(for: .seconds(3))
        try await cluster.killJobManager()
        let run = try waiting.finish()
        // 75 would mean it sat until the deadline; 69 is the clear answer, given within the grace.
        #expect(run.status == 69 && run.errorCode == "flink_unreachable", "\(run)")
        #expect(run.json?["error"]?["state"] == "RUNNING" && run.json?["error"]?["jobId"]?.stringValue == jobID, "\(run)")
        #expect(run.errorMessage.hasPrefix("Flink stopped answering while job \(jobID) was RUNNING"), "\(run)")
    }
}
