import Synchronization
import Testing
@testable import SubmitJobCore

/// The waiting loop and the control commands, against answers scripted per call and a clock
/// that jumps: minutes of waiting, deadlines and an unreachable cluster, tested in microseconds.
/// The answers' shapes are Flink's own (Golden/flink-rest/); real clusters are exercised by the
/// integration tests.
@Suite struct JobControlTests {
    /// A clock whose sleeps return at once and move time on.
    final class JumpingClock: Sendable {
        let start = ContinuousClock.now
        private let elapsed = Mutex<Duration>(.zero)
        var clock: JobClock {
            JobClock(now: { [self] in start + elapsed.withLock { $0 } }, sleep: { [self] d in elapsed.withLock { $0 += d } })
        }
        var seconds: Double { elapsed.withLock { Double($0.components.seconds) + Double($0.components.attoseconds) / 1e18 } }
    }

    /// Answers by request line ("GET /jobs/x"); each path has a queue of answers, the last one repeats.
    final class FakeFlink: HTTPTransport {
        typealias Answer = @Sendable (HTTPRequest) throws -> HTTPResponse
        private let state: Mutex<(answers: [String: [Answer]], log: [String], bodies: [String])>

        init(_ answers: [String: [Answer]]) { state = Mutex((answers, [], [])) }

        var requests: [String] { state.withLock { $0.log } }
        var bodies: [String] { state.withLock { $0.bodies } }

