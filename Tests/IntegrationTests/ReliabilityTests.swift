import Foundation
import SubmitJobCore
import Testing

/// The README's reliability table, fault by fault: each ends with its documented exit code
/// within --timeout and its grace, runs no job twice and leaves nothing half-done. Real Flink
/// wherever it can produce the fault (a JobManager killed by PID, restarted); fault_server.py
/// only for what it cannot (drips, HTML error pages, a reset mid-upload).
@Suite(.serialized, .enabled(if: Harness.configured, "run through `make test`"))
struct NetworkFaultTests {
    /// The documented grace past --timeout: the transport's margin and the process's own exit.
    static let grace: TimeInterval = 2
    /// Slack for a loaded 2-core machine starting processes: a hang would blow far past it.
    static let slack: TimeInterval = 3

    static func timed(_ arguments: [String], stdin: Data = Harness.fixtureJob) throws -> (Run, TimeInterval) {
        let started = Date()
        let run = try Submitjob.run(arguments, stdin: stdin, limit: 60)
        return (run, Date().timeIntervalSince(started))
    }

    @Test func aNameThatDoesNotResolveIsUnreachableNotATimeout() throws {
        let (run, elapsed) = try Self.timed(["submit", "--chunjun-dist", Harness.dist, "--flink", "http://no-such-host.invalid:8081", "--param", "outDir=/x", "--timeout", "3"])
        #expect(run.status == 69 && run.errorCode == "flink_unreachable", "\(run)")
        #expect(run.errorMessage.contains("no-such-host.invalid"), "\(run)")
        #expect(elapsed < 3 + Self.grace + Self.slack, "took \(elapsed) s")
    }

    @Test(arguments: [("drip", Int32(75), "timed_out"), ("html-502", 69, "flink_unreachable"), ("html-503", 69, "flink_unreachable")])
    func answersThatAreNotFlinksEndInTheirCodeWithinTheTimeout(mode: String, status: Int32, code: String) throws {
        let server = try FaultServer(mode)
        defer { server.stop() }
        let (run, elapsed) = try Self.timed(["submit", "--chunjun-dist", Harness.dist, "--flink", server.url, "--param", "outDir=/x", "--timeout", "4"])
        #expect(run.status == status && run.errorCode == code, "\(mode): \(run)")
        #expect(elapsed < 4 + Self.grace + Self.slack, "\(mode) took \(elapsed) s")
        // A gateway's page is reported by its words, not its markup.
        #expect(!run.errorMessage.contains("<"), "\(run)")
        if mode.hasPrefix("html") { #expect(run.errorMessage.contains("HTTP \(mode.suffix(3))") && run.errorMessage.contains("nginx"), "\(run)") }
    }

    @Test func aResetInTheMiddleOfTheUploadStoresNothingAndTheNextSubmissionUploads() async throws {
        let cluster = try #require(Harness.cluster120)
        let dist = try Harness.distWithAnotherCore(from: cluster.dist, label: "reset-upload")
        let proxy = try FaultServer("reset-upload", upstream: cluster.url)
        defer { proxy.stop() }
        let before = try await FlinkREST.jarIDs(cluster)
        let broken = try Submitjob.run(["submit", "--chunjun-dist", dist, "--flink", proxy.url, "--param", "outDir=/x"], stdin: Harness.fixtureJob)
        #expect(broken.status == 76 && broken.errorCode == "unexpected_response", "\(broken)")
        #expect(broken.json?["error"]?["jobId"] == nil, "no run was sent: \(broken)")
        #expect(try await FlinkREST.jarIDs(cluster) == before)
        let out = try Harness.newFolder("reset-upload")
        let next = try Submitjob.run(["submit", "--chunjun-dist", dist, "--flink", cluster.url, "--param", "outDir=\(out)", "--wait", "finished"], stdin: Harness.fixtureJob)
        #expect(next.status == 0 && next.json?["jar"]?["uploaded"] == .bool(true), "\(next)")
        #expect(Harness.temporaryFilesInCache().isEmpty, "\(Harness.temporaryFilesInCache())")
    }

    /// Without HA a JobManager that dies takes the jar and the job with it: submitjob cannot know
    /// whether the run got through, says so (75) with the job id, and the retry with that id
    /// after the restart uploads the jar again and runs the job once. One cluster for both
    /// moments of the kill: the restart leaves it as good as new.
    @Test func aJobManagerKilledAroundTheRunIsSettledByItsJobIDAfterTheRestart() async throws {
        let cluster = try await PrivateCluster(version: "1.20.3")
        for mode in ["kill-before-run", "kill-during-run"] {
            do {
                try await killAroundTheRun(mode, cluster)
            } catch {
                Issue.record("\(mode): \(error)")
            }
        }
        await cluster.stop()
    }

    func killAroundTheRun(_ mode: String, _ cluster: PrivateCluster) async throws {
        // kill -9 straight from the pid file: flink.sh's own kill-jobmanager, a script, would give
        // the JobManager time to answer the run first.
        let proxy = try FaultServer(mode, upstream: cluster.url,
            environment: ["FAULT_HOOK": "kill -9 $(cat '\(cluster.instance)'/pids/*standalonesession*.pid)"])
        defer { proxy.stop() }
        let jobID = String(repeating: mode == "kill-before-run" ? "5e" : "5f", count: 16)
        let out = try Harness.newFolder("jm-\(mode)")
        let arguments = ["submit", "--chunjun-dist", Harness.dist, "--param", "outDir=\(out)", "--job-id", jobID, "--timeout", "20"]
        let (lost, elapsed) = try Self.timed(arguments + ["--flink", proxy.url])
        #expect(lost.status == 75 && lost.errorCode == "timed_out", "\(mode): \(lost)")
        #expect(lost.json?["error"]?["jobId"]?.stringValue == jobID, "\(lost)")
        #expect(lost.errorMessage.contains("--job-id \(jobID)"), "\(lost)")
        #expect(elapsed < 20 + Self.grace + Self.slack, "took \(elapsed) s")

        try await cluster.restart(freshDisk: true)
        let retry = try Submitjob.run(arguments + ["--flink", cluster.url, "--wait", "finished"], stdin: Harness.fixtureJob)
        #expect(retry.status == 0 && retry.json?["alreadySubmitted"] == .bool(false), "\(retry)")
        #expect(retry.json?["jar"]?["uploaded"] == .bool(true), "the restarted JobManager forgot the jar: \(retry)")
        #expect(try await FlinkREST.jobs(cluster.cluster, id: jobID) == 1)
        #expect(try String(contentsOfFile: "\(out)/part-0", encoding: .utf8).split(separator: "\n").count == 10)
    }
}

/// Many submitters at once on one host (and a second "host": another cache folder), killed ones,
/// and the same job id from many retries.
@Suite(.serialized, .enabled(if: Harness.configured, "run through `make test`"))
struct ConcurrentSubmissionTests {
    static func waitForAll(_ running: [Submitjob.Running]) throws -> [Run] {
        try running.map { try $0.finish(limit: 240) }
    }

