/// Carries out a plan with `bin/flink run -d`. The same exactly-once rule as REST: the plan's job
/// id goes to Flink (`-D$internal.pipeline.job-id`), is looked up over REST before the run, and
/// settles a run that timed out.
public struct CLISubmitter: Sendable {
    public struct Result: Sendable {
        public var jobID: String
        public var flinkVersion: FlinkVersion
        public var alreadySubmitted: Bool
        public var warnings: [String]
    }

    let client: FlinkRESTClient
    let runner: any ProcessRunner
    let locks: any HostLocks
    let log: @Sendable (String) -> Void

    public init(client: FlinkRESTClient, runner: any ProcessRunner, locks: any HostLocks = NoHostLocks(), log: @escaping @Sendable (String) -> Void) {
        self.client = client
        self.runner = runner
        self.locks = locks
        self.log = log
    }

    public func submit(_ plan: SubmissionPlan, command: ProcessCommand, deadline: ContinuousClock.Instant) async throws(SubmitJobError) -> Result {
        guard let jobID = plan.jobID else {
            throw SubmitJobError(.internal, "a CLI submission needs a job id to be exactly-once")
        }
        WorkInProgress.shared.submitting("asking Flink at \(client.baseURL) for its version")
        let version = try await client.config(deadline: deadline).version
        // As over REST: a retry of the same id on this host waits for this one, then finds its job.
        return try await locks.holding("job \(client.baseURL) \(jobID)", deadline: deadline) { (_) async throws(SubmitJobError) -> Result in
            try await submitOnce(command: command, jobID: jobID, version: version, deadline: deadline)
        }
    }

    func submitOnce(command: ProcessCommand, jobID: String, version: FlinkVersion, deadline: ContinuousClock.Instant) async throws(SubmitJobError) -> Result {
        if let existing = try await client.job(id: jobID, deadline: deadline) {
            log("job \(jobID) already exists (\(existing.state)); not submitting it again")
            return Result(jobID: jobID, flinkVersion: version, alreadySubmitted: true, warnings: [])
        }
        log("running \(command.executable) run -d ... (job \(jobID))")
        WorkInProgress.shared.doing("bin/flink run was submitting job \(jobID)")
        WorkInProgress.shared.mayHaveReachedFlink(jobID: jobID)
        // The child is stopped early enough for the settling lookup to fit in the deadline.
        let outcome = try await runner.run(command, deadline: FlinkRESTClient.attemptDeadline(before: deadline))
        switch outcome.termination {
        case .timedOut:
            log("flink run did not finish before the deadline; it was killed. Looking job \(jobID) up")
            let lookup = await client.lookUpJob(id: jobID, by: deadline)
            if lookup == .known {
                let warning = "flink run was killed at the deadline after the job had been submitted"
                return Result(jobID: jobID, flinkVersion: version, alreadySubmitted: false, warnings: [warning])
            }
            throw SubmitJobError(.timedOut, "flink run did not finish before the deadline and was killed; the outcome of job \(jobID) is unknown\(lookup.failureNote). Look it up, or submit again with --job-id \(jobID)",
                detail: Self.detail(outcome), context: [("jobId", .string(jobID))])
        case .exited(0):
            guard let printed = FlinkCLI.submittedJobID(in: outcome.standardOutput) else {
                let lookup = await client.lookUpJob(id: jobID, by: deadline)
                if lookup == .known {
                    return Result(jobID: jobID, flinkVersion: version, alreadySubmitted: false, warnings: ["flink run printed no job id; the job was found by its id"])
                }
                throw SubmitJobError(.unexpectedResponse, "flink run exited with 0 but printed no \"Job has been submitted with JobID\" line, and Flink does not know job \(jobID)\(lookup.failureNote)",
                    detail: Self.detail(outcome), context: [("jobId", .string(jobID))])
            }
            guard printed == jobID else {
                throw SubmitJobError(.unexpectedResponse, "flink run submitted job \(printed), not \(jobID): this Flink ignores \(FlinkCLI.jobIDOption), so a retry could not be recognised",
                    detail: Self.detail(outcome), context: [("jobId", .string(printed))])
            }
            return Result(jobID: jobID, flinkVersion: version, alreadySubmitted: false, warnings: [])
        case .exited(let status), .signaled(let status):
            let signaled = if case .signaled = outcome.termination { true } else { false }
            let failure = FlinkCLI.failureReason(standardError: outcome.standardError, standardOutput: outcome.standardOutput)
            let how = signaled ? "was killed by signal \(status)" : "exited with status \(status)"
            let reason = failure?.reason ?? Self.lastLine(outcome.standardError) ?? "no reason printed"
            // A failure report for a job that runs would invite a retry under a new id, i.e. a
            // second job: whatever the exit status, a job Flink knows is reported as submitted.
            let lookup = await client.lookUpJob(id: jobID, by: deadline)
            if lookup == .known {
                if let failure, FlinkCLI.isDuplicate(failure.trace) {
                    log("Flink already runs job \(jobID); not submitting it again")
                    return Result(jobID: jobID, flinkVersion: version, alreadySubmitted: true, warnings: [])
                }
                return Result(jobID: jobID, flinkVersion: version, alreadySubmitted: false,
                    warnings: ["flink run \(how) after the job had been submitted: \(reason)"])
            }
            throw SubmitJobError(.flinkRejected, "flink run \(how): \(reason)\(lookup.failureNote)", detail: Self.detail(outcome), context: [("jobId", .string(jobID))])
        }
    }

    static func lastLine(_ text: String) -> String? {
        text.split(whereSeparator: \.isNewline).last { !$0.trimmingWhitespace.isEmpty }.map { $0.trimmingWhitespace }
    }

    /// What `--verbose` shows: the child's output (scrubbed of secrets when printed).
    static func detail(_ outcome: ProcessOutcome) -> String? {
        let parts = [("stdout", outcome.standardOutput), ("stderr", outcome.standardError)]
            .filter { !$0.1.trimmingWhitespace.isEmpty }
            .map { "flink run \($0.0):\n\($0.1)" }
        return parts.isEmpty ? nil : parts.joined(separator: "\n")
    }
}
