import Foundation
import Synchronization
import Testing
@testable import SubmitJobCore

/// What submitjob prints, end to end through the printing layer: a canary secret in every place
/// a job can hold one, through plan, submit, --verbose and the error paths. Structured values
/// must come out byte-identical; no canary may come out at all.
@Suite struct PrintedDocumentTests {
    /// One line, so an echo of it stays within the one-line reason Flink's error is reduced to.
    /// Secrets that collide with structured values: "1" (versions), "8081" (the port),
    /// "stream" (the plugin folder), "dbz" (short, URL-encoded as %22dbz%22).
    static let job = #"{"job": {"content": [{"reader": {"name": "streamreader", "parameter": {"column": [{"name": "id", "type": "id"}], "password": "1", "accessKey": "stream", "connection": [{"jdbcUrl": ["jdbc:mysql://etl:UrlCanary9@db:3306/x?useSSL=false&password=QueryCanary9"]}], "header": [{"key": "Cookie", "value": "CookieCanary9"}, {"key": "Accept", "value": "json"}], "assessKey": "AssessCanary9", "vaultRef": "VaultCanary9", "pwd": "${db}"}}, "writer": {"name": "streamwriter", "parameter": {"print": true, "passWord": "8081", "token": "dbz", "secret": "Hunter\u0032\/2024", "headers": {"Authorization": "Bearer AuthCanary9"}}}}]}}"#
    static let sqlJob = "CREATE TABLE s (id INT) WITH ('connector' = 'stream-x', 'assessKey' = 'AssessCanary9', 'url' = 'https://u:UrlCanary9@h/x?token=QueryCanary9', 'header' = '{\"Cookie\": \"CookieCanary9\"}', 'password' = '1', 'secret.key' = 'dbz', 'vault.ref' = 'VaultCanary9', 'pwd' = '${db}'); INSERT INTO s SELECT 1;"
    static let keys = SecretKeys(extra: ["vault_ref"])
    static let jobID = "0123456789abcdef0123456789abcdef"

    static func plan(_ text: String = job) throws(SubmitJobError) -> SubmissionPlan {
        var options = SubmissionOptions()
        options.jobID = jobID
        options.params = [("dbpass", "ParamCanary9"), ("db", "SubstCanary9"), ("day", "2026-11-25")]
        options.conf = [("chunjun.sink.password", "ConfCanary9"), ("parallelism.default", "4")]
        return try PlanBuilder.build(job: try ChunjunJob(text: text, secretKeys: keys), dist: Fixtures.releaseDist(), options: options)
    }

    static func document(_ plan: SubmissionPlan) -> PrintedDocument { PrintedDocument(redactor: plan.redactor) }

    /// Every way a canary could come out: the distinctive ones by name (all their forms hold
    /// it), the short ones as the job or Flink would quote them.
    static func leaks(_ text: String) -> [String] {
        var found = ["Canary9", "Hunter"].filter(text.contains)
        for secret in ["1", "8081", "stream", "dbz"] {
            let quoted = ["\"\(secret)\"", "\\\"\(secret)\\\"", "%22\(secret)%22", "'\(secret)'", "%27\(secret)%27", "=\(secret)&", "=\(secret),"]
            found += quoted.filter(text.contains)
        }
        return found
    }

    static func urlDecoded(_ text: String) -> String {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? text
    }

    /// What Flink answers a run whose main() rejects its arguments: the request echoed raw,
    /// URL-decoded, and each string of the job as Chunjun read it.
    static func echo(_ raw: String, arguments: [String]) -> String {
        var values: [String] = []
        func walk(_ value: JSONValue) {
            switch value {
            case .string(let s): values.append(s)
            case .array(let items): items.forEach(walk)
            case .object(let members): members.forEach { walk($0.1) }
            default: break
            }
        }
        if let i = arguments.firstIndex(of: "-job"), i + 1 < arguments.count, let job = try? JSONParser.parse(urlDecoded(arguments[i + 1])).value { walk(job) }
        return "cannot run the job \(raw) values \(values.joined(separator: ", ")) decoded \(urlDecoded(raw))"
    }

    static let endpoint = { try! FlinkEndpoint.resolve(.init(flag: "http://jm:8081")) }()

