/// Cancel, stop with a savepoint, and savepoints, each safe to repeat: a command given again for
/// a job that already ended says so instead of failing (or, where nothing can be done, says why).
public struct JobController: Sendable {
    public struct Outcome: Sendable {
        public var jobID: String
        /// The job's state when the command was done.
        public var state: String
        /// The job had ended before this command did anything.
        public var alreadyEnded: Bool
        /// `stop` and `savepoint`: where the savepoint is (for a job that had already ended: its
        /// latest savepoint, which is the stop's own when it was stopped with one).
        public var savepoint: String?
        public var warnings: [String]

        /// The document's fields; `extra` go before the warnings, which close it.
        public func fields(_ extra: [(String, JSONValue)] = []) -> [(String, JSONValue)] {
            var fields: [(String, JSONValue)] = [("jobId", .string(jobID)), ("state", .string(state)), ("alreadyEnded", .bool(alreadyEnded))]
            if let savepoint { fields.append(("savepoint", .string(savepoint))) }
            return fields + extra + [("warnings", .array(warnings.map { .string($0) }))]
        }
    }

    /// Flink's two asynchronous savepoint operations, polled at the same place.
    enum Operation: String {
        case savepoint = "savepoints"
        case stop

        var name: String { self == .stop ? "stop with savepoint" : "savepoint" }
    }

    let client: FlinkRESTClient
    let inspector: JobInspector
    let clock: JobClock
    let log: @Sendable (String) -> Void

    public init(client: FlinkRESTClient, clock: JobClock = .continuous, log: @escaping @Sendable (String) -> Void) {
        self.client = client
        self.inspector = JobInspector(client: client)
        self.clock = clock
        self.log = log
    }

    /// The live state, or `job_not_found`.
    func liveState(_ id: String, deadline: ContinuousClock.Instant) async throws(SubmitJobError) -> String {
        guard let state = try await inspector.liveState(of: id, deadline: deadline) else { throw JobInspector.notFound(id, client: client) }
        return state
    }

    // MARK: cancel

    /// Cancels the job and waits until Flink says it ended. A job that had ended already is
    /// reported as it ended (exit 0): the caller wanted it not running, and it is not.
    public func cancel(_ id: String, deadline: ContinuousClock.Instant) async throws(SubmitJobError) -> Outcome {
        let before = try await liveState(id, deadline: deadline)
        if JobStatus.terminalStates.contains(before) {
            log("job \(id) had already ended (\(before)); nothing to cancel")
            return Outcome(jobID: id, state: before, alreadyEnded: true, warnings: before == "CANCELED" ? [] : ["the job had already ended \(before)"])
        }
        if before != "CANCELLING" {
            let response = try await client.cancel(id: id, deadline: deadline)
            if !(200..<300).contains(response.status) {
                // The job ended between the look and the cancel: 1.12 answers 404, 1.20+ 409.
                let now = try await liveState(id, deadline: deadline)
                if JobStatus.terminalStates.contains(now) {
                    return Outcome(jobID: id, state: now, alreadyEnded: true, warnings: now == "CANCELED" ? [] : ["the job ended \(now) before it could be cancelled"])
                }
                _ = try client.expectSuccess(response, "PATCH /jobs/\(id)?mode=cancel")
            }
        }
        let ended = try await untilEnded(id, after: "cancelling", deadline: deadline)
        return Outcome(jobID: id, state: ended, alreadyEnded: false,
                       warnings: ended == "CANCELED" ? [] : ["the job ended \(ended) before it was cancelled"])
    }

    // MARK: stop with savepoint