    static func copies(of name: String, on cluster: Cluster) async throws -> Int {
        try await FlinkREST.jarIDs(cluster).values.filter { $0 == name }.count
    }

    /// A cluster of its own with a slot per job: on the shared 4-slot one, jobs beyond the free
    /// slots fail with NoResourceAvailableException, which says nothing about submitting.
    @Test func twentySubmittersWithANewCoreJarUploadItOnceAndRunTwentyJobs() async throws {
        let privateCluster = try await PrivateCluster(version: "1.20.3", slots: 20)
        do {
            try await twentySubmitters(privateCluster.cluster)
        } catch {
            Issue.record(error)
        }
        await privateCluster.stop()
    }

    func twentySubmitters(_ cluster: Cluster) async throws {
        let dist = try Harness.distWithAnotherCore(from: cluster.dist, label: "twenty")
        let outs = try (0..<20).map { try Harness.newFolder("twenty-\($0)") }
        let running = try outs.map { out in
            try Submitjob.start(["submit", "--chunjun-dist", dist, "--flink", cluster.url, "--param", "outDir=\(out)", "--timeout", "200"], stdin: Harness.fixtureJob)
        }
        let runs = try Self.waitForAll(running)
        for run in runs { #expect(run.status == 0, "\(run)") }
        let jobIDs = Set(runs.compactMap { $0.json?["jobId"]?.stringValue })
        #expect(jobIDs.count == 20)
        let name = try #require(runs.first?.json?["jar"]?["name"]?.stringValue)
        #expect(try await Self.copies(of: name, on: cluster) == 1)
        #expect(runs.filter { $0.json?["jar"]?["uploaded"] == .bool(true) }.count == 1, "one process uploaded, the others found it")
        #expect(runs.map { $0.stderr.components(separatedBy: "submitjob: uploading ").count - 1 }.reduce(0, +) == 1)
        for jobID in jobIDs { #expect(try await FlinkREST.waitFor(cluster, jobID, ["FINISHED", "FAILED"], seconds: 180) == "FINISHED") }
    }

    /// Another host cannot share our lock: its copy, uploaded while ours was on its way, wins
    /// because it was stored first, and ours is deleted.
    @Test func aCopyAnotherHostUploadedFirstIsTheOneKept() async throws {
        let cluster = try #require(Harness.cluster120)
        let dist = try Harness.distWithAnotherCore(from: cluster.dist, label: "two-hosts")
        let slow = try FaultServer("slow-upload", upstream: cluster.url)
        defer { slow.stop() }
        let hostB = ["SUBMITJOB_CACHE_DIR": try Harness.newFolder("host-b-cache")]
        let outB = try Harness.newFolder("host-b"), outA = try Harness.newFolder("host-a")
        let late = try Submitjob.start(["submit", "--chunjun-dist", dist, "--flink", slow.url, "--param", "outDir=\(outB)"], stdin: Harness.fixtureJob, environment: hostB)
        #expect(late.waitForStderr(containing: "submitjob: uploading "))
        let early = try Submitjob.run(["submit", "--chunjun-dist", dist, "--flink", cluster.url, "--param", "outDir=\(outA)"], stdin: Harness.fixtureJob)
        let lateRun = try late.finish()
        #expect(early.status == 0 && lateRun.status == 0, "\(early)\n\(lateRun)")
        #expect(lateRun.stderr.contains("was uploaded earlier by another submitter"), "\(lateRun)")
        let name = try #require(early.json?["jar"]?["name"]?.stringValue)
        #expect(try await Self.copies(of: name, on: cluster) == 1)
        #expect(lateRun.json?["jar"]?["id"] == early.json?["jar"]?["id"], "both run the one copy kept")
    }

    @Test func aSubmitterKilledInTheMiddleOfItsUploadLeavesNothingInTheWay() async throws {
        let cluster = try #require(Harness.cluster120)
        let dist = try Harness.distWithAnotherCore(from: cluster.dist, label: "sigkill")
        let slow = try FaultServer("slow-upload", upstream: cluster.url)
        defer { slow.stop() }
        let victim = try Submitjob.start(["submit", "--chunjun-dist", dist, "--flink", slow.url, "--param", "outDir=/x"], stdin: Harness.fixtureJob)
        #expect(victim.waitForStderr(containing: "submitjob: uploading "))
        victim.signal(SIGKILL)
        let killed = try victim.finish()
        #expect(killed.status == 9 && killed.stdout.isEmpty, "\(killed)")
        // Same proxy, so the same host lock the victim held: the kernel released it.
        let out = try Harness.newFolder("after-sigkill")
        let next = try Submitjob.run(["submit", "--chunjun-dist", dist, "--flink", slow.url, "--param", "outDir=\(out)", "--wait", "finished"], stdin: Harness.fixtureJob)
        #expect(next.status == 0 && next.json?["jar"]?["uploaded"] == .bool(true), "\(next)")
        let name = try #require(next.json?["jar"]?["name"]?.stringValue)
        #expect(try await Self.copies(of: name, on: cluster) == 1)
        #expect(Harness.temporaryFilesInCache().isEmpty, "\(Harness.temporaryFilesInCache())")
    }

    /// 1.12 would run an ended job's id again, so only the host lock keeps twenty retries that
    /// race to one job there; 1.20 also refuses the duplicate itself.
    @Test(arguments: [Harness.cluster120, Harness.cluster112Lib].compactMap { $0 })
    func twentyRetriesOfOneJobIDRunOneJob(cluster: Cluster) async throws {
        var generator = SystemRandomNumberGenerator()
        let jobID = SubmissionOptions.randomJobID(using: &generator)
        let out = try Harness.newFolder("one-id")
        let running = try (0..<20).map { _ in
            try Submitjob.start(["submit", "--chunjun-dist", cluster.dist, "--flink", cluster.url, "--param", "outDir=\(out)", "--job-id", jobID, "--timeout", "200"],
                stdin: Harness.fixtureJob)
        }
        let runs = try Self.waitForAll(running)
        for run in runs { #expect(run.status == 0 && run.json?["jobId"]?.stringValue == jobID, "\(run)") }
        #expect(runs.filter { $0.json?["alreadySubmitted"] == .bool(false) }.count == 1, "one submission, nineteen retries that found it")
        #expect(try await FlinkREST.waitFor(cluster, jobID, ["FINISHED", "FAILED"]) == "FINISHED")
        #expect(try await FlinkREST.jobs(cluster, id: jobID) == 1)
        #expect(try String(contentsOfFile: "\(out)/part-0", encoding: .utf8).split(separator: "\n").count == 10, "one job's rows")
    }
}

/// SIGTERM and SIGINT: the JSON error, the documented exit, nothing left behind.
@Suite(.serialized, .enabled(if: Harness.configured, "run through `make test`"))
struct SignalTests {
    /// Also when the parent hands the signals down blocked (a child spawned from a libdispatch
    /// thread inherits a mask that blocks them): the wrapper blocks SIGINT and SIGTERM, then execs.
    @Test(arguments: [false, true])
    func sigtermDuringTheUploadIsItsErrorAndStoresNothing(blockedByTheParent: Bool) async throws {
        let cluster = try #require(Harness.cluster120)
        let dist = try Harness.distWithAnotherCore(from: cluster.dist, label: "sigterm-upload")
        let slow = try FaultServer("slow-upload", upstream: cluster.url)
        defer { slow.stop() }
        let before = try await FlinkREST.jarIDs(cluster)
        let blocking = ["python3", "-c", "import os, signal, sys; signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM}); os.execv(sys.argv[1], sys.argv[1:])"]
        let running = try Submitjob.start(["submit", "--chunjun-dist", dist, "--flink", slow.url, "--param", "outDir=/x"], stdin: Harness.fixtureJob,
                                          wrapper: blockedByTheParent ? blocking : [])
        #expect(running.waitForStderr(containing: "submitjob: uploading "))
        running.signal(SIGTERM)
        let run = try running.finish(limit: 20)
        #expect(run.status == 143 && run.errorCode == "terminated", "\(run)")
        #expect(run.errorMessage.contains("SIGTERM") && run.errorMessage.contains("uploading") && run.errorMessage.contains("nothing was submitted"), "\(run)")
        #expect(run.json?["error"]?["jobId"] == nil, "no run request was sent: \(run)")
        try await Task.sleep(for: .seconds(2))
        #expect(try await FlinkREST.jarIDs(cluster) == before)
    }

    @Test func sigintDuringFlinkRunKillsItsWholeGroupAndNamesTheJob() async throws {
        let cluster = try #require(Harness.cluster120)
        // A bin/flink that starts a grandchild and sits there, as a slow `flink run` (a shell
        // script that execs java) does.
        let home = try Harness.newFolder("sleepy-flink")
        let pidFile = "\(home)/grandchild.pid"
        try FileManager.default.createDirectory(atPath: "\(home)/bin", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: "\(home)/conf", withIntermediateDirectories: true)
        try "#!/bin/sh\nsleep 300 &\necho $! > '\(pidFile)'\nwait\n".write(toFile: "\(home)/bin/flink", atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: "\(home)/bin/flink")
        let jobID = String(repeating: "c1", count: 16)
        let running = try Submitjob.start(["submit", "--via", "cli", "--flink-home", home, "--flink", cluster.url, "--chunjun-dist", Harness.dist,
                                           "--param", "outDir=/x", "--job-id", jobID], stdin: Harness.fixtureJob)
        let deadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: pidFile), Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
        let grandchild = try #require(Int32(String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        running.signal(SIGINT)
        let run = try running.finish(limit: 20)
        #expect(run.status == 130 && run.errorCode == "interrupted", "\(run)")
        #expect(run.json?["error"]?["jobId"]?.stringValue == jobID, "the run may have reached Flink: \(run)")
        #expect(run.errorMessage.contains("--job-id \(jobID)"), "\(run)")
        #expect(Self.isGone(grandchild), "the grandchild \(grandchild) of flink run survived")
    }

    /// Dead, or a zombie nobody reaped yet (a container's PID 1 may not).
    static func isGone(_ pid: Int32) -> Bool {
        for _ in 0..<100 {
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return true }
            if stat.split(separator: ")").last?.split(separator: " ").first == "Z" { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return false
    }
}

/// Input past every sane size: handled, or refused with its code, in bounded memory.
@Suite(.serialized, .enabled(if: Harness.integrationRun, "run through `make test`"))
struct InputLimitTests {
    static func measuredPlan(job: String, dist: String = Harness.dist, label: String) throws -> (Run, Int) {
        let rssFile = "\(try Harness.newFolder(label))/peak-rss-kib"
        let run = try Submitjob.runMeasured(["plan", "--chunjun-dist", dist, "--flink-version", "1.20.3", "--param", "outDir=/x"],
            job: job, rssFile: rssFile, environment: [:])
        return (run, Int(try String(contentsOfFile: rssFile, encoding: .utf8)) ?? .max)
    }

    static func write(_ label: String, _ body: (FileHandle) throws -> Void) throws -> String {
        let path = "\(try Harness.newFolder(label))/job"
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try body(handle)
        try handle.close()
        return path
    }

    @Test func aHundredMegabyteJobIsRefusedWithoutReadingItAll() throws {
        let job = try Self.write("100mb") { handle in
            let block = Data(repeating: UInt8(ascii: " "), count: 1 << 20)
            try handle.write(contentsOf: Data("{\"job\": {\"content\": [], \"x\": \"".utf8))
            for _ in 0..<100 { try handle.write(contentsOf: block) }
            try handle.write(contentsOf: Data("\"}}".utf8))
        }
        let (run, peakKiB) = try Self.measuredPlan(job: job, label: "100mb-rss")
        #expect(run.status == 65 && run.errorCode == "invalid_job" && run.errorMessage.contains("larger than 64 MiB"), "\(run)")
        #expect(peakKiB < 256 << 10, "peak RSS \(peakKiB) KiB")
    }

    @Test func aTenMegabyteLineIsPlanned() throws {
        var text = String(decoding: Harness.fixtureJob, as: UTF8.self)
        // The job on one line, a 10 MB value in it (a long comment a UI stored).
        text = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.joined()
        text = text.replacingOccurrences(of: "\"sourceTable\"", with: "\"sourceTable\", \"comment\": \"\(String(repeating: "x", count: 10 << 20))\"")
        let job = try Self.write("10mb-line") { try $0.write(contentsOf: Data(text.utf8)) }
        let (run, peakKiB) = try Self.measuredPlan(job: job, label: "10mb-line-rss")
        #expect(run.status == 0 && run.json?["jobType"] == .string("sync"), "exit \(run.status): \(run.stderr.prefix(500))")
        #expect(run.stdout.utf8.count > 10 << 20, "the job travels whole in the plan")
        #expect(peakKiB < 512 << 10, "peak RSS \(peakKiB) KiB")
    }

    @Test func jsonNestedTenThousandDeepIsRefusedNotAStackOverflow() throws {
        let depth = 10_000
        let nested = "{\"job\": {\"content\": [], \"x\": " + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "}}"
        let job = try Self.write("deep") { try $0.write(contentsOf: Data(nested.utf8)) }
        let (run, _) = try Self.measuredPlan(job: job, label: "deep-rss")
        #expect(run.status == 65 && run.errorCode == "invalid_job" && run.errorMessage.contains("nested deeper than"), "\(run)")
    }

    @Test func aDistOfAHundredThousandFilesIsPlannedInBoundedMemory() throws {
        let dist = try Harness.newFolder("100k-dist") + "/chunjun-dist"
        try FileManager.default.copyItem(atPath: Harness.dist, toPath: dist)
        // 1,000 connector folders of 100 jars each: every one is listed, only the job's is used.
        let made = try Harness.output(["/usr/bin/env", "python3", "-c", """
            import os, sys
            root = sys.argv[1]
            for f in range(1000):
                d = os.path.join(root, "connector", "filler%04d" % f)
                os.makedirs(d)
                for j in range(100):
                    open(os.path.join(d, "chunjun-connector-filler%04d-%03d.jar" % (f, j)), "w").close()
            print(sum(len(files) for _, _, files in os.walk(root)))
            """, dist])
        #expect((Int(made.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0) >= 100_000)
        let (run, peakKiB) = try Self.measuredPlan(job: Harness.fixtureJobURL.path, dist: dist, label: "100k-dist-rss")
        #expect(run.status == 0, "\(run)")
        let classpaths = run.json?["flinkRequest"]?["flinkConfiguration"]?["pipeline.classpaths"]?.stringValue ?? ""
        #expect(classpaths.contains("connector/stream/") && !classpaths.contains("filler"), "\(classpaths.prefix(300))")
        #expect(peakKiB < 128 << 10, "peak RSS \(peakKiB) KiB")
    }
}

extension Harness {
    /// Runs a short helper command to its end; its stdout.
    static func output(_ command: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw Failure("\(command.joined(separator: " ")) exited with \(process.terminationStatus)") }
        return String(decoding: data, as: UTF8.self)
    }

    /// Partial files of submitjob's in its cache (bundles being built die as `.tmp`).
    static func temporaryFilesInCache() -> [String] {
        guard let cache = environment["SUBMITJOB_CACHE_DIR"],
              let walker = FileManager.default.enumerator(atPath: cache) else { return [] }
        return walker.compactMap { $0 as? String }.filter { $0.hasSuffix(".tmp") }
    }
}
