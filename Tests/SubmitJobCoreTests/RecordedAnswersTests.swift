import Foundation
import Testing
@testable import SubmitJobCore

/// Flink's own answers, recorded from real 1.12.5, 1.20.3 and 2.2.1 clusters
/// (Golden/flink-rest/, how in its NOTES.md), read the way submitjob reads them.
@Suite struct RecordedAnswersTests {
    static let versions = ["1.12.5", "1.20.3", "2.2.1"]

    static func text(_ version: String, _ name: String) throws -> String {
        try String(contentsOf: TestPaths.golden.appendingPathComponent("flink-rest/\(version)/\(name).json"), encoding: .utf8)
    }

    static func answer(_ version: String, _ name: String) throws -> JSONValue {
        try JSONParser.parse(try text(version, name)).value
    }

    /// A transport that serves one recorded file for every request, with its status.
    struct Recorded: HTTPTransport {
        var status: Int
        var body: String
        func send(_ request: HTTPRequest, deadline: ContinuousClock.Instant) async throws -> HTTPResponse {
            HTTPResponse(status: status, body: Array(body.utf8))
        }
    }

    func client(_ version: String, _ name: String, status: Int = 200) throws -> FlinkRESTClient {
        try FlinkRESTClient(baseURL: "http://jm:8081", transport: Recorded(status: status, body: try Self.text(version, name)))
    }

    @Test(arguments: versions)
    func aRunningJobWithCountersAndASavepoint(version: String) throws {
        let status = try JobStatus.parse(details: try Self.answer(version, "job-running"), accumulators: try Self.answer(version, "accumulators-running"),
                                         checkpoints: try Self.answer(version, "checkpoints-after-savepoint"))
        #expect(status.state == "RUNNING" && status.isRunning && status.subtaskCounts == (1, 1))
        #expect(status.counters.entries.map(\.0) == ["numRead", "numWrite", "byteRead", "byteWrite", "readDuration"])
        #expect((status.counters.integer("numRead") ?? 0) > 0 && status.counters.integer("numRead") == status.counters.integer("numWrite"))
        #expect(status.lastSavepoint?.externalPath?.hasPrefix("file:/tmp/observe-") == true && status.lastSavepoint?.time != nil)
        #expect(status.startTime != nil && status.endTime == nil && status.rootCause == nil)
        // The whole document, as `status` prints it, per version.
        if let mismatch = try goldenMismatch(JSONValue.object(status.fields).prettyPrinted(), file: "status-running-\(version).json") { Issue.record("\(mismatch)") }
    }

    @Test(arguments: versions)
    func aRunningVertexWithSubtasksWaitingForSlotsIsNotRunning(version: String) throws {
        let status = try JobStatus.parse(details: try Self.answer(version, "job-waiting-for-slots"))
        #expect(status.state == "RUNNING" && status.vertices.first?.state == "RUNNING")
        #expect(!status.isRunning && status.subtaskCounts == (4, 6))
        #expect(status.progressLine.hasSuffix("RUNNING, 4/6 tasks running"))
        let justSubmitted = try JobStatus.parse(details: try Self.answer(version, "job-just-submitted"))
        #expect(justSubmitted.state == "RUNNING" && !justSubmitted.isRunning)
    }

    @Test(arguments: versions)
    func aFailedJobsRootCauseIsTheInnermostCauseWithItsSecretMasked(version: String) throws {
        let status = try JobStatus.parse(details: try Self.answer(version, "job-failed"), exceptions: try Self.answer(version, "exceptions-failed"))
        #expect(status.state == "FAILED" && status.endTime != nil)
        #expect(status.rootCause == "java.lang.RuntimeException: fixture reader failed after 30 records: cannot connect to jdbc:mysql://db.example:3306/sales?user=etl&password=****** (timeout)")
    }

    @Test(arguments: versions)
    func aJobStoppedWithASavepointKeepsIt(version: String) throws {
        let status = try JobStatus.parse(details: try Self.answer(version, "job-stopped-with-savepoint"), checkpoints: try Self.answer(version, "checkpoints-after-stop"))
        #expect(status.state == "FINISHED" && status.hasEnded && !status.isRunning)
        #expect(status.lastSavepoint?.externalPath?.contains("/savepoint-") == true)
        let restored = try JobStatus.parse(details: try Self.answer(version, "job-running"), checkpoints: try Self.answer(version, "checkpoints-running-none"))
        #expect(restored.lastCheckpoint == nil && restored.lastSavepoint == nil)
    }

    @Test(arguments: versions)
    func savepointOperations(version: String) async throws {
        let deadline = ContinuousClock.now + .seconds(5)
        #expect(try await client(version, "savepoint-status-in-progress").savepointOperation(id: "j", trigger: "t", deadline: deadline) == .inProgress)
        guard case .completed(let location)? = try await client(version, "savepoint-status-completed").savepointOperation(id: "j", trigger: "t", deadline: deadline) else {
            Issue.record("not completed"); return
        }
        #expect(location.hasPrefix("file:/") && location.contains("/savepoint-"))
        guard case .failed(let trace)? = try await client(version, "savepoint-status-failed").savepointOperation(id: "j", trigger: "t", deadline: deadline) else {
            Issue.record("not failed"); return
        }
        #expect(FlinkErrorText.reason(from: [trace]).contains("Failed to create savepoint directory at file:/proc/observe-denied"), "\(FlinkErrorText.reason(from: [trace]))")
        #expect(try await client(version, "savepoint-status-unknown-trigger", status: 404).savepointOperation(id: "j", trigger: "t", deadline: deadline) == nil)
        #expect(try await client(version, "savepoint-trigger").trigger("savepoints", id: "j", body: .object([]), deadline: deadline).count == 32)
    }

    @Test(arguments: versions)
    func aSavepointWithoutADirectoryIsRefusedWithFlinksReason(version: String) async throws {
        let client = try client(version, "savepoint-trigger-no-dir", status: 400)
        let error = await #expect(throws: SubmitJobError.self) {
            try await client.trigger("savepoints", id: "j", body: .object([]), deadline: .now + .seconds(5))
        }
        let refused = JobController.refused(try #require(error), id: "j", operation: .savepoint)
        #expect(refused.code == .savepointFailed)
        let key = version == "1.12.5" ? "state.savepoints.dir" : "execution.checkpointing.savepoint-dir"
        #expect(refused.message == "Flink refused the savepoint of job j: org.apache.flink.runtime.rest.handler.RestHandlerException: Config key [\(key)] is not set. Property [target-directory] must be provided.")
    }

    @Test(arguments: versions)
    func theOverviewAndTheLiveState(version: String) async throws {
        let jobs = try await client(version, "jobs-overview").jobsOverview(deadline: .now + .seconds(5))
        #expect(jobs.count >= 5 && jobs.allSatisfy { JobStatus.knownStates.contains($0.state) && SubmissionOptions.normalizedJobID($0.id) == $0.id })
        #expect(jobs.contains { $0.state == "FAILED" && $0.endTime != nil } && jobs.contains { $0.state == "CANCELED" })
        // GET /jobs/:id/status: live on 1.20 and 2.x; 1.12 answers 404 and the overview tells.
        let recorded = try Self.text(version, "job-status")
        if version == "1.12.5" {
            #expect(recorded.contains("Unable to load requested file"))
        } else {
            let inspector = JobInspector(client: try client(version, "job-status"))
            #expect(try await inspector.liveState(of: "j", deadline: .now + .seconds(5)) == "RUNNING")
        }
    }
}