    /// Stops the job with a savepoint (`drain`: sources end and event time jumps to the end, for
    /// a job that will not be resumed). A job that already FINISHED is reported with its latest
    /// savepoint, so a repeated stop gives the same answer; one that FAILED or was CANCELED has
    /// nothing to stop (exit 3).
    public func stop(_ id: String, directory: String?, drain: Bool, version: FlinkVersion, deadline: ContinuousClock.Instant) async throws(SubmitJobError) -> Outcome {
        let before = try await liveState(id, deadline: deadline)
        if JobStatus.terminalStates.contains(before) {
            // The savepoint of a stop that just happened shows once Flink's copy of the job caught up.
            let (ended, _) = try await inspector.settledStatus(of: id, detail: .checkpoints, clock: clock, deadline: max(deadline, clock.now() + .seconds(5)))
            guard ended.state == "FINISHED" else {
                throw Self.notRunning(id, ended.state, lastSavepoint: ended.lastSavepoint, "there is nothing to stop")
            }
            let savepoint = ended.lastSavepoint?.externalPath
            log("job \(id) had already finished" + (savepoint.map { "; its latest savepoint is \($0)" } ?? " without a savepoint"))
            return Outcome(jobID: id, state: ended.state, alreadyEnded: true, savepoint: savepoint,
                           warnings: savepoint == nil ? ["the job had already finished, and it has no savepoint"] : [])
        }
        let location = try await run(.stop, id: id, version: version, deadline: deadline) { trigger in
            SavepointRequest.stopBody(directory: directory, drain: drain, triggerID: trigger, version: version)
        }
        let ended = try await untilEnded(id, after: "stopping", deadline: deadline)
        return Outcome(jobID: id, state: ended, alreadyEnded: false, savepoint: location, warnings: [])
    }

    // MARK: savepoint

    /// Takes a savepoint of a running job and returns its path; the job goes on running.
    public func savepoint(_ id: String, directory: String?, version: FlinkVersion, deadline: ContinuousClock.Instant) async throws(SubmitJobError) -> Outcome {
        let before = try await liveState(id, deadline: deadline)
        if JobStatus.terminalStates.contains(before) {
            throw await notRunning(id, before, "a savepoint needs a running job", deadline: deadline)
        }
        let location = try await run(.savepoint, id: id, version: version, deadline: deadline) { trigger in
            SavepointRequest.savepointBody(directory: directory, triggerID: trigger, version: version)
        }
        let after = try await liveState(id, deadline: max(deadline, clock.now() + .seconds(5)))
        return Outcome(jobID: id, state: after, alreadyEnded: false, savepoint: location, warnings: [])
    }

    // MARK: Plumbing

    /// Triggers the asynchronous operation and polls it until it completes or fails. From 1.15
    /// the trigger id is ours, and Flink takes a trigger id once (a repeat gets the same
    /// operation, seen live on 1.20 and 2.2): a request whose answer was lost is simply sent
    /// again, never a second savepoint. Before 1.15 a lost answer leaves the outcome unknown.
    func run(_ operation: Operation, id: String, version: FlinkVersion, deadline: ContinuousClock.Instant,
             body: (String?) -> JSONValue) async throws(SubmitJobError) -> String {
        var generator = SystemRandomNumberGenerator()
        let ours = SavepointRequest.acceptsTriggerID(version) ? SubmissionOptions.randomJobID(using: &generator) : nil
        let request = body(ours)
        let trigger: String
        do {
            do {
                // With a trigger id of ours, a lost answer is settled by sending it again: leave that time.
                let first = ours == nil ? deadline : FlinkRESTClient.attemptDeadline(before: deadline, now: clock.now())
                trigger = try await client.trigger(operation.rawValue, id: id, body: request, deadline: first)
            } catch where (error.code == .timedOut || error.code == .unexpectedResponse) && ours != nil {
                log("no answer to the \(operation.name) request of job \(id) (\(error.message)); sending it again with the same trigger id, which Flink takes once")
                trigger = try await client.trigger(operation.rawValue, id: id, body: request, deadline: deadline)
            }
        } catch {
            throw Self.refused(error, id: id, operation: operation)
        }
        let started = clock.now()
        while true {
            let state: FlinkRESTClient.SavepointOperationState?
            do {
                state = try await client.savepointOperation(id: id, trigger: trigger, deadline: deadline)
            } catch where error.code == .timedOut {
                throw Self.stillInProgress(id, trigger: trigger, operation: operation)
            }
            switch state {
            case .completed(let location):
                log("savepoint of job \(id) completed at \(location)")
                return location
            case .failed(let trace):
                // Flink takes a trigger for a job that has just ended, and fails it (1.12–2.2).
                let now = try? await inspector.liveState(of: id, deadline: max(deadline, clock.now() + .seconds(5)))
                if let now, JobStatus.terminalStates.contains(now) {
                    throw await notRunning(id, now, operation == .stop ? "there is nothing to stop" : "a savepoint needs a running job", deadline: deadline)
                }
                throw SubmitJobError(.savepointFailed, "Flink could not take the \(operation.name) of job \(id): \(FlinkErrorText.reason(from: [trace]))",
                    detail: trace, context: [("jobId", .string(id)), ("triggerId", .string(trigger))])
            case nil:
                throw SubmitJobError(.unexpectedResponse, "Flink no longer knows the \(operation.name) operation \(trigger) of job \(id) (it keeps results 5 minutes, and not across a JobManager restart); `submitjob status \(id)` shows the job's latest savepoint",
                    context: [("jobId", .string(id)), ("triggerId", .string(trigger))])
            case .inProgress:
                if clock.now() >= deadline { throw Self.stillInProgress(id, trigger: trigger, operation: operation) }
                await clock.sleep(JobClock.pollInterval(after: started.duration(to: clock.now())), notPast: deadline)
            }
        }
    }

