import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What a SIGINT or SIGTERM must undo and report: the `flink run` process groups still alive,
/// the temporary files being written, and whether a run request may already have reached Flink
/// (then the job id must be in the output, so the caller can settle it). Process-wide, as
/// signals are: the submitters, the process runner and the bundle cache record into `shared`.
public final class WorkInProgress: Sendable {
    public static let shared = WorkInProgress()

    private struct State {
        var activity = "starting"
        /// A submitter is at work (so "nothing was submitted" is worth saying).
        var submitting = false
        /// Set once a run request (REST) or `flink run` may have reached Flink.
        var jobInFlight: String?
        /// Flink took the job (what `submit --wait` is waiting on).
        var jobSubmitted = false
        var processGroups: Set<Int32> = []
        var temporaryFiles: Set<String> = []
    }

    private let state = Mutex(State())

    public init() {}

    /// What the process is doing, for the message should it be stopped now.
    public func doing(_ activity: String) {
        state.withLock { $0.activity = activity }
    }

    /// A submission began: a stop before its run request means no job was sent.
    public func submitting(_ activity: String) {
        state.withLock { $0.activity = activity; $0.submitting = true }
    }

    /// From here on the job may exist on Flink even if no answer comes back.
    public func mayHaveReachedFlink(jobID: String) {
        state.withLock { $0.jobInFlight = jobID }
    }

    /// Flink took the job: a stop from here on leaves it running.
    public func submitted(jobID: String, now activity: String) {
        state.withLock { $0.jobInFlight = jobID; $0.jobSubmitted = true; $0.activity = activity }
    }

    public func started(processGroup: Int32) { _ = state.withLock { $0.processGroups.insert(processGroup) } }
    public func ended(processGroup: Int32) { _ = state.withLock { $0.processGroups.remove(processGroup) } }
    public func writing(_ path: String) { _ = state.withLock { $0.temporaryFiles.insert(path) } }
    public func finished(_ path: String) { _ = state.withLock { $0.temporaryFiles.remove(path) } }

    /// Undoes what can be undone (kills the child groups, removes partial files) and says what was
    /// stopped. After this nothing more is recorded: the process is about to exit.
    public func interrupt(by signal: Int32) -> SubmitJobError {
        let snapshot = state.withLock { current in
            let taken = current
            current.processGroups = []
            current.temporaryFiles = []
            return taken
        }
        for group in snapshot.processGroups { kill(-group, SIGKILL) }
        for path in snapshot.temporaryFiles { unlink(path) }
        let name = signal == SIGINT ? "SIGINT" : signal == SIGTERM ? "SIGTERM" : "signal \(signal)"
        let code: SubmitJobError.Code = signal == SIGINT ? .interrupted : .terminated
        guard let jobID = snapshot.jobInFlight else {
            return SubmitJobError(code, "stopped by \(name) while \(snapshot.activity)\(snapshot.submitting ? "; nothing was submitted" : "")")
        }
        if snapshot.jobSubmitted {
            return SubmitJobError(code, "stopped by \(name) while \(snapshot.activity); job \(jobID) was submitted and goes on running",
                context: [("jobId", .string(jobID))])
        }
        return SubmitJobError(code,
            "stopped by \(name) while \(snapshot.activity); the run request of job \(jobID) may have reached Flink, so the job may be running. Look it up (submitjob status \(jobID)), or submit again with --job-id \(jobID): it is never run twice",
            context: [("jobId", .string(jobID))])
    }
}
