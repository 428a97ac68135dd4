import Foundation
import SubmitJobCore
import Testing

/// One Flink release, started by scripts/compat.sh (`make compat` runs every minor line from 1.12
/// to 2.3 in turn; `make test` one of them). Each test is one column of COMPATIBILITY.md, which the
/// script writes from the xUnit results of this suite and the REST exchanges recorded here.
enum Compat {
    static let environment = Harness.environment
    /// The release exactly, e.g. "1.16.3": the cluster must report this and nothing else.
    static let version = environment["SUBMITJOB_COMPAT_VERSION"] ?? ""
    static let url = environment["SUBMITJOB_COMPAT_FLINK"] ?? ""
    /// The cluster's instance folder: its own bin/flink and conf/ (flink-conf.yaml or config.yaml).
    static let home = environment["SUBMITJOB_COMPAT_HOME"] ?? ""
    static let dist = environment["SUBMITJOB_COMPAT_DIST"] ?? ""
    /// Below 1.20 the cluster has the dist under lib/, as the image's standalone target does.
    static let distOnLib = environment["SUBMITJOB_COMPAT_DIST_ON_LIB"] == "1"
    /// Where the recording proxy appends what this release was sent and answered.
    static let records = environment["SUBMITJOB_COMPAT_RECORDS"] ?? ""
    static var configured: Bool {
        ![version, url, home, dist, records].contains("") && Harness.offlineConfigured
    }

    static var cluster: Cluster { Cluster(version: version, url: url, dist: dist, distOnClasspath: distOnLib) }
    static var flinkVersion: FlinkVersion? { FlinkVersion(version) }
    /// The image's settings: the standalone target sets SUBMITJOB_PLUGINS=cluster; from 1.20 on the
    /// plugins travel as pipeline.classpaths, submitjob's default there.
    static var restEnvironment: [String: String] { distOnLib ? ["SUBMITJOB_PLUGINS": "cluster"] : [:] }
    static var restPluginMode: String { distOnLib ? "cluster" : "classpaths" }
    static var configDialect: String {
        guard let v = flinkVersion else { return "" }
        return v >= FlinkVersion("1.19")! ? "config.yaml" : "flink-conf.yaml"
    }

    static func submit(outDir: String, flink: String = url, dist: String = dist) -> [String] {
        ["submit", "--chunjun-dist", dist, "--flink", flink, "--param", "outDir=\(outDir)"]
    }

    /// The same through this release's own bin/flink, found from its home.
    static func submitThroughBinFlink(outDir: String) -> [String] {
        ["submit", "--via", "cli", "--flink-home", home, "--chunjun-dist", dist, "--param", "outDir=\(outDir)"]
    }
}

@Suite(.serialized, .enabled(if: Compat.configured, "run through `make compat` (or the slice in `make test`), which starts the cluster"))
struct CompatibilityTests {
    let cluster = Compat.cluster

    /// Where a class was loaded from, as the fixture's Main and sink wrote it.
    static func origin(of className: String, in classes: String) -> String? {
        classes.split(separator: "\n").first { $0.hasPrefix(className + "=") }.map { String($0.dropFirst(className.count + 1)) }
    }

    func expectPluginsCameFromTheirPlace(_ evidence: Evidence, mode: String) {
        let source = Self.origin(of: "com.dtstack.chunjun.connector.stream.source.StreamSourceFactory", in: evidence.classes) ?? ""
        let sink = Self.origin(of: "com.dtstack.chunjun.connector.stream.sink.StreamSinkFunction", in: evidence.taskManagerClasses) ?? ""
        switch mode {
        case "cluster":
            #expect(source == "file:\(Compat.home)/lib/chunjun-dist/connector/stream/chunjun-connector-stream.jar", "\(evidence.classes)")
            #expect(sink == "file:\(Compat.home)/lib/chunjun-dist/connector/stream/chunjun-connector-stream.jar", "\(evidence.taskManagerClasses)")
        case "bundle":
            // Flink's jar runner extracted the bundle's lib/ jar: child-first, so even with the
            // dist under lib/ the bundle's copy is the one loaded.
            #expect(source.hasSuffix("lib_connector_stream_chunjun-connector-stream.jar"), "\(evidence.classes)")
            #expect(sink.contains("/job_\(evidence.jobID)/blob_p-"), "\(evidence.taskManagerClasses)")
        default:  // classpaths, and -C of bin/flink run: the dist's own file
            #expect(source == "file:\(Compat.dist)/connector/stream/chunjun-connector-stream.jar", "\(evidence.classes)")
            #expect(sink == "file:\(Compat.dist)/connector/stream/chunjun-connector-stream.jar", "\(evidence.taskManagerClasses)")
        }
    }

    @Test func theClusterIsTheReleaseAsked() async throws {
        let config = try await FlinkREST.get("\(Compat.url)/config")
        #expect(config["flink-version"]?.stringValue == Compat.version, "\(config)")
    }

