import Foundation
import SubmitJobCore
import Testing

/// The release binary driving real `bin/flink run` of Flink 1.20.3 and 1.12.5, whose clusters
/// do not have the fixture dist under lib/: the connectors can only come from `-C`, and the
/// REST port (random) only from each home's own configuration file.
@Suite(.serialized, .enabled(if: Harness.cliConfigured, "run through `make test`, which starts the Flink clusters"))
struct CLISubmissionTests {
    static let homes = Harness.flinkHomes

    func cliArguments(_ home: FlinkHome, outDir: String, dist: String = Harness.dist) -> [String] {
        ["submit", "--via", "cli", "--flink-home", home.path, "--chunjun-dist", dist, "--param", "outDir=\(outDir)"]
    }

    @Test(arguments: homes)
    func theEndpointIsFoundThroughFlinksOwnConfiguration(home: FlinkHome) throws {
        let run = try Submitjob.run(["config", "--flink-home", home.path])
        #expect(run.status == 0, "\(run)")
        #expect(run.json?["flink"]?.stringValue == "http://localhost:\(home.port)", "\(run)")
        #expect(run.json?["endpoint"]?["from"]?.stringValue == "\(home.path)/conf/\(home.dialect)")
        #expect(run.json?["configuration"]?["dialect"]?.stringValue == home.dialect)
        #expect(run.json?["flinkHome"]?["version"]?.stringValue?.hasPrefix(home.version) == true)
        // The same through the variables Flink's scripts read.
        let byEnvironment = try Submitjob.run(["config"], environment: ["FLINK_CONF_DIR": "\(home.path)/conf"])
        #expect(byEnvironment.json?["flink"]?.stringValue == "http://localhost:\(home.port)", "\(byEnvironment)")
        #expect(byEnvironment.json?["configuration"]?["dirFrom"]?.stringValue == "$FLINK_CONF_DIR")
        // An explicit URL still wins over the file.
        let overridden = try Submitjob.run(["config", "--flink-home", home.path], environment: ["FLINK_REST_URL": "http://elsewhere:1"])
        #expect(overridden.json?["flink"]?.stringValue == "http://elsewhere:1")
    }

    @Test(arguments: homes)
    func aSyncJobGoesThroughBinFlinkWithItsPluginsAsClasspaths(home: FlinkHome) async throws {
        let out = try Harness.newFolder("cli-rows")
        let run = try Submitjob.run(cliArguments(home, outDir: out) + ["--conf", "x.y=a+b%c&d"], stdin: Harness.fixtureJob)
        #expect(run.json?["via"] == "cli" && run.json?["flinkVersion"]?.stringValue?.hasPrefix(home.version) == true, "\(run)")
        let evidence = try await Evidence.ofFinishedRun(run, on: home.cluster, in: out)
        #expect(evidence.jobText == Harness.fixtureJob)
        #expect(evidence.rows == 10)
        #expect(evidence.args.contains(#"confProp={"x.y":"a+b%c&d"}"#))
        // The cluster has no dist under lib/: only -C can have brought the connector.
        #expect(evidence.classes.contains("com.dtstack.chunjun.connector.stream.source.StreamSourceFactory=file:\(Harness.dist)/connector/stream/chunjun-connector-stream.jar"), "\(evidence.classes)")
        #expect(run.leaks().isEmpty, "\(run)")
    }

    @Test(arguments: homes)
    func aSQLJobGoesThroughBinFlink(home: FlinkHome) async throws {
        let out = try Harness.newFolder("cli-sql")
        let run = try Submitjob.run(cliArguments(home, outDir: out), stdin: Harness.sqlScript)
        #expect(run.json?["jobType"] == "sql", "\(run)")
        let evidence = try await Evidence.ofFinishedRun(run, on: home.cluster, in: out)
        #expect(evidence.jobText == Harness.sqlScript)
        #expect(evidence.rows == 6)
        #expect(evidence.classes.contains("=file:\(Harness.dist)/connector/stream/chunjun-connector-stream.jar"), "\(evidence.classes)")
        #expect(run.leaks(Harness.sqlPassword).isEmpty, "\(run)")
    }

    @Test(arguments: homes)
    func flinksOwnReasonSurfaces(home: FlinkHome) throws {
        let (dist, job) = try Harness.jobWhoseReaderClassIsMissing()
        let run = try Submitjob.run(cliArguments(home, outDir: try Harness.newFolder("cli-reason"), dist: dist) + ["--verbose"], stdin: job)
        #expect(run.status == 1 && run.errorCode == "flink_rejected", "\(run)")
        #expect(run.errorMessage == "flink run exited with status 1: java.lang.ClassNotFoundException: com.dtstack.chunjun.connector.nothing.source.NothingSourceFactory", "\(run)")
        #expect(run.stderr.contains("The program finished with the following exception:"), "--verbose shows Flink's output")
        #expect(run.leaks().isEmpty, "\(run)")
    }