    /// Polls the live state until the job has ended (cancel and stop end it asynchronously).
    func untilEnded(_ id: String, after what: String, deadline: ContinuousClock.Instant) async throws(SubmitJobError) -> String {
        let started = clock.now()
        while true {
            let state: String
            do {
                state = try await liveState(id, deadline: deadline)
            } catch where error.code == .timedOut {
                throw SubmitJobError(.timedOut, "job \(id) was still \(what) at the deadline", context: [("jobId", .string(id))])
            }
            if JobStatus.terminalStates.contains(state) { return state }
            if clock.now() >= deadline {
                throw SubmitJobError(.timedOut, "job \(id) was still \(state) at the deadline (\(what) was requested)",
                    context: [("jobId", .string(id)), ("state", .string(state))])
            }
            await clock.sleep(JobClock.pollInterval(after: started.duration(to: clock.now())), notPast: deadline)
        }
    }

    /// The error for a command that needs a live job, with the job's latest savepoint if it has one.
    func notRunning(_ id: String, _ state: String, _ why: String, deadline: ContinuousClock.Instant) async -> SubmitJobError {
        let settled = try? await inspector.settledStatus(of: id, detail: .checkpoints, clock: clock, deadline: max(deadline, clock.now() + .seconds(5)))
        return Self.notRunning(id, state, lastSavepoint: settled?.0.lastSavepoint, why)
    }

    static func notRunning(_ id: String, _ state: String, lastSavepoint: JobStatus.Checkpoint?, _ why: String) -> SubmitJobError {
        var context: [(String, JSONValue)] = [("jobId", .string(id)), ("state", .string(state))]
        if let savepoint = lastSavepoint?.externalPath { context.append(("lastSavepoint", .string(savepoint))) }
        return SubmitJobError(JobStatus.code(forEnded: state), "job \(id) has already ended (\(state)): \(why)", context: context)
    }

    static func stillInProgress(_ id: String, trigger: String, operation: Operation) -> SubmitJobError {
        SubmitJobError(.timedOut, "the \(operation.name) of job \(id) was still in progress at the deadline; `submitjob status \(id)` shows the savepoint once it completes",
            context: [("jobId", .string(id)), ("triggerId", .string(trigger))])
    }

    /// Flink refusing the trigger itself (no directory given or configured).
    static func refused(_ error: SubmitJobError, id: String, operation: Operation) -> SubmitJobError {
        guard error.code == .flinkRejected else { return error }
        let reason = error.detail.map { FlinkErrorText.reason(from: [$0]) } ?? error.message
        return SubmitJobError(.savepointFailed, "Flink refused the \(operation.name) of job \(id): \(reason)",
            detail: error.detail, context: error.context + [("jobId", .string(id))])
    }
}