    /// Strings print as JSON that Python's json module reads back to the same text: quotes,
    /// backslashes, every control character, DEL, and non-ASCII next to escaped bytes.
    @Test func printedStringsReadBackExactlyInPython() throws {
        let texts = ["plain", "q\"b\\s/", (0..<32).map { String(UnicodeScalar(UInt8($0))) }.joined() + "\u{7F}",
                     "é\"\u{301}x\n😀\t", "\"\u{301}", String(repeating: "ab\"", count: 1000)]
        let printed = JSONValue.array(texts.map { .string($0) }).serialized()
        let result = try PluginBundleTests.run(["python3", "-c", "import json, sys; texts = json.loads(sys.argv[2]); print(json.loads(sys.argv[1]) == texts)",
                                                printed, Self.pythonLiteral(texts)])
        #expect(result.status == 0 && result.output == "True\n", "\(printed.prefix(300)) \(result.error)")
        #expect(!printed.contains("\u{7F}") && printed.contains("\\u007f") && printed.contains("\\u0000"))
    }

    /// The texts as a JSON array written by hand, one \uXXXX escape per UTF-16 unit: independent of JSONValue.
    static func pythonLiteral(_ texts: [String]) -> String {
        "[" + texts.map { text in "\"" + text.utf16.map { unit in
            let hex = String(unit, radix: 16)
            return "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        }.joined() + "\"" }.joined(separator: ",") + "]"
    }

    // MARK: plan

    @Test(arguments: ["1.20.3", "1.12.7"])
    func aPlanKeepsEveryStructuredValueAndShowsNoSecret(version: String) throws {
        for text in [Self.job, Self.sqlJob] {
            let plan = try Self.plan(text)
            let fields = PlanReport.fields(plan: plan, version: FlinkVersion(version)!, versionFrom: "--flink-version", mode: PluginMode.defaultMode(for: FlinkVersion(version)!), endpoint: Self.endpoint, jar: .init(name: "chunjun-core-0123456789abcdef.jar", present: true, id: "1_chunjun-core-0123456789abcdef.jar"))
            let printed = Self.document(plan).success(fields)
            // Byte for byte what PlanReport built: nothing structured is scrubbed. Warnings are
            // free text (with a secret "1", "the 1 plugin jar(s)" loses its 1).
            let structured = fields.filter { $0.0 != "warnings" }
            #expect(try JSONParser.parse(printed).value.removing("warnings") == .object([("ok", true)] + structured))
            let json = try JSONParser.parse(printed).value
            #expect(json["flinkVersion"] == .string(version))
            #expect(json["flink"] == "http://jm:8081")
            #expect(json["endpoint"]?["url"] == "http://jm:8081")
            #expect(json["coreJar"] == "/opt/flink/lib/chunjun-dist/chunjun-core.jar")
            #expect(json["plugins"]?[0]?.stringValue?.hasSuffix("/connector/stream/chunjun-connector-stream.jar") == true || text == Self.sqlJob)
            #expect(json["classpaths"] == .array(plan.classpaths.map { .string($0) }))
            #expect(json["jar"]?["id"] == "1_chunjun-core-0123456789abcdef.jar")
            #expect(Self.leaks(printed).isEmpty, "\(Self.leaks(printed)) in \(printed)")
            // The job is there, masked where its secrets stand.
            let shown = Self.urlDecoded(json["programArgs"]?[1]?.stringValue ?? "")
            if text == Self.job {
                for masked in [#""password": "******""#, #""accessKey": "******""#, #""value": "******"}, {"key": "Accept", "value": "json"}"#,
                               #"jdbc:mysql://etl:******@db:3306/x?useSSL=false&password=******"#, #""vaultRef": "******""#, #""pwd": "******""#,
                               #""passWord": "******""#, #""secret": "******""#, #""Authorization": "******""#, #""name": "streamreader""#] {
                    #expect(shown.contains(masked), "\(masked) in \(shown)")
                }
            } else {
                #expect(shown == "CREATE TABLE s (id INT) WITH ('connector' = 'stream-x', 'assessKey' = '******', 'url' = 'https://u:******@h/x?token=******', 'header' = '{\"Cookie\": \"******\"}', 'password' = '******', 'secret.key' = '******', 'vault.ref' = '******', 'pwd' = '******'); INSERT INTO s SELECT 1;")
            }
            #expect(json["programArgs"]?.serialized().contains("dbpass=******,db=******,day=2026-11-25") == true)
        }
    }

    @Test func aCLIPlanKeepsItsCommandAndShowsNoSecret() throws {
        let plan = try Self.plan()
        let (command, redacted) = FlinkCLI.command(for: plan, flinkHome: "/opt/flink", confDir: "/opt/flink/conf", endpoint: Self.endpoint)
        let fields = PlanReport.cliFields(plan: plan, command: command, redactedArguments: redacted, endpoint: Self.endpoint, version: FlinkVersion("1.12.7").map { PlanVersion($0, source: .flag) })
        let printed = Self.document(plan).success(fields)
        #expect(try JSONParser.parse(printed).value == .object([("ok", true)] + fields))
        #expect(printed.contains("-Drest.port=8081") && printed.contains(#""flinkVersion": "1.12.7""#))
        #expect(Self.leaks(printed).isEmpty, "\(Self.leaks(printed))")
        // The child gets the real job; it is never printed.
        #expect(Self.leaks(command.arguments.joined(separator: " ")).contains("Canary9"))
    }

    // MARK: submit

    typealias Transport = RESTSubmitterTests.ScriptedTransport

    func restSubmission(run: @escaping Transport.Handler) async throws(SubmitJobError) -> (RESTSubmitter.Result, SubmissionPlan) {
        let plan = try Self.plan()
        let transport = Transport([RESTSubmitterTests.config("1.20.3"), RESTSubmitterTests.jars("chunjun-core-abababababababab.jar"), ("POST /jars/", run)])
        let submitter = RESTSubmitter(client: try FlinkRESTClient(baseURL: "http://jm:8081", transport: transport), fileSystem: RESTSubmitterTests.FixedDigestFileSystem(), bundles: RESTSubmitterTests.RecordingBundleStore(), log: { _ in })
        return (try await submitter.submit(plan, deadline: .now + .seconds(30)), plan)
    }

    @Test func aSubmissionPrintsItsFieldsUntouched() async throws {
        let (result, plan) = try await restSubmission(run: RESTSubmitterTests.json(#"{"jobid": "\#(Self.jobID)"}"#))
        let fields = result.fields(plan: plan, flinkURL: "http://jm:8081")
        let printed = Self.document(plan).success(fields)
        #expect(try JSONParser.parse(printed).value == .object([("ok", true)] + fields))
        #expect(printed.contains(#""flinkVersion": "1.20.3""#) && printed.contains(#""flink": "http://jm:8081""#))
        #expect(Self.leaks(printed).isEmpty)
    }

    @Test func aRejectedRunThatEchoesTheJobIsScrubbedWithAndWithoutVerbose() async throws {
        let rejected: Transport.Handler = { request in
            guard case .json(let raw) = request.body, case .array(let args)? = try JSONParser.parse(raw).value["programArgsList"] else { throw TransportError.failed("no body") }
            let trace = "org.apache.flink.client.program.ProgramInvocationException: The main method caused an error: \(Self.echo(raw, arguments: args.compactMap(\.stringValue)))\n\tat org.apache.flink.client.program.PackagedProgram.callMainMethod(PackagedProgram.java:373)\nCaused by: java.lang.IllegalArgumentException: \(Self.echo(raw, arguments: args.compactMap(\.stringValue)))\n\tat com.dtstack.chunjun.Main.main(Main.java:78)"
            let body = JSONValue.object([("errors", .array(["Internal server error.", .string("<Exception on server side:\n\(trace)\nEnd of exception on server side>")]))])
            return HTTPResponse(status: 500, body: Array(body.serialized().utf8))
        }
        let error: SubmitJobError
        do {
            _ = try await restSubmission(run: rejected)
            Issue.record("the run was not rejected")
            return
        } catch let e {
            error = e
        }
        let plan = try Self.plan()
        // The echo does carry the secrets: what follows proves the printing removes them.
        #expect(error.message.contains("CookieCanary9") && error.message.contains("Hunter2/2024") && (error.detail ?? "").contains("ParamCanary9"))
        let document = Self.document(plan)
        let stdout = document.failure(error)
        let quiet = document.failureLog(error, verbose: false)
        let verbose = document.failureLog(error, verbose: true)
        for text in [stdout, quiet, verbose] {
            #expect(Self.leaks(text).isEmpty, "\(Self.leaks(text)) in \(text)")
        }
        let json = try JSONParser.parse(stdout).value
        #expect(json["error"]?["code"] == "flink_rejected" && json["error"]?["exitCode"] == .number(1))
        #expect(json["error"]?["message"]?.stringValue?.hasPrefix("Flink rejected the job: java.lang.IllegalArgumentException: cannot run the job ") == true)
        #expect(verbose.contains("\tat com.dtstack.chunjun.Main.main") && verbose.hasPrefix("submitjob: error: Flink rejected the job"))
        #expect(!quiet.contains("\tat "))
    }

    /// A bin/flink whose main() rejects its arguments, echoing them on both streams.
    final class EchoRunner: ProcessRunner {
        func run(_ command: ProcessCommand, deadline: ContinuousClock.Instant) async throws(SubmitJobError) -> ProcessOutcome {
            let raw = command.arguments.joined(separator: " ")
            let echo = PrintedDocumentTests.echo(raw, arguments: command.arguments)
            return ProcessOutcome(termination: .exited(1), standardOutput: "Starting the job with arguments \(raw)\n",
                standardError: "\n The program finished with the following exception:\n\norg.apache.flink.client.program.ProgramInvocationException: The main method caused an error: \(echo)\n\tat x\nCaused by: java.lang.IllegalArgumentException: \(echo)\n\tat com.dtstack.chunjun.Main.main(Main.java:78)\n")
        }
    }

    @Test func aFailedFlinkRunThatEchoesItsArgumentsIsScrubbed() async throws {
        let plan = try Self.plan()
        let (command, _) = FlinkCLI.command(for: plan, flinkHome: "/opt/flink", confDir: nil, endpoint: Self.endpoint)
        let submitter = CLISubmitter(client: try FlinkRESTClient(baseURL: "http://jm:8081", transport: Transport([RESTSubmitterTests.config("1.20.3")])), runner: EchoRunner(), log: { _ in })
        let error: SubmitJobError
        do {
            _ = try await submitter.submit(plan, command: command, deadline: .now + .seconds(30))
            Issue.record("flink run did not fail")
            return
        } catch let e {
            error = e
        }
        #expect(error.message.contains("UrlCanary9") && (error.detail ?? "").contains("Hunter2/2024"))
        let document = Self.document(plan)
        for text in [document.failure(error), document.failureLog(error, verbose: true)] {
            #expect(Self.leaks(text).isEmpty, "\(Self.leaks(text)) in \(text)")
        }
        #expect(try JSONParser.parse(document.failure(error)).value["error"]?["jobId"] == .string(Self.jobID))
        #expect(document.failureLog(error, verbose: true).contains("flink run stdout:\nStarting the job with arguments run -d -c com.dtstack.chunjun.Main"))
    }

    // MARK: the job's status

    @Test func aFailedJobsRootCauseIsScrubbedWhereverItStands() throws {
        let plan = try Self.plan()
        let cause = Self.echo(plan.programArgs.joined(separator: " "), arguments: plan.programArgs)
        let status = try JobStatus.parse(
            details: JSONParser.parse(#"{"jid": "\#(Self.jobID)", "name": "stream 1.20.3", "state": "FAILED", "start-time": 1, "end-time": 2, "duration": 1, "vertices": [{"name": "Source: streamreader", "parallelism": 1, "status": "FAILED", "tasks": {"FAILED": 1}}]}"#).value,
            exceptions: .object([("root-exception", .string("java.lang.Exception: wrapped\nCaused by: java.lang.IllegalStateException: \(cause)\n\tat x"))]))
        #expect(status.rootCause?.contains("CookieCanary9") == true)
        let submitted: [(String, JSONValue)] = [("jobId", .string(Self.jobID)), ("flinkVersion", "1.20.3"), ("jar", .object([("id", "1_chunjun-core-stream.jar"), ("name", "chunjun-core-stream.jar")])), ("flink", "http://jm:8081")]
        var failure = JobWaiter.ended(status)
        failure.fields = submitted + failure.fields
        let document = Self.document(plan)
        let printed = document.failure(failure)
        #expect(Self.leaks(printed).isEmpty, "\(Self.leaks(printed)) in \(printed)")
        let json = try JSONParser.parse(printed).value
        // Structured: the job's name, its vertices, the submission's fields stay as Flink and submitjob gave them.
        #expect(json["status"]?["name"] == "stream 1.20.3" && json["status"]?["vertices"]?[0]?["name"] == "Source: streamreader")
        #expect(json["flinkVersion"] == "1.20.3" && json["jar"]?["id"] == "1_chunjun-core-stream.jar" && json["flink"] == "http://jm:8081")
        #expect(json["error"]?["rootCause"]?.stringValue?.hasPrefix("java.lang.IllegalStateException: cannot run the job ") == true)
        // `status` prints the same status as a success.
        let shown = document.success(status.fields + [("warnings", .array([.string("the job's checkpoints could not be read: \(cause)")]))])
        #expect(Self.leaks(shown).isEmpty, "\(Self.leaks(shown))")
    }

    @Test(arguments: SubmitJobError.Code.allCases)
    func everyErrorPrintsItsFactsAndNoSecret(code: SubmitJobError.Code) throws {
        let plan = try Self.plan()
        let echo = Self.echo(plan.programArgs.joined(separator: " "), arguments: plan.programArgs)
        let error = SubmitJobError(code, "it went wrong: \(echo)", detail: "trace:\n\(echo)\n\tat x",
            context: [("jobId", .string(Self.jobID)), ("state", "FAILED"), ("path", "/opt/flink/lib/chunjun-dist/connector/stream"), ("closest", .array(["streamx", "stream-x"])), ("rootCause", .string(echo))],
            fields: [("flinkVersion", "1.20.3"), ("flink", "http://jm:8081"), ("warnings", .array([.string(echo)]))])
        let document = Self.document(plan)
        let stdout = document.failure(error)
        for text in [stdout, document.failureLog(error, verbose: true), document.failureLog(error, usage: "Usage: \(echo)", verbose: false)] {
            #expect(Self.leaks(text).isEmpty, "\(code): \(Self.leaks(text))")
        }
        let json = try JSONParser.parse(stdout).value
        #expect(json["error"]?["code"] == .string(code.rawValue) && json["error"]?["exitCode"] == .number(Int(code.exitStatus)))
        #expect(json["error"]?["jobId"] == .string(Self.jobID) && json["error"]?["path"] == "/opt/flink/lib/chunjun-dist/connector/stream")
        #expect(json["error"]?["closest"] == .array(["streamx", "stream-x"]) && json["flinkVersion"] == "1.20.3" && json["flink"] == "http://jm:8081")
    }

    @Test func onlyTheFreeTextKeysAreScrubbed() throws {
        #expect(PrintedDocument.freeTextKeys == ["message", "rootCause", "warnings"])
        let document = PrintedDocument(redactor: SecretRedactor(secrets: ["stream", "1"]))
        let printed = document.success([
            ("path", "/dist/connector/stream/chunjun-connector-stream-1.12.8.jar"), ("flinkVersion", "1.20.3"), ("name", "stream"),
            ("warnings", .array(["stream failed, password: 1", "1.20.3"])), ("nested", .object([("message", "password=1 in stream"), ("id", "1")])),
        ])
        #expect(try JSONParser.parse(printed).value == .object([
            ("ok", true), ("path", "/dist/connector/stream/chunjun-connector-stream-1.12.8.jar"), ("flinkVersion", "1.20.3"), ("name", "stream"),
            ("warnings", .array(["****** failed, password: ******", "1.20.3"])), ("nested", .object([("message", "password=****** in ******"), ("id", "1")])),
        ]))
        #expect(document.logLine("uploading /dist/stream.jar (password=abc)") == "submitjob: uploading /dist/******.jar (password=******)\n")
    }

    @Test func theEnvironmentsSecretKeysReachFreeTextWithoutAJob() {
        // `status` reads no job: the platform's names still mask assignments in Flink's text.
        let document = PrintedDocument(redactor: SecretRedactor(keys: SecretKeys(extra: ["vaultRef"])))
        let printed = document.failure(SubmitJobError(.jobFailed, "job failed: vault_ref=abc, user=etl", context: [("rootCause", "vaultRef: abc")]))
        #expect(printed.contains(#""message": "job failed: vault_ref=******, user=etl""#) && printed.contains(#""rootCause": "vaultRef: ******""#))
    }
}

extension JSONValue {
    func removing(_ key: String) -> JSONValue {
        guard case .object(let members) = self else { return self }
        return .object(members.filter { $0.0 != key })
    }
}