    @Test func restSyncJob() async throws {
        let out = try Harness.newFolder("compat-rest-sync")
        let run = try Submitjob.run(Compat.submit(outDir: out) + ["--conf", "x.y=a+b%c&d"], stdin: Harness.fixtureJob, environment: Compat.restEnvironment)
        #expect(run.json?["flinkVersion"]?.stringValue == Compat.version && run.json?["via"] == "rest", "\(run)")
        #expect(run.json?["pluginMode"]?.stringValue == Compat.restPluginMode, "\(run)")
        let evidence = try await Evidence.ofFinishedRun(run, on: cluster, in: out)
        // Byte-exact, passwords and JSON escapes included.
        #expect(evidence.jobText == Harness.fixtureJob)
        #expect(evidence.rows == 10)
        #expect(evidence.args.contains(#"confProp={"x.y":"a+b%c&d"}"#), "\(evidence.args)")
        expectPluginsCameFromTheirPlace(evidence, mode: Compat.restPluginMode)
        #expect(run.leaks().isEmpty, "\(run)")
    }

    @Test func restSQLJob() async throws {
        let out = try Harness.newFolder("compat-rest-sql")
        let run = try Submitjob.run(Compat.submit(outDir: out), stdin: Harness.sqlScript, environment: Compat.restEnvironment)
        #expect(run.json?["jobType"] == "sql" && run.json?["flinkVersion"]?.stringValue == Compat.version, "\(run)")
        let evidence = try await Evidence.ofFinishedRun(run, on: cluster, in: out)
        #expect(evidence.jobText == Harness.sqlScript)
        #expect(evidence.rows == 6)
        #expect(evidence.args.contains("jobType=sql"), "\(evidence.args)")
        #expect(run.leaks(Harness.sqlPassword).isEmpty, "\(run)")
    }

    /// The session image's way below 1.20 (and a choice on any version): chunjun-core and the job's
    /// plugins in one uploaded jar.
    @Test func restSyncJobAsABundle() async throws {
        let out = try Harness.newFolder("compat-bundle")
        let run = try Submitjob.run(Compat.submit(outDir: out) + ["--plugins", "bundle"], stdin: Harness.fixtureJob)
        #expect(run.json?["pluginMode"] == "bundle", "\(run)")
        let evidence = try await Evidence.ofFinishedRun(run, on: cluster, in: out)
        #expect(evidence.jobText == Harness.fixtureJob && evidence.rows == 10)
        expectPluginsCameFromTheirPlace(evidence, mode: "bundle")
    }

    @Test func cliSyncJob() async throws {
        let out = try Harness.newFolder("compat-cli-sync")
        let run = try Submitjob.run(Compat.submitThroughBinFlink(outDir: out), stdin: Harness.fixtureJob)
        #expect(run.json?["via"] == "cli" && run.json?["flinkVersion"]?.stringValue == Compat.version, "\(run)")
        let evidence = try await Evidence.ofFinishedRun(run, on: cluster, in: out)
        #expect(evidence.jobText == Harness.fixtureJob && evidence.rows == 10)
        // -C puts the dist's own files in the user class loader, which loads child-first.
        expectPluginsCameFromTheirPlace(evidence, mode: "classpaths")
        #expect(run.leaks().isEmpty, "\(run)")
    }

    @Test func cliSQLJob() async throws {
        let out = try Harness.newFolder("compat-cli-sql")
        let run = try Submitjob.run(Compat.submitThroughBinFlink(outDir: out), stdin: Harness.sqlScript)
        #expect(run.json?["via"] == "cli" && run.json?["jobType"] == "sql", "\(run)")
        let evidence = try await Evidence.ofFinishedRun(run, on: cluster, in: out)
        #expect(evidence.jobText == Harness.sqlScript && evidence.rows == 6)
        #expect(run.leaks(Harness.sqlPassword).isEmpty, "\(run)")
    }

    @Test func aSecondSubmissionDoesNotUploadAgain() async throws {
        let first = try Submitjob.run(Compat.submit(outDir: try Harness.newFolder("compat-jar1")), stdin: Harness.fixtureJob, environment: Compat.restEnvironment)
        let before = try await FlinkREST.jarCount(cluster)
        let second = try Submitjob.run(Compat.submit(outDir: try Harness.newFolder("compat-jar2")), stdin: Harness.fixtureJob, environment: Compat.restEnvironment)
        #expect(first.status == 0 && second.status == 0, "\(first)\n\(second)")
        #expect(second.json?["jar"]?["uploaded"] == .bool(false) && second.json?["jar"]?["id"] == first.json?["jar"]?["id"], "\(second)")
        #expect(!second.stderr.contains("uploading"), "\(second)")
        #expect(try await FlinkREST.jarCount(cluster) == before, "Flink holds no new jar")
    }

