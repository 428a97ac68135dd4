import Foundation
import SubmitJobCore
import Testing

/// What the release binary prints, with a canary secret in every place a job can hold one:
/// `plan` (no cluster needed) keeps every structured value, and the error paths, whose free
/// text echoes the job (fault_server.py echo-run, echo-flink/bin/flink), print no secret on
/// stdout or stderr, with and without --verbose. Needs only the binary and the fixture dist.
@Suite(.serialized, .enabled(if: Harness.integrationRun, "run through `make test`, or with SUBMITJOB_IT_BINARY, SUBMITJOB_IT_DIST and SUBMITJOB_IT_WORK"))
struct PrintedSecretsTests {
    @Test func theBinaryAndTheDistAreThere() {
        #expect(Harness.offlineConfigured, "SUBMITJOB_IT_BINARY, SUBMITJOB_IT_DIST and SUBMITJOB_IT_WORK must all be set")
    }

    /// One line, so an echo of it stays within the one-line reason. "1", "8081" and "stream"
    /// collide with the version, the port and the plugin folder; "dbz" is short and travels
    /// URL-encoded as %22dbz%22.
    static let job = #"{"job": {"content": [{"reader": {"name": "streamreader", "parameter": {"column": [{"name": "id", "type": "id"}], "password": "1", "accessKey": "stream", "connection": [{"jdbcUrl": ["jdbc:mysql://etl:UrlCanary7@db:3306/x?useSSL=false&password=QueryCanary7"]}], "header": [{"key": "Cookie", "value": "CookieCanary7"}], "vaultRef": "FlagCanary7", "otherRef": "EnvCanary7", "pwd": "${db}"}}, "writer": {"name": "streamwriter", "parameter": {"print": true, "passWord": "8081", "token": "dbz", "secret": "Hunter\u0032\/2024", "headers": {"Authorization": "Bearer AuthCanary7"}}}}]}}"#
    static let sqlJob = "CREATE TABLE s (id INT) WITH ('connector' = 'stream-x', 'assessKey' = 'AssessCanary7', 'url' = 'https://u:UrlCanary7@h/x?token=QueryCanary7', 'header' = '{\"Cookie\": \"CookieCanary7\"}', 'password' = '1', 'secret.key' = 'dbz', 'vault.ref' = 'FlagCanary7', 'pwd' = '${db}'); INSERT INTO s SELECT * FROM s;"
    static let secretOptions = ["--param", "dbpass=ParamCanary7", "--param", "db=SubstCanary7", "--conf", "chunjun.sink.password=ConfCanary7", "--secret-key", "vault_ref"]
    static let environment = ["SUBMITJOB_SECRET_KEYS": "other-ref"]

    /// Every way a canary could come out: the distinctive ones by name (every form holds it),
    /// the short ones as the job or Flink would quote them.
    static func leaks(_ run: Run) -> [String] {
        let text = run.stdout + run.stderr
        var found = ["Canary7", "Hunter"].filter(text.contains)
        for secret in ["1", "8081", "stream", "dbz"] {
            found += ["\"\(secret)\"", "\\\"\(secret)\\\"", "%22\(secret)%22", "'\(secret)'", "%27\(secret)%27", "=\(secret)&", "=\(secret),"].filter(text.contains)
        }
        return found
    }

    static var echoFlinkHome: String { Harness.repository.appendingPathComponent("Tests/Fixtures/faults/echo-flink").path }

