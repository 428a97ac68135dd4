/// Waits until a job is really running or has finished, polling `GET /jobs/:id` (every 250 ms
/// at first, every 2 s after a minute) and telling people how it goes, at most one line every 5 s.
public struct JobWaiter: Sendable {
    public enum Goal: String, Sendable, CaseIterable {
        /// Every task RUNNING or FINISHED (or the whole job FINISHED).
        case running
        case finished
    }

    public static let progressInterval: Duration = .seconds(5)
    /// How long the cluster may stay unreachable before the wait gives up: a JobManager that
    /// restarts comes back within it, one that was stopped does not.
    public static let unreachableGrace: Duration = .seconds(15)

    let inspector: JobInspector
    let clock: JobClock
    let progress: @Sendable (String) -> Void

    public init(inspector: JobInspector, clock: JobClock = .continuous, progress: @escaping @Sendable (String) -> Void) {
        self.inspector = inspector
        self.clock = clock
        self.progress = progress
    }

    public static func reached(_ goal: Goal, by status: JobStatus) -> Bool {
        switch goal {
        case .running: status.isRunning || status.state == "FINISHED"
        case .finished: status.state == "FINISHED"
        }
    }

    /// The job's full status once `goal` is reached. A job that ends FAILED or CANCELED instead
    /// is `job_failed` / `job_canceled`; the deadline passing is `timed_out`, with the last state.
    public func wait(for id: String, until goal: Goal, deadline: ContinuousClock.Instant) async throws(SubmitJobError) -> JobStatus {
        let started = clock.now()
        var lastProgress: ContinuousClock.Instant?
        var lastLine = ""
        var last: JobStatus?
        var unreachableSince: ContinuousClock.Instant?
        while true {
            let now = clock.now()
            let progressDue = lastProgress.map { $0.duration(to: now) >= Self.progressInterval } ?? true
            do throws(SubmitJobError) {
                let (status, _) = try await inspector.status(of: id, detail: progressDue ? .counters : [], deadline: deadline)
                if unreachableSince != nil { progress("Flink answers again") }
                unreachableSince = nil
                last = status
                if Self.reached(goal, by: status) || status.hasEnded {
                    // The whole status is printed at the end; its final counters, and the reason
                    // of a failure, come from Flink's copy of the job, up to 3 s behind the state.
                    let (final, _) = try await inspector.settledStatus(of: id, clock: clock, deadline: max(deadline, clock.now() + .seconds(5)))
                    if Self.reached(goal, by: final) { return final }
                    throw Self.ended(final)
                }
                if progressDue {
                    let line = status.progressLine
                    if line != lastLine { progress(line) }
                    lastLine = line
                    lastProgress = now
                }
            } catch where error.code == .flinkUnreachable || error.code == .unexpectedResponse {
                // A JobManager going away breaks the poll in flight, then refuses connections; a
                // gateway in front of it answers 502 meanwhile. Polls only read: ride it out.
                let since = unreachableSince ?? now
                if unreachableSince == nil { progress("Flink does not answer (\(error.message)); trying again for \(Self.unreachableGrace)") }
                unreachableSince = since
                if since.duration(to: clock.now()) >= Self.unreachableGrace {
                    throw SubmitJobError(error.code, "Flink stopped answering while job \(id) was \(last?.state ?? "being looked up"): \(error.message)",
                        context: Self.context(id, last), fields: last.map { [("status", .object($0.fields))] } ?? [])
                }
            } catch where error.code == .timedOut {
                throw Self.timedOut(id, goal, last)
            }
            if clock.now() >= deadline { throw Self.timedOut(id, goal, last) }
            await clock.sleep(JobClock.pollInterval(after: started.duration(to: clock.now())), notPast: deadline)
        }
    }

    /// The error for a job that ended other than as waited for.
    static func ended(_ status: JobStatus) -> SubmitJobError {
        let code = JobStatus.code(forEnded: status.state)
        var context = context(status.jobID, status)
        if let cause = status.rootCause { context.append(("rootCause", .string(cause))) }
        let message = switch code {
        case .jobFailed: "job \(status.jobID) failed: \(status.rootCause ?? "Flink gave no reason")"
        case .jobCanceled: "job \(status.jobID) was cancelled"
        default: "job \(status.jobID) ended \(status.state)"
        }
        return SubmitJobError(code, message, context: context, fields: [("status", .object(status.fields))])
    }

    static func timedOut(_ id: String, _ goal: Goal, _ last: JobStatus?) -> SubmitJobError {
        let what = goal == .running ? "running" : "finished"
        return SubmitJobError(.timedOut, "job \(id) was not \(what) before the deadline; last state: \(last.map(\.progressLine) ?? "unknown")",
            context: context(id, last), fields: last.map { [("status", .object($0.fields))] } ?? [])
    }

    static func context(_ id: String, _ status: JobStatus?) -> [(String, JSONValue)] {
        [("jobId", .string(id)), ("state", status.map { .string($0.state) } ?? .null)]
    }
}