    @Test(arguments: homes)
    func theSameJobIDNeverRunsTwice(home: FlinkHome) async throws {
        let jobID = SubmissionOptions.randomJobID(using: &Self.generator)
        let first = try Submitjob.run(cliArguments(home, outDir: try Harness.newFolder("cli-once")) + ["--job-id", jobID], stdin: Harness.fixtureJob)
        #expect(first.status == 0 && first.json?["jobId"]?.stringValue == jobID, "\(first)")
        #expect(try await FlinkREST.waitFor(home.cluster, jobID, ["FINISHED"]) == "FINISHED")
        let again = try Submitjob.run(cliArguments(home, outDir: try Harness.newFolder("cli-once")) + ["--job-id", jobID], stdin: Harness.fixtureJob)
        #expect(again.status == 0 && again.json?["alreadySubmitted"] == .bool(true), "\(again)")
        #expect(try await FlinkREST.jobs(home.cluster, id: jobID) == 1)
    }

    @Test func aHangingFlinkRunIsKilledAtTheTimeout() async throws {
        let home = try #require(Self.homes.first { $0.version == "1.20" })
        let out = try Harness.newFolder("cli-hang")
        let started = Date()
        // The fixture Main sleeps in main(), so bin/flink's JVM never returns.
        let run = try Submitjob.run(cliArguments(home, outDir: out) + ["--conf", "fixture.main-sleep-seconds=600", "--timeout", "15"], stdin: Harness.fixtureJob)
        #expect(run.status == 75 && run.errorCode == "timed_out", "\(run)")
        let jobID = try #require(run.json?["error"]?["jobId"]?.stringValue)
        #expect(Date().timeIntervalSince(started) < 60)
        #expect(try await FlinkREST.state(home.cluster, jobID) == nil)
        // Nothing that bin/flink started is left: the outDir is on every such command line.
        #expect(Self.processes(mentioning: out).isEmpty, "left running: \(Self.processes(mentioning: out))")
        #expect(run.leaks().isEmpty, "\(run)")
    }

    @Test func kubernetesSessionsArePlannedBothWays() throws {
        let home = try #require(Self.homes.first)
        let cli = try Submitjob.run(["plan", "--via", "cli", "--flink-home", home.path, "--chunjun-dist", Harness.dist, "--param", "outDir=/x",
            "--target", "kubernetes-session", "--cluster-id", "etl", "--namespace", "data"], stdin: Harness.fixtureJob)
        #expect(cli.status == 0 && cli.json?["flink"] == "http://etl-rest.data.svc:8081", "\(cli)")
        guard case .array(let command)? = cli.json?["command"] else { Issue.record("no command in \(cli)"); return }
        let words = command.compactMap(\.stringValue)
        #expect(words.first == "\(home.path)/bin/flink")
        #expect(words.contains("kubernetes-session") && words.contains("-Dkubernetes.cluster-id=etl") && words.contains("-Dkubernetes.namespace=data"))
        #expect(cli.leaks().isEmpty, "\(cli)")
        // bin/flink run takes the plugins as -C whatever --plugins says, and submitjob says so.
        let withPlugins = try Submitjob.run(["plan", "--via", "cli", "--flink-home", home.path, "--chunjun-dist", Harness.dist, "--param", "outDir=/x",
            "--target", "kubernetes-session", "--cluster-id", "etl", "--namespace", "data", "--plugins", "bundle"], stdin: Harness.fixtureJob)
        #expect(withPlugins.status == 0 && withPlugins.json?["command"] == cli.json?["command"], "\(withPlugins)")
        #expect(withPlugins.stderr.contains("warning: --plugins applies to --via rest"), "\(withPlugins)")
        #expect(words.contains("-C"), "the plugin jars as classpaths")
        let rest = try Submitjob.run(["plan", "--chunjun-dist", Harness.dist, "--param", "outDir=/x", "--flink-version", "1.12.7",
            "--target", "kubernetes-session", "--cluster-id", "etl"], stdin: Harness.fixtureJob)
        #expect(rest.status == 0 && rest.json?["flink"] == "http://etl-rest.default.svc:8081", "\(rest)")
        #expect(rest.json?["endpoint"]?["target"] == "kubernetes-session")
    }

    nonisolated(unsafe) static var generator = SystemRandomNumberGenerator()

    /// PIDs whose command line contains `text`.
    static func processes(mentioning text: String) -> [String] {
        let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc"))?.filter { $0.allSatisfy(\.isNumber) } ?? []
        return pids.filter { pid in
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            return String(decoding: data, as: UTF8.self).contains(text)
        }
    }
}
