import Foundation
import SubmitJobCore
import Testing

/// The release binary against real Flink 1.20.3 and 1.12.5 clusters (scripts/test.sh starts them).
@Suite(.serialized, .enabled(if: Harness.configured, "run through `make test`, which starts the Flink clusters"))
struct RESTSubmissionTests {
    @Test func everyVersionIsThere() {
        #expect(Harness.allClustersConfigured, "make test starts Flink 1.20, 1.12 (twice) and 2.2 and builds both fixture dists")
    }

    static let clusters = Harness.clusters

    func submitArguments(_ cluster: Cluster, outDir: String, dist: String? = nil) -> [String] {
        ["submit", "--chunjun-dist", dist ?? cluster.dist, "--flink", cluster.url, "--param", "outDir=\(outDir)"]
    }

    @Test(arguments: clusters)
    func rowsArriveAndTheJobTextArrivesByteExact(cluster: Cluster) async throws {
        let out = try Harness.newFolder("rows")
        let run = try Submitjob.run(submitArguments(cluster, outDir: out) + ["--conf", "x.y=a+b%c&d", "--name", "it sync"], stdin: Harness.fixtureJob)
        #expect(run.status == 0, "\(run)")
        let jobID = try #require(run.json?["jobId"]?.stringValue)
        #expect(SubmissionOptions.normalizedJobID(jobID) == jobID)
        #expect(run.json?["flinkVersion"]?.stringValue?.hasPrefix(cluster.version) == true)
        #expect(try await FlinkREST.waitFor(cluster, jobID, ["FINISHED", "FAILED", "CANCELED"]) == "FINISHED")

        // Byte-exact, passwords and JSON escapes included: a submitter that re-encodes or re-serialises fails here.
        #expect(try Data(contentsOf: URL(fileURLWithPath: "\(out)/job.txt")) == Harness.fixtureJob)
        let rows = try String(contentsOfFile: "\(out)/part-0", encoding: .utf8).split(separator: "\n")
        #expect(rows.count == 10)
        #expect(rows.first?.hasSuffix("héllo w/rld é😀") == true)
        let args = try String(contentsOfFile: "\(out)/args.txt", encoding: .utf8)
        #expect(args.contains(#"confProp={"x.y":"a+b%c&d"}"#))
        #expect(args.contains("jobName=it sync"))
        #expect(args.contains("pluginLoadMode=classpath"))

        #expect(args.contains("chunjunDistDir=/dev/null/chunjun-dist"), "Main must find no dist to scan")

        let classes = try String(contentsOfFile: "\(out)/classes.txt", encoding: .utf8)
        let source = classes.split(separator: "\n").first { $0.hasPrefix("com.dtstack.chunjun.connector.stream.source.StreamSourceFactory=") }
        let sink = try String(contentsOfFile: "\(out)/taskmanager-classes-0.txt", encoding: .utf8).split(separator: "\n").first
        #expect(run.json?["pluginMode"]?.stringValue == cluster.defaultPluginMode, "\(run)")
        #expect(run.json?["warnings"] == .array([]))
        if cluster.defaultPluginMode == "bundle" {
            // Flink's jar runner extracted the bundle's lib/connector/stream/ jar for main() and
            // shipped it to the TaskManager through its blob server.
            #expect(source?.hasSuffix("lib_connector_stream_chunjun-connector-stream.jar") == true, "\(classes)")
            #expect(sink?.contains("/job_\(jobID)/blob_p-") == true, "\(sink ?? "")")
        } else {
            // Not under lib/: only pipeline.classpaths can have brought the connector.
            #expect(source?.contains("=file:\(cluster.dist)/connector/stream/chunjun-connector-stream.jar") == true, "\(classes)")
            #expect(sink?.hasSuffix("=file:\(cluster.dist)/connector/stream/chunjun-connector-stream.jar") == true, "\(sink ?? "")")
        }
        #expect(run.leaks().isEmpty, "\(run)")
    }

    @Test(arguments: clusters)
    func aSQLJobArrivesIntactAndItsConnectorsAreLoaded(cluster: Cluster) async throws {
        let out = try Harness.newFolder("sql")
        let run = try Submitjob.run(submitArguments(cluster, outDir: out), stdin: Harness.sqlScript)
        #expect(run.json?["jobType"] == "sql", "\(run)")
        let evidence = try await Evidence.ofFinishedRun(run, on: cluster, in: out)
        #expect(evidence.jobText == Harness.sqlScript)
        #expect(evidence.rows == 6)
        #expect(evidence.args.contains("jobType=sql") && evidence.args.contains("remoteChunJunDistDir=/dev/null/chunjun-dist"))
        #expect(evidence.taskManagerClasses.hasPrefix("com.dtstack.chunjun.connector.stream.sink.StreamSinkFunction=file:"), "\(evidence.taskManagerClasses)")
        #expect(run.leaks(Harness.sqlPassword).isEmpty, "\(run)")
    }