        func send(_ request: HTTPRequest, deadline: ContinuousClock.Instant) async throws -> HTTPResponse {
            let call = "\(request.method.rawValue) \(request.url.replacing("http://jm:8081", with: ""))"
            let answer: Answer? = state.withLock { state in
                state.log.append(call)
                if case .json(let body) = request.body { state.bodies.append(body) }
                // An exact request line, else a key ending in "*" that is a prefix of it.
                let key = state.answers[call] != nil ? call : state.answers.keys.first { $0.hasSuffix("*") && call.hasPrefix($0.dropLast()) }
                guard let key, var queue = state.answers[key], !queue.isEmpty else { return nil }
                let first = queue.count > 1 ? queue.removeFirst() : queue[0]
                state.answers[key] = queue
                return first
            }
            guard let answer else { return HTTPResponse(status: 404, body: Array(#"{"errors": ["Not found: \#(call)"]}"#.utf8)) }
            return try answer(request)
        }
    }

    static let id = "6d2c2b4a1e0f4c3b8a7d9e1f2a3b4c5d"

    static func json(_ text: String, status: Int = 200) -> FakeFlink.Answer { { _ in HTTPResponse(status: status, body: Array(text.utf8)) } }

    static func job(_ state: String, _ vertexStates: [String] = ["RUNNING"]) -> FakeFlink.Answer {
        let vertices = vertexStates.enumerated().map { #"{"id": "v\#($0.offset)", "name": "Source: s\#($0.offset)", "parallelism": 1, "status": "\#($0.element)", "tasks": {"\#($0.element)": 1, "FAILED": 0}}"# }
        return json(#"{"jid": "\#(id)", "name": "sync", "state": "\#(state)", "start-time": 1764433201123, "end-time": -1, "duration": 5000, "vertices": [\#(vertices.joined(separator: ","))]}"#)
    }

    static func accumulators(read: Int, written: Int) -> FakeFlink.Answer {
        json(#"{"job-accumulators": [], "user-task-accumulators": [{"name": "numRead", "type": "LongCounter", "value": "\#(read)"}, {"name": "numWrite", "type": "LongCounter", "value": "\#(written)"}], "serialized-user-task-accumulators": {}}"#)
    }

    static let unreachable: FakeFlink.Answer = { _ in throw TransportError.unreachable("connection refused") }

    /// `GET /jobs/:id/status` of 1.20 and 2.x: the live state (the details are cached for 3 s).
    static func live(_ state: String) -> FakeFlink.Answer { json(#"{"status": "\#(state)"}"#) }

    func client(_ flink: FakeFlink) throws -> FlinkRESTClient { try FlinkRESTClient(baseURL: "http://jm:8081", transport: flink) }

    // MARK: wait

    @Test func runningMeansEveryTaskRunning() async throws {
        let flink = FakeFlink([
            "GET /jobs/\(Self.id)": [Self.job("RUNNING", ["RUNNING", "DEPLOYING"]), Self.job("RUNNING", ["RUNNING", "DEPLOYING"]), Self.job("RUNNING", ["RUNNING", "FINISHED"])],
            "GET /jobs/\(Self.id)/accumulators": [Self.accumulators(read: 7, written: 5)],
            "GET /jobs/\(Self.id)/status": [Self.live("RUNNING")],
        ])
        let time = JumpingClock()
        let lines = Mutex<[String]>([])
        let waiter = JobWaiter(inspector: JobInspector(client: try client(flink)), clock: time.clock, progress: { line in lines.withLock { $0.append(line) } })
        let status = try await waiter.wait(for: Self.id, until: .running, deadline: time.clock.now() + .seconds(60))
        #expect(status.isRunning && status.counters.integer("numRead") == 7)
        #expect(flink.requests.filter { $0 == "GET /jobs/\(Self.id)" }.count == 4, "three polls, then the full status")
        #expect(lines.withLock { $0 } == ["job \(Self.id) RUNNING, 1/2 tasks running, 7 rows read, 5 written"])
    }

    @Test func aJobThatFailsInsteadIsJobFailedWithItsRootCause() async throws {
        // Flink 2.x: exceptionHistory only.
        let exceptions = Self.json(#"{"exceptionHistory": {"entries": [{"exceptionName": "java.lang.RuntimeException", "stacktrace": "org.apache.flink.runtime.JobException: Recovery is suppressed by NoRestartBackoffTimeStrategy\n\tat a\nCaused by: java.lang.RuntimeException: fixture reader failed after 30 records: jdbc:mysql://db/x?password=S3cret\n\tat b", "timestamp": 1764433209000}], "truncated": false}}"#)
        let flink = FakeFlink(["GET /jobs/\(Self.id)": [Self.job("RUNNING"), Self.job("FAILED", ["FAILED"])], "GET /jobs/\(Self.id)/exceptions": [exceptions],
                               "GET /jobs/\(Self.id)/status": [Self.live("RUNNING"), Self.live("FAILED")]])
        let time = JumpingClock()
        let waiter = JobWaiter(inspector: JobInspector(client: try client(flink)), clock: time.clock, progress: { _ in })
        let error = await #expect(throws: SubmitJobError.self) { try await waiter.wait(for: Self.id, until: .finished, deadline: time.clock.now() + .seconds(60)) }
        #expect(error?.code == .jobFailed && error?.code.exitStatus == 3)
        #expect(error?.message == "job \(Self.id) failed: java.lang.RuntimeException: fixture reader failed after 30 records: jdbc:mysql://db/x?password=******")
        #expect(error?.context.first { $0.0 == "state" }?.1 == "FAILED")
        #expect(error?.fields.first?.0 == "status")
    }

    @Test func aCancelledJobIsJobCanceledAndAFinishedOneSatisfiesRunning() async throws {
        let time = JumpingClock()
        let cancelled = FakeFlink(["GET /jobs/\(Self.id)": [Self.job("CANCELED", ["CANCELED"])], "GET /jobs/\(Self.id)/status": [Self.live("CANCELED")]])
        let error = await #expect(throws: SubmitJobError.self) {
            try await JobWaiter(inspector: JobInspector(client: try client(cancelled)), clock: time.clock, progress: { _ in })
                .wait(for: Self.id, until: .running, deadline: time.clock.now() + .seconds(60))
        }
        #expect(error?.code == .jobCanceled && error?.code.exitStatus == 3)

        let finished = FakeFlink(["GET /jobs/\(Self.id)": [Self.job("FINISHED", ["FINISHED"])], "GET /jobs/\(Self.id)/status": [Self.live("FINISHED")]])
        let status = try await JobWaiter(inspector: JobInspector(client: try client(finished)), clock: time.clock, progress: { _ in })
            .wait(for: Self.id, until: .running, deadline: time.clock.now() + .seconds(60))
        #expect(status.state == "FINISHED")
    }

    @Test func theDeadlineEndsTheWaitWithTheLastStateSeenAndAtMostOneLineEveryFiveSeconds() async throws {
        let flink = FakeFlink([
            "GET /jobs/\(Self.id)": [Self.job("RUNNING", ["DEPLOYING"])],
            "GET /jobs/\(Self.id)/accumulators": (0..<100).map { Self.accumulators(read: $0, written: $0) },
            "GET /jobs/\(Self.id)/status": [Self.live("RUNNING")],
        ])
        let time = JumpingClock()
        let lines = Mutex<[String]>([])
        let waiter = JobWaiter(inspector: JobInspector(client: try client(flink)), clock: time.clock, progress: { line in lines.withLock { $0.append(line) } })
        let error = await #expect(throws: SubmitJobError.self) { try await waiter.wait(for: Self.id, until: .running, deadline: time.clock.now() + .seconds(60)) }
        #expect(error?.code == .timedOut && error?.code.exitStatus == 75)
        #expect(error?.context.map(\.0) == ["jobId", "state"] && error?.context.last?.1 == "RUNNING")
        #expect(time.seconds >= 60 && time.seconds < 61)
        let count = lines.withLock { $0.count }
        #expect(count >= 10 && count <= 13, "\(count) progress lines in 60 s")
    }

    @Test func aClusterThatStopsAnsweringEndsTheWaitAfterTheGrace() async throws {
        let flink = FakeFlink(["GET /jobs/\(Self.id)": [Self.job("RUNNING", ["DEPLOYING"]), Self.unreachable], "GET /jobs/\(Self.id)/accumulators": [Self.unreachable],
                               "GET /jobs/\(Self.id)/status": [Self.live("RUNNING"), Self.unreachable]])
        let time = JumpingClock()
        let waiter = JobWaiter(inspector: JobInspector(client: try client(flink)), clock: time.clock, progress: { _ in })
        let error = await #expect(throws: SubmitJobError.self) { try await waiter.wait(for: Self.id, until: .finished, deadline: time.clock.now() + .seconds(600)) }
        #expect(error?.code == .flinkUnreachable && error?.code.exitStatus == 69)
        #expect(error?.message.hasPrefix("Flink stopped answering while job \(Self.id) was RUNNING") == true)
        #expect(time.seconds >= 15 && time.seconds < 20)
    }

    @Test func anUnknownJobIsJobNotFound() async throws {
        let time = JumpingClock()
        let flink = FakeFlink([:])
        let error = await #expect(throws: SubmitJobError.self) {
            try await JobWaiter(inspector: JobInspector(client: try client(flink)), clock: time.clock, progress: { _ in })
                .wait(for: Self.id, until: .running, deadline: time.clock.now() + .seconds(60))
        }
        #expect(error?.code == .jobNotFound && error?.code.exitStatus == 4)
    }

    // MARK: cancel, stop, savepoint

    @Test func cancellingAnEndedJobChangesNothingAndSaysSo() async throws {
        let flink = FakeFlink(["GET /jobs/\(Self.id)/status": [Self.live("CANCELED")]])
        let outcome = try await JobController(client: try client(flink), clock: JumpingClock().clock, log: { _ in }).cancel(Self.id, deadline: .now + .seconds(30))
        #expect(outcome.alreadyEnded && outcome.state == "CANCELED" && outcome.warnings.isEmpty)
        #expect(!flink.requests.contains { $0.hasPrefix("PATCH") })
    }

    @Test func cancelWaitsUntilFlinkSaysCanceled() async throws {
        let flink = FakeFlink([
            "GET /jobs/\(Self.id)/status": [Self.live("RUNNING"), Self.live("CANCELLING"), Self.live("CANCELED")],
            "PATCH /jobs/\(Self.id)?mode=cancel": [Self.json("{}", status: 202)],
        ])
        let outcome = try await JobController(client: try client(flink), clock: JumpingClock().clock, log: { _ in }).cancel(Self.id, deadline: .now + .seconds(30))
        #expect(!outcome.alreadyEnded && outcome.state == "CANCELED")
        #expect(flink.requests.filter { $0.hasPrefix("PATCH") }.count == 1)
    }

    static let checkpointsWithSavepoint = json(#"{"counts": {"completed": 1}, "latest": {"completed": {"id": 3, "latest_ack_timestamp": 1764433209000, "external_path": "file:/sp/savepoint-6d2c2b-1", "is_savepoint": true}, "savepoint": {"id": 3, "latest_ack_timestamp": 1764433209000, "external_path": "file:/sp/savepoint-6d2c2b-1", "is_savepoint": true}, "failed": null, "restored": null}, "history": []}"#)

    @Test func aLostStopAnswerIsSentAgainWithTheSameTriggerIDWhichFlinkTakesOnce() async throws {
        let polled = Mutex<[String]>([])
        // Flink answers a trigger with our own id as the request-id (1.20, 2.2; Golden/flink-rest/).
        let echo: FakeFlink.Answer = { request in
            guard case .json(let body) = request.body, let trigger = try JSONParser.parse(body).value["triggerId"]?.stringValue else { throw TransportError.failed("no triggerId") }
            return HTTPResponse(status: 202, body: Array(#"{"request-id": "\#(trigger)"}"#.utf8))
        }
        let flink = FakeFlink([
            "GET /jobs/\(Self.id)": [Self.job("RUNNING")],
            "GET /jobs/\(Self.id)/status": [Self.live("RUNNING"), Self.live("FINISHED")],
            "POST /jobs/\(Self.id)/stop": [{ _ in throw TransportError.failed("connection reset by peer") }, echo],
            "GET /jobs/\(Self.id)/savepoints/*": [{ request in
                polled.withLock { $0.append(String(request.url.split(separator: "/").last!)) }
                return HTTPResponse(status: 200, body: Array(#"{"status": {"id": "COMPLETED"}, "operation": {"location": "file:/sp/savepoint-6d2c2b-1"}}"#.utf8))
            }],
        ])
        let time = JumpingClock()
        let outcome = try await JobController(client: try client(flink), clock: time.clock, log: { _ in })
            .stop(Self.id, directory: "file:///sp", drain: false, version: FlinkVersion("1.20.3")!, deadline: time.clock.now() + .seconds(60))
        #expect(outcome.savepoint == "file:/sp/savepoint-6d2c2b-1" && outcome.state == "FINISHED" && !outcome.alreadyEnded)
        #expect(flink.bodies.count == 2 && flink.bodies[0] == flink.bodies[1], "the same request, trigger id included")
        let body = try JSONParser.parse(try #require(flink.bodies.first)).value
        #expect(body["targetDirectory"] == "file:///sp" && body["drain"] == .bool(false))
        #expect(polled.withLock { $0 } == [try #require(body["triggerId"]?.stringValue)])
    }

    @Test func onFlink112ALostStopAnswerIsOutcomeUnknown() async throws {
        let flink = FakeFlink([
            // 1.12 has no GET /jobs/:id/status: the live state comes from the overview.
            "GET /jobs/\(Self.id)": [Self.job("RUNNING")],
            "GET /jobs/overview": [Self.json(#"{"jobs": [{"jid": "\#(Self.id)", "name": "sync", "state": "RUNNING", "start-time": 1764433201123, "end-time": -1}]}"#)],
            "POST /jobs/\(Self.id)/stop": [{ _ in throw TransportError.timedOut }],
        ])
        let error = await #expect(throws: SubmitJobError.self) {
            try await JobController(client: try client(flink), clock: JumpingClock().clock, log: { _ in })
                .stop(Self.id, directory: nil, drain: true, version: FlinkVersion("1.12.5")!, deadline: .now + .seconds(60))
        }
        #expect(error?.code == .timedOut)
        #expect(flink.bodies == [#"{"drain":true}"#], "1.12 rejects a triggerId")
    }

    @Test func stoppingAFinishedJobAgainGivesItsSavepoint() async throws {
        let flink = FakeFlink(["GET /jobs/\(Self.id)": [Self.job("FINISHED", ["FINISHED"])], "GET /jobs/\(Self.id)/checkpoints": [Self.checkpointsWithSavepoint],
                               "GET /jobs/\(Self.id)/status": [Self.live("FINISHED")]])
        let outcome = try await JobController(client: try client(flink), clock: JumpingClock().clock, log: { _ in })
            .stop(Self.id, directory: nil, drain: false, version: FlinkVersion("2.2.1")!, deadline: .now + .seconds(60))
        #expect(outcome.alreadyEnded && outcome.savepoint == "file:/sp/savepoint-6d2c2b-1")
        #expect(!flink.requests.contains { $0.hasPrefix("POST") })
    }

    @Test func aCancelledJobHasNothingToStopOrSave() async throws {
        let flink = FakeFlink(["GET /jobs/\(Self.id)": [Self.job("CANCELED", ["CANCELED"])], "GET /jobs/\(Self.id)/checkpoints": [Self.checkpointsWithSavepoint],
                               "GET /jobs/\(Self.id)/status": [Self.live("CANCELED")]])
        let controller = JobController(client: try client(flink), clock: JumpingClock().clock, log: { _ in })
        let stop = await #expect(throws: SubmitJobError.self) { try await controller.stop(Self.id, directory: nil, drain: false, version: FlinkVersion("1.20.3")!, deadline: .now + .seconds(60)) }
        #expect(stop?.code == .jobCanceled && stop?.context.last?.1 == "file:/sp/savepoint-6d2c2b-1")
        let savepoint = await #expect(throws: SubmitJobError.self) { try await controller.savepoint(Self.id, directory: nil, version: FlinkVersion("1.20.3")!, deadline: .now + .seconds(60)) }
        #expect(savepoint?.code == .jobCanceled && savepoint?.code.exitStatus == 3)
    }

    @Test func aSavepointFlinkCannotTakeIsSavepointFailedWithItsReason() async throws {
        let failed = Self.json(#"{"status": {"id": "COMPLETED"}, "operation": {"failure-cause": {"class": "java.util.concurrent.CompletionException", "stack-trace": "java.util.concurrent.CompletionException: java.lang.IllegalStateException: No savepoint directory configured. You can either specify a directory while cancelling via -s :targetDirectory or configure a cluster-wide default via key 'state.savepoints.dir'.\n\tat x"}}}"#)
        let flink = FakeFlink([
            "GET /jobs/\(Self.id)/status": [Self.live("RUNNING")],
            "POST /jobs/\(Self.id)/savepoints": [Self.json(#"{"request-id": "feedbeef"}"#, status: 202)],
            "GET /jobs/\(Self.id)/savepoints/feedbeef": [Self.json(#"{"status": {"id": "IN_PROGRESS"}, "operation": null}"#), failed],
        ])
        let error = await #expect(throws: SubmitJobError.self) {
            try await JobController(client: try client(flink), clock: JumpingClock().clock, log: { _ in })
                .savepoint(Self.id, directory: nil, version: FlinkVersion("1.12.5")!, deadline: .now + .seconds(60))
        }
        #expect(error?.code == .savepointFailed && error?.code.exitStatus == 1)
        #expect(error?.message.hasSuffix("java.lang.IllegalStateException: No savepoint directory configured. You can either specify a directory while cancelling via -s :targetDirectory or configure a cluster-wide default via key 'state.savepoints.dir'.") == true, "\(error?.message ?? "")")
        #expect(flink.bodies == [#"{"cancel-job":false}"#])
    }
}
