import Foundation
import Synchronization
import Testing
@testable import SubmitJobCore

/// `bin/flink run`: the command line as golden files, and what is read back from its output
/// (captured from real Flink 1.12.5 and 1.20.3 runs).
@Suite struct FlinkCLITests {
    static func plan(savepoint: Bool) throws -> SubmissionPlan {
        var options = SubmissionOptions()
        options.parallelism = 2
        options.jobID = "0123456789abcdef0123456789abcdef"
        options.remoteDistRoot = "/opt/flink/lib/chunjun-dist"
        if savepoint {
            options.savepointPath = "s3://bucket/savepoints/savepoint-1"
            options.allowNonRestoredState = true
        }
        return try PlanBuilder.build(job: try ChunjunJob(text: Fixtures.streamJob), dist: Fixtures.releaseDist(root: "/local/chunjun-dist"), options: options)
    }

    static func golden(_ plan: SubmissionPlan, _ endpoint: FlinkEndpoint, confDir: String?) -> String {
        let (command, redacted) = FlinkCLI.command(for: plan, flinkHome: "/opt/flink/", confDir: confDir, endpoint: endpoint)
        return JSONValue.object(PlanReport.cliFields(plan: plan, command: command, redactedArguments: redacted, endpoint: endpoint, version: FlinkVersion("1.12.7").map { PlanVersion($0, source: .flag) })).prettyPrinted()
    }

    @Test func fromFlinksOwnConfiguration() throws {
        let configuration = FlinkConfiguration.parseLegacy("rest.address: jm\nrest.port: 8082\n", file: "/opt/flink/conf/flink-conf.yaml")
        let endpoint = try FlinkEndpoint.resolve(.init(configuration: configuration))
        let text = Self.golden(try Self.plan(savepoint: true), endpoint, confDir: "/opt/flink/conf")
        if let mismatch = try goldenMismatch(text, file: "cli-plan-configured.json") { Issue.record("\(mismatch)") }
    }

    @Test func explicitAddressIsPassedAsARemoteTarget() throws {
        let endpoint = try FlinkEndpoint.resolve(.init(flag: "https://jm.example:8443/flink/"))
        let text = Self.golden(try Self.plan(savepoint: false), endpoint, confDir: nil)
        if let mismatch = try goldenMismatch(text, file: "cli-plan-explicit.json") { Issue.record("\(mismatch)") }
    }

    @Test func kubernetesSession() throws {
        let endpoint = try FlinkEndpoint.resolve(.init(target: "kubernetes-session", clusterID: "etl", namespace: "data"))
        let text = Self.golden(try Self.plan(savepoint: false), endpoint, confDir: "/opt/flink/conf")
        if let mismatch = try goldenMismatch(text, file: "cli-plan-kubernetes.json") { Issue.record("\(mismatch)") }
    }

    @Test func theJobTravelsOnlyInTheRealArguments() throws {
        let plan = try Self.plan(savepoint: false)
        let (command, redacted) = FlinkCLI.command(for: plan, flinkHome: "/opt/flink", confDir: nil, endpoint: try FlinkEndpoint.resolve(.init()))
        #expect(command.arguments.suffix(plan.programArgs.count) == plan.programArgs[...])
        #expect(command.arguments.joined().contains(JavaURLEncoder.encode("p+w%d&x y")))
        #expect(!redacted.joined().contains(JavaURLEncoder.encode("p+w%d&x y")))
        #expect(command.executable == "/opt/flink/bin/flink")
    }

    @Test func jobIDFromTheSubmittedLine() {
        #expect(FlinkCLI.submittedJobID(in: "Job has been submitted with JobID 0123456789ABCDEF0123456789abcdef\n") == "0123456789abcdef0123456789abcdef")
        #expect(FlinkCLI.submittedJobID(in: "log line\nJob has been submitted with JobID 00000000000000000000000000000001\n") == "00000000000000000000000000000001")
        #expect(FlinkCLI.submittedJobID(in: "Job has been submitted with JobID 123\n") == nil)
        #expect(FlinkCLI.submittedJobID(in: "") == nil)
    }

    @Test(arguments: ["1.12.5", "1.20.3"])
    func innermostCauseOfARealFailure(version: String) throws {
        let stderr = try String(contentsOf: TestPaths.golden.appendingPathComponent("flink-run/classnotfound-\(version).stderr"), encoding: .utf8)
        let failure = try #require(FlinkCLI.failureReason(standardError: stderr, standardOutput: ""))
        #expect(failure.reason == "java.lang.ClassNotFoundException: com.dtstack.chunjun.connector.stream.source.StreamSourceFactory")
        #expect(failure.trace.hasPrefix("org.apache.flink.client.program.ProgramInvocationException"))
        #expect(!FlinkCLI.isDuplicate(failure.trace))
        #expect(FlinkCLI.failureReason(standardError: "Error: JAVA_HOME is not set\n", standardOutput: "") == nil)
    }
}

/// The CLI submitter's decisions, with a scripted child and scripted REST answers.
@Suite struct CLISubmitterTests {
    typealias Transport = RESTSubmitterTests.ScriptedTransport

    final class ScriptedRunner: ProcessRunner {
        let outcome: ProcessOutcome
        let runs = Mutex(0)
        init(_ outcome: ProcessOutcome) { self.outcome = outcome }
        func run(_ command: ProcessCommand, deadline: ContinuousClock.Instant) async throws(SubmitJobError) -> ProcessOutcome {
            runs.withLock { $0 += 1 }
            return outcome
        }
    }