    @Test(arguments: ["1.20.3", "1.12.7"])
    func aPlanKeepsEveryStructuredValueAndPrintsNoSecret(version: String) throws {
        try #require(Harness.offlineConfigured)
        for (job, type) in [(Self.job, "sync"), (Self.sqlJob, "sql")] {
            let run = try Submitjob.run(["plan", "--flink-version", version, "--chunjun-dist", Harness.dist, "--flink", "http://127.0.0.1:8081", "--name", "stream 1"] + Self.secretOptions,
                stdin: Data(job.utf8), environment: Self.environment)
            #expect(run.status == 0 && run.json?["jobType"] == .string(type), "\(run)")
            #expect(Self.leaks(run).isEmpty, "\(Self.leaks(run)) in \(run)")
            let json = try #require(run.json)
            #expect(json["flinkVersion"] == .string(version))
            #expect(json["flink"] == "http://127.0.0.1:8081" && json["endpoint"]?["url"] == "http://127.0.0.1:8081")
            #expect(json["jobName"] == "stream 1")
            #expect(json["coreJar"] == .string("\(Harness.dist)/chunjun-core.jar"))
            let stream = "\(Harness.dist)/connector/stream/chunjun-connector-stream.jar"
            #expect(json["plugins"].map { $0.serialized().contains(stream) } == true, "\(run)")
            #expect(json["classpaths"].map { $0.serialized().contains("file://" + stream) } == true, "\(run)")
            // Masked where they stand, the rest of the job readable.
            let shown = (json["programArgs"]?[1]?.stringValue ?? "").replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            let masked = type == "sync"
                ? [#""password": "******""#, #"jdbc:mysql://etl:******@db:3306/x?useSSL=false&password=******"#, #""value": "******""#, #""vaultRef": "******""#, #""otherRef": "******""#, #""Authorization": "******""#]
                : ["'assessKey' = '******'", "'url' = 'https://u:******@h/x?token=******'", #"'header' = '{"Cookie": "******"}'"#, "'vault.ref' = '******'"]
            for part in masked { #expect(shown.contains(part), "\(part) in \(shown)") }
            #expect(json["programArgs"]?.serialized().contains("dbpass=******,db=******") == true)
        }
    }

    @Test func aCLIPlanPrintsItsCommandWithTheJobMasked() throws {
        try #require(Harness.offlineConfigured)
        let run = try Submitjob.run(["plan", "--via", "cli", "--flink-home", Self.echoFlinkHome, "--chunjun-dist", Harness.dist, "--flink", "http://127.0.0.1:8081"] + Self.secretOptions,
            stdin: Data(Self.job.utf8), environment: Self.environment)
        #expect(run.status == 0, "\(run)")
        #expect(run.stdout.contains("\"-Drest.port=8081\"") && run.stdout.contains("\"\(Self.echoFlinkHome)/bin/flink\""), "\(run)")
        #expect(Self.leaks(run).isEmpty, "\(Self.leaks(run)) in \(run)")
    }

    @Test(arguments: [false, true])
    func aRejectedRunThatEchoesTheJobPrintsNoSecret(verbose: Bool) throws {
        try #require(Harness.offlineConfigured)
        let flink = try FaultServer("echo-run")
        defer { flink.stop() }
        for job in [Self.job, Self.sqlJob] {
            let run = try Submitjob.run(["submit", "--chunjun-dist", Harness.dist, "--flink", flink.url, "--timeout", "30"] + Self.secretOptions + (verbose ? ["--verbose"] : []),
                stdin: Data(job.utf8), environment: Self.environment, limit: 60)
            #expect(run.status == 1 && run.errorCode == "flink_rejected", "\(run)")
            #expect(run.errorMessage.hasPrefix("Flink rejected the job: java.lang.IllegalArgumentException: cannot run the job {"), "\(run)")
            #expect(run.errorMessage.contains("******"), "the echo holds the job, masked: \(run)")
            #expect(Self.leaks(run).isEmpty, "\(Self.leaks(run)) in \(run)")
            // --verbose: Flink's whole trace for people on stderr, still scrubbed.
            #expect(run.stderr.contains("\tat com.dtstack.chunjun.Main.main(Main.java:78)") == verbose, "\(run)")
        }
    }

    @Test(arguments: [false, true])
    func aFailedFlinkRunThatEchoesItsArgumentsPrintsNoSecret(verbose: Bool) throws {
        try #require(Harness.offlineConfigured)
        let flink = try FaultServer("echo-run")
        defer { flink.stop() }
        let run = try Submitjob.run(["submit", "--via", "cli", "--flink-home", Self.echoFlinkHome, "--chunjun-dist", Harness.dist, "--flink", flink.url, "--timeout", "30"]
            + Self.secretOptions + (verbose ? ["--verbose"] : []), stdin: Data(Self.job.utf8), environment: Self.environment, limit: 60)
        #expect(run.status == 1 && run.errorCode == "flink_rejected", "\(run)")
        // The message is free text as a whole: with a password "1", even the exit status is masked.
        #expect(run.errorMessage.hasPrefix("flink run exited with status ******: java.lang.IllegalArgumentException: cannot run the job run -d -c com.dtstack.chunjun.Main"), "\(run)")
        #expect(run.json?["error"]?["jobId"]?.stringValue?.count == 32, "\(run)")
        #expect(Self.leaks(run).isEmpty, "\(Self.leaks(run)) in \(run)")
        #expect(run.stderr.contains("flink run stdout:\nStarting the job with arguments run -d") == verbose, "\(run)")
    }
}