    @Test(arguments: clusters)
    func theJarIsUploadedOncePerContent(cluster: Cluster) async throws {
        let first = try Submitjob.run(submitArguments(cluster, outDir: try Harness.newFolder("jar1")), stdin: Harness.fixtureJob)
        let second = try Submitjob.run(submitArguments(cluster, outDir: try Harness.newFolder("jar2")), stdin: Harness.fixtureJob)
        #expect(first.status == 0 && second.status == 0, "\(first)\n\(second)")
        #expect(second.json?["jar"]?["uploaded"] == .bool(false))
        #expect(second.json?["jar"]?["id"] == first.json?["jar"]?["id"])
        #expect(second.json?["jar"]?["name"]?.stringValue?.hasPrefix(cluster.defaultPluginMode == "bundle" ? "chunjun-bundle-" : "chunjun-core-") == true)
        #expect(!second.stderr.contains("uploading"))
    }

    @Test(arguments: clusters)
    func submittingAgainWithTheSameJobIDNeverStartsASecondJob(cluster: Cluster) async throws {
        let endless = String(decoding: Harness.fixtureJob, as: UTF8.self).replacing(#""sliceRecordCount": [10, 7],"#, with: "")
        var generator = SystemRandomNumberGenerator()
        let jobID = SubmissionOptions.randomJobID(using: &generator)
        let arguments = submitArguments(cluster, outDir: try Harness.newFolder("dup")) + ["--job-id", jobID]
        let first = try Submitjob.run(arguments, stdin: Data(endless.utf8))
        #expect(first.status == 0 && first.json?["alreadySubmitted"] == .bool(false), "\(first)")
        #expect(try await FlinkREST.waitFor(cluster, jobID, ["RUNNING"]) == "RUNNING")
        let retry = try Submitjob.run(arguments, stdin: Data(endless.utf8))
        #expect(retry.status == 0, "\(retry)")
        #expect(retry.json?["jobId"]?.stringValue == jobID)
        #expect(retry.json?["alreadySubmitted"] == .bool(true))
        #expect(try await FlinkREST.jobs(cluster, id: jobID) == 1)
        try await FlinkREST.cancel(cluster, jobID)
        #expect(try await FlinkREST.waitFor(cluster, jobID, ["CANCELED"]) == "CANCELED")
    }

    @Test(arguments: clusters)
    func aRetryAfterTheJobEndedDoesNotRunItAgain(cluster: Cluster) async throws {
        var generator = SystemRandomNumberGenerator()
        let jobID = SubmissionOptions.randomJobID(using: &generator)
        let out = try Harness.newFolder("ended")
        let arguments = submitArguments(cluster, outDir: out) + ["--job-id", jobID]
        let first = try Submitjob.run(arguments, stdin: Harness.fixtureJob)
        #expect(first.status == 0, "\(first)")
        #expect(try await FlinkREST.waitFor(cluster, jobID, ["FINISHED", "FAILED"]) == "FINISHED")
        // 1.12 would accept the ended job's id and run it a second time.
        let retry = try Submitjob.run(arguments, stdin: Harness.fixtureJob)
        #expect(retry.status == 0 && retry.json?["alreadySubmitted"] == .bool(true), "\(retry)")
        #expect(try await FlinkREST.jobs(cluster, id: jobID) == 1)
        #expect(try String(contentsOfFile: "\(out)/part-0", encoding: .utf8).split(separator: "\n").count == 10)
    }

    @Test(arguments: clusters)
    func aLostRunAnswerIsSettledByTheJobIDNotByRunningAgain(cluster: Cluster) async throws {
        let proxy = try FaultServer("lose-run-answer", upstream: cluster.url)
        defer { proxy.stop() }
        var arguments = submitArguments(cluster, outDir: try Harness.newFolder("lost"))
        arguments[arguments.firstIndex(of: cluster.url)!] = proxy.url
        let run = try Submitjob.run(arguments + ["--timeout", "10"], stdin: Harness.fixtureJob)
        #expect(run.status == 0, "\(run)")
        #expect(run.stderr.contains("looking the job up"))
        let jobID = try #require(run.json?["jobId"]?.stringValue)
        #expect(try await FlinkREST.jobs(cluster, id: jobID) == 1)
        #expect(try await FlinkREST.waitFor(cluster, jobID, ["FINISHED", "FAILED"]) == "FINISHED")
    }

    @Test(arguments: [Harness.cluster120, Harness.cluster112Bare].compactMap { $0 })
    func aJarThatVanishedBeforeTheRunIsUploadedAgain(cluster: Cluster) async throws {
        // Make sure the jar is on the cluster first, so the lookup finds it and the proxy deletes it.
        _ = try Submitjob.run(submitArguments(cluster, outDir: try Harness.newFolder("vanish0")), stdin: Harness.fixtureJob)
        let proxy = try FaultServer("delete-jar-first", upstream: cluster.url)
        defer { proxy.stop() }
        let run = try Submitjob.run(["submit", "--chunjun-dist", Harness.dist, "--flink", proxy.url, "--param", "outDir=\(try Harness.newFolder("vanish"))"], stdin: Harness.fixtureJob)
        #expect(run.status == 0, "\(run)")
        #expect(run.stderr.contains("vanished"))
        #expect(run.stderr.components(separatedBy: "submitjob: uploading ").count == 2, "uploaded again exactly once: \(run.stderr)")
        #expect(run.json?["jar"]?["uploaded"] == .bool(true))
        #expect(run.json?["pluginMode"]?.stringValue == cluster.defaultPluginMode)
    }

    @Test(arguments: clusters)
    func flinksOwnReasonSurfacesAsTheInnermostCause(cluster: Cluster) throws {
        let (dist, job) = try Harness.jobWhoseReaderClassIsMissing(from: cluster.dist)
        let run = try Submitjob.run(submitArguments(cluster, outDir: try Harness.newFolder("reason"), dist: dist) + ["--verbose"], stdin: job)
        #expect(run.status == 1, "\(run)")
        // --verbose: Flink's whole trace on stderr for people; stdout keeps the one-line reason.
        #expect(run.stderr.contains("Caused by: ") && run.stderr.contains("\tat org.apache.flink"), "\(run)")
        #expect(run.errorCode == "flink_rejected")
        #expect(run.errorMessage.hasPrefix("Flink rejected the job: java.lang.ClassNotFoundException: com.dtstack.chunjun.connector.nothing.source.NothingSourceFactory"), "\(run)")
        #expect(run.leaks().isEmpty, "\(run)")
    }

    @Test func theEnvironmentOfTheImageNeedsNoPathFlags() throws {
        let cluster = try #require(Harness.cluster120)
        let fromDist = try Submitjob.run(["plan", "--param", "outDir=/x"], stdin: Harness.fixtureJob,
            environment: ["CHUNJUN_DIST": Harness.dist, "FLINK_REST_URL": cluster.url])
        #expect(fromDist.status == 0 && fromDist.json?["flink"]?.stringValue == cluster.url, "\(fromDist)")
        #expect(fromDist.json?["coreJar"]?.stringValue == "\(Harness.dist)/chunjun-core.jar")
        let home = URL(fileURLWithPath: Harness.dist).deletingLastPathComponent().path
        let fromHome = try Submitjob.run(["plan", "--param", "outDir=/x", "--flink-version", "1.12.7"], stdin: Harness.fixtureJob,
            environment: ["CHUNJUN_HOME": home])
        #expect(fromHome.status == 0 && fromHome.json?["coreJar"]?.stringValue == "\(home)/chunjun-dist/chunjun-core.jar", "\(fromHome)")
        #expect(fromHome.json?["flinkRequest"]?["flinkConfiguration"] == nil)
    }

    @Test(arguments: clusters)
    func planAsksTheClusterButNeverChangesIt(cluster: Cluster) async throws {
        let before = try await FlinkREST.jarCount(cluster)
        // A core jar with other content: the plan must say it would upload it, and must not.
        let dist = try Harness.distWithAnotherCore(from: cluster.dist, label: "dist-plan")
        let run = try Submitjob.run(["plan", "--chunjun-dist", dist, "--flink", cluster.url, "--param", "outDir=/nowhere"], stdin: Harness.fixtureJob)
        #expect(run.status == 0, "\(run)")
        #expect(run.json?["jar"]?["present"] == .bool(false))
        #expect(run.json?["flinkVersion"]?.stringValue?.hasPrefix(cluster.version) == true)
        #expect((run.json?["flinkRequest"]?["flinkConfiguration"] != nil) == (cluster.defaultPluginMode == "classpaths"))
        #expect(run.json?["pluginMode"]?.stringValue == cluster.defaultPluginMode)
        #expect(try await FlinkREST.jarCount(cluster) == before)
        #expect(run.leaks().isEmpty, "\(run)")
    }
}

/// Bad input and broken networks: every failure has its code, and nothing hangs.
@Suite(.serialized, .enabled(if: Harness.configured, "run through `make test`"))
struct FailureTests {
    @Test func badInputNeverReachesTheCluster() throws {
        // A port nobody listens on: had submitjob tried to connect, it would say 69.
        let nowhere = "http://127.0.0.1:9"
        let missing = try Submitjob.run(["submit", "--chunjun-dist", Harness.dist, "--flink", nowhere],
            stdin: Data(String(decoding: Harness.fixtureJob, as: UTF8.self).replacing("streamwriter", with: "phoenix5writer").utf8))
        #expect(missing.status == 66 && missing.errorCode == "missing_plugin", "\(missing)")
        #expect(missing.errorMessage.contains("connector/phoenix5") && missing.errorMessage.contains("closest"))
        let broken = try Submitjob.run(["submit", "--chunjun-dist", Harness.dist, "--flink", nowhere], stdin: Data(#"{"job": {"content": [}"#.utf8))
        #expect(broken.status == 65 && broken.errorMessage.contains("line 1, column 22"), "\(broken)")
        let noDist = try Submitjob.run(["submit", "--chunjun-dist", "/no/such/dist", "--flink", nowhere], stdin: Harness.fixtureJob)
        #expect(noDist.status == 66, "\(noDist)")
        let usage = try Submitjob.run(["submit", "--parallelism", "zero"], stdin: Harness.fixtureJob)
        #expect(usage.status == 64 && usage.errorCode == "usage", "\(usage)")
        let twoIDs = try Submitjob.run(["submit", "--chunjun-dist", Harness.dist, "--flink", nowhere, "--job-id", String(repeating: "a", count: 32), "--idempotency-key", "k"], stdin: Harness.fixtureJob)
        #expect(twoIDs.status == 64 && twoIDs.errorMessage.contains("--job-id or --idempotency-key"), "\(twoIDs)")
        // Neither JSON nor a SQL job that starts anything: refused before any connection.
        let prose = try Submitjob.run(["submit", "--chunjun-dist", Harness.dist, "--flink", nowhere], stdin: Data("Please sync the orders table tonight.\n".utf8))
        #expect(prose.status == 65 && prose.errorCode == "invalid_job" && prose.errorMessage.contains("INSERT INTO"), "\(prose)")
        let createOnly = try Submitjob.run(["submit", "--chunjun-dist", Harness.dist, "--flink", nowhere, "--job-type", "sql"],
            stdin: Data("CREATE TABLE a (id INT) WITH ('connector' = 'stream-x');\n".utf8))
        #expect(createOnly.status == 65 && createOnly.errorCode == "invalid_job", "\(createOnly)")
        for run in [missing, broken, noDist, usage, twoIDs, prose, createOnly] {
            #expect(run.leaks().isEmpty, "\(run)")
        }
    }

    @Test func anUnreachableClusterIsExit69() throws {
        let run = try Submitjob.run(["submit", "--chunjun-dist", Harness.dist, "--flink", "http://127.0.0.1:9", "--param", "outDir=/x"], stdin: Harness.fixtureJob)
        #expect(run.status == 69 && run.errorCode == "flink_unreachable", "\(run)")
    }

    @Test(arguments: [("hang", 75), ("headers-then-hang", 75), ("reset", 76), ("garbage", 76)])
    func faultsAFlinkCannotProduceBecomeCodes(mode: String, status: Int32) throws {
        let server = try FaultServer(mode)
        defer { server.stop() }
        let run = try Submitjob.run(["submit", "--chunjun-dist", Harness.dist, "--flink", server.url, "--param", "outDir=/x", "--timeout", "3"],
            stdin: Harness.fixtureJob, limit: 30)
        #expect(run.status == status, "\(mode): \(run)")
        #expect(run.json?["ok"] == .bool(false))
        #expect(run.leaks().isEmpty, "\(run)")
    }
}