    static let jobID = RESTSubmitterTests.jobID
    static let knownJob: (String, Transport.Handler) = ("GET /jobs/\(jobID)", RESTSubmitterTests.json(#"{"jid": "\#(jobID)", "name": "Flink_Job", "state": "RUNNING"}"#))
    static let submitted = ProcessOutcome(termination: .exited(0), standardOutput: "Job has been submitted with JobID \(jobID)\n")

    func submit(_ transport: Transport, _ runner: ScriptedRunner) async throws(SubmitJobError) -> CLISubmitter.Result {
        var options = SubmissionOptions()
        options.jobID = Self.jobID
        let plan = try PlanBuilder.build(job: try ChunjunJob(text: Fixtures.streamJob), dist: Fixtures.releaseDist(), options: options)
        let endpoint = try FlinkEndpoint.resolve(.init(flag: "http://jm:8081"))
        let (command, _) = FlinkCLI.command(for: plan, flinkHome: "/opt/flink", confDir: nil, endpoint: endpoint)
        let submitter = CLISubmitter(client: try FlinkRESTClient(baseURL: endpoint.url, transport: transport), runner: runner, log: { _ in })
        return try await submitter.submit(plan, command: command, deadline: .now + .seconds(30))
    }

    func failure(_ transport: Transport, _ runner: ScriptedRunner) async -> SubmitJobError? {
        do { _ = try await submit(transport, runner); return nil } catch { return error }
    }

    @Test func submitsAndReadsTheJobID() async throws {
        let transport = Transport([RESTSubmitterTests.config("1.12.7")])
        let runner = ScriptedRunner(Self.submitted)
        let result = try await submit(transport, runner)
        #expect(result.jobID == Self.jobID && !result.alreadySubmitted && result.flinkVersion.text == "1.12.7")
        #expect(transport.requests == ["GET /config", "GET /jobs/\(Self.jobID)"])
        #expect(runner.runs.withLock { $0 } == 1)
    }

    @Test func aKnownJobIsNotRunAgain() async throws {
        let runner = ScriptedRunner(Self.submitted)
        let result = try await submit(Transport([RESTSubmitterTests.config(), Self.knownJob]), runner)
        #expect(result.alreadySubmitted)
        #expect(runner.runs.withLock { $0 } == 0)
    }

    @Test func aKilledChildIsSettledByTheJobID() async throws {
        let timedOut = ScriptedRunner(ProcessOutcome(termination: .timedOut))
        let found = try await submit(Transport([RESTSubmitterTests.config(), RESTSubmitterTests.unknownJob, Self.knownJob]), timedOut)
        #expect(found.jobID == Self.jobID && found.warnings.count == 1)
        let unknown = await failure(Transport([RESTSubmitterTests.config()]), timedOut)
        #expect(unknown?.code == .timedOut)
        #expect(unknown?.context.first?.1 == .string(Self.jobID))
    }

    @Test func flinksReasonSurfaces() async throws {
        let stderr = try String(contentsOf: TestPaths.golden.appendingPathComponent("flink-run/classnotfound-1.12.5.stderr"), encoding: .utf8)
        let error = await failure(Transport([RESTSubmitterTests.config()]), ScriptedRunner(ProcessOutcome(termination: .exited(1), standardError: stderr)))
        #expect(error?.code == .flinkRejected)
        #expect(error?.message == "flink run exited with status 1: java.lang.ClassNotFoundException: com.dtstack.chunjun.connector.stream.source.StreamSourceFactory")
        #expect(error?.detail?.contains("The program finished with the following exception:") == true)
        let bare = await failure(Transport([RESTSubmitterTests.config()]), ScriptedRunner(ProcessOutcome(termination: .exited(127), standardError: "bin/flink: java: not found\n")))
        #expect(bare?.message == "flink run exited with status 127: bin/flink: java: not found")
    }

    @Test func aDuplicateOfARunningJobIsAlreadySubmitted() async throws {
        let stderr = "The program finished with the following exception:\n\norg.apache.flink.client.program.ProgramInvocationException: x\nCaused by: org.apache.flink.runtime.client.DuplicateJobSubmissionException: Job has already been submitted.\n"
        let result = try await submit(Transport([RESTSubmitterTests.config(), RESTSubmitterTests.unknownJob, Self.knownJob]),
            ScriptedRunner(ProcessOutcome(termination: .exited(1), standardError: stderr)))
        #expect(result.alreadySubmitted)
    }

    @Test func aFailedChildWhoseJobRunsIsNotAFailure() async throws {
        // Reporting failure here would invite a retry under a new id: a second job.
        let crashed = ProcessOutcome(termination: .signaled(9), standardError: "Killed\n")
        let result = try await submit(Transport([RESTSubmitterTests.config(), RESTSubmitterTests.unknownJob, Self.knownJob]), ScriptedRunner(crashed))
        #expect(!result.alreadySubmitted)
        #expect(result.warnings == ["flink run was killed by signal 9 after the job had been submitted: Killed"])
    }

    @Test func aDifferentJobIDIsReported() async {
        let other = ProcessOutcome(termination: .exited(0), standardOutput: "Job has been submitted with JobID ffffffffffffffffffffffffffffffff\n")
        let error = await failure(Transport([RESTSubmitterTests.config()]), ScriptedRunner(other))
        #expect(error?.code == .unexpectedResponse)
        #expect(error?.context.first?.1 == .string("ffffffffffffffffffffffffffffffff"))
    }

    @Test func anUnreachableClusterStopsBeforeAnyChild() async {
        let runner = ScriptedRunner(Self.submitted)
        let error = await failure(Transport([("GET /config", { _ in throw TransportError.unreachable("connection refused") })]), runner)
        #expect(error?.code == .flinkUnreachable)
        #expect(runner.runs.withLock { $0 } == 0)
    }
}