    @Test func theSameJobIDTwiceIsOneJob() async throws {
        var generator = SystemRandomNumberGenerator()
        let jobID = SubmissionOptions.randomJobID(using: &generator)
        let out = try Harness.newFolder("compat-dup")
        let arguments = Compat.submit(outDir: out) + ["--job-id", jobID]
        let first = try Submitjob.run(arguments, stdin: Harness.fixtureJob, environment: Compat.restEnvironment)
        #expect(first.status == 0 && first.json?["alreadySubmitted"] == .bool(false), "\(first)")
        let retry = try Submitjob.run(arguments, stdin: Harness.fixtureJob, environment: Compat.restEnvironment)
        #expect(retry.status == 0 && retry.json?["jobId"]?.stringValue == jobID && retry.json?["alreadySubmitted"] == .bool(true), "\(retry)")
        #expect(try await FlinkREST.waitFor(cluster, jobID, ["FINISHED", "FAILED", "CANCELED"]) == "FINISHED")
        // Once it has ended, too (1.12 would take the id again and run the job a second time).
        let late = try Submitjob.run(arguments, stdin: Harness.fixtureJob, environment: Compat.restEnvironment)
        #expect(late.status == 0 && late.json?["alreadySubmitted"] == .bool(true), "\(late)")
        #expect(try await FlinkREST.jobs(cluster, id: jobID) == 1)
        #expect(try String(contentsOfFile: "\(out)/part-0", encoding: .utf8).split(separator: "\n").count == 10)
    }

    @Test func configFindsTheClusterInItsOwnFile() throws {
        let run = try Submitjob.run(["config", "--flink-home", Compat.home])
        let port = Compat.url.split(separator: ":").last.map(String.init) ?? ""
        #expect(run.status == 0, "\(run)")
        #expect(run.json?["flink"]?.stringValue == "http://localhost:\(port)", "\(run)")
        #expect(run.json?["endpoint"]?["from"]?.stringValue == "\(Compat.home)/conf/\(Compat.configDialect)", "\(run)")
        #expect(run.json?["flinkHome"]?["version"]?.stringValue == Compat.version, "\(run)")
        let byEnvironment = try Submitjob.run(["config"], environment: ["FLINK_CONF_DIR": "\(Compat.home)/conf"])
        #expect(byEnvironment.json?["flink"]?.stringValue == "http://localhost:\(port)", "\(byEnvironment)")
    }

    /// Savepoint, stop with savepoint and resume through a recording proxy: the bodies submitjob
    /// sends for them differ by version (triggerId from 1.14, flinkConfiguration from 1.20), and
    /// 1.12–1.19 refuse any field they do not know.
    @Test func savepointStopAndResume() async throws {
        let proxy = try FaultServer("record", upstream: Compat.url, environment: ["RECORD_FILE": "\(Compat.records)/exchanges.jsonl"])
        defer { proxy.stop() }
        let unbounded = Harness.jobFile("stream-unbounded.json")
        let out1 = try Harness.newFolder("compat-life1")
        let started = try Submitjob.run(Compat.submit(outDir: out1, flink: proxy.url) + ["--wait", "running"], stdin: unbounded, environment: Compat.restEnvironment)
        #expect(started.status == 0 && started.json?["status"]?["running"] == .bool(true), "\(started)")
        let jobID = try #require(started.json?["jobId"]?.stringValue)

        let savepointDir = try Harness.newFolder("compat-savepoints")
        let savepoint = try Submitjob.run(["savepoint", jobID, "--dir", "file://\(savepointDir)", "--flink", proxy.url])
        #expect(savepoint.status == 0 && savepoint.json?["state"] == "RUNNING", "\(savepoint)")

        let stopDir = try Harness.newFolder("compat-stop")
        let stopped = try Submitjob.run(["stop", jobID, "--savepoint-dir", "file://\(stopDir)", "--flink", proxy.url])
        #expect(stopped.status == 0 && stopped.json?["state"] == "FINISHED", "\(stopped)")
        let stopPath = try #require(stopped.json?["savepoint"]?.stringValue)
        #expect(FileManager.default.fileExists(atPath: JobLifecycleTests.localPath(stopPath) + "/_metadata"), "\(stopPath)")
        let last = try #require(try JobLifecycleTests.rows(out1).last)

        let out2 = try Harness.newFolder("compat-life2")
        let resumed = try Submitjob.run(Compat.submit(outDir: out2, flink: proxy.url) + ["--savepoint", stopPath, "--wait", "running"], stdin: unbounded, environment: Compat.restEnvironment)
        #expect(resumed.status == 0, "\(resumed)")
        let resumedID = try #require(resumed.json?["jobId"]?.stringValue)
        // Rows reach part-0 only when the sink flushes; Chunjun's counters come with the heartbeats.
        _ = try await JobLifecycleTests().statusWhen(cluster, resumedID) { ($0["counters"]?["numWrite"]?.intValue ?? 0) >= 3 }
        let cancelled = try Submitjob.run(["cancel", resumedID, "--flink", proxy.url])
        #expect(cancelled.status == 0 && cancelled.json?["state"] == "CANCELED", "\(cancelled)")
        // Resumed from the savepoint: the rows go on instead of starting over at 0.
        let firstResumed = try #require(try JobLifecycleTests.rows(out2).first)
        #expect(firstResumed > 0 && firstResumed <= last + 1, "resumed at \(firstResumed) after \(last)")
    }
}
