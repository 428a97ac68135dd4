/// The one error type of submitjob: a machine-readable code, a one-line message for people,
/// and optional detail (e.g. Flink's whole stack trace) that is shown only with `--verbose`.
public struct SubmitJobError: Error, Equatable, Sendable {
    public enum Code: String, Sendable, CaseIterable {
        case flinkRejected = "flink_rejected"
        case usage
        case invalidJob = "invalid_job"
        case missingFile = "missing_file"
        case missingPlugin = "missing_plugin"
        case flinkUnreachable = "flink_unreachable"
        case `internal`
        case timedOut = "timed_out"
        case unexpectedResponse = "unexpected_response"
        case authenticationRejected = "authentication_rejected"
        case configuration
        /// The job ended FAILED while it was waited for, or a command needs it alive.
        case jobFailed = "job_failed"
        /// The job ended CANCELED while it was waited for, or a command needs it alive.
        case jobCanceled = "job_canceled"
        /// The job ended (FINISHED) and the command needs a running job (a savepoint).
        case jobNotRunning = "job_not_running"
        /// Flink does not know the job id.
        case jobNotFound = "job_not_found"
        /// Flink could not take the savepoint (no directory, a task not running, storage errors).
        case savepointFailed = "savepoint_failed"
        /// The TLS handshake with Flink (or its gateway) failed: untrusted, expired or misnamed
        /// certificate, our client certificate refused. Nothing was sent; a retry will not help.
        case tlsFailed = "tls_failed"
        /// A jar changed on disk while it was uploaded (an install under way); nothing was stored.
        case jarChanged = "jar_changed"
        /// SIGINT stopped the command (exit 128 + the signal, as shells say).
        case interrupted
        /// SIGTERM stopped the command.
        case terminated

        /// Exit statuses follow sysexits(3) where one fits, so shell callers can branch on them.
        public var exitStatus: Int32 {
            switch self {
            case .flinkRejected, .savepointFailed: 1
            // The job is not in the state the command needs: the caller decides, not a retry.
            case .jobFailed, .jobCanceled, .jobNotRunning: 3
            case .jobNotFound: 4
            case .usage: 64
            case .invalidJob: 65
            case .missingFile, .missingPlugin: 66
            case .flinkUnreachable: 69
            case .internal: 70
            // Temporary either way: the same command (with the same --job-id) may be run again.
            case .timedOut, .jarChanged: 75
            case .unexpectedResponse: 76
            case .authenticationRejected: 77
            case .configuration: 78
            // Past sysexits' range: no code there means "the peer's identity was not accepted".
            case .tlsFailed: 79
            case .interrupted: 130
            case .terminated: 143
            }
        }
    }

    public var code: Code
    public var message: String
    public var detail: String?
    /// Extra machine-readable facts for the JSON error (e.g. the job id whose outcome is unknown).
    public var context: [(String, JSONValue)]
    /// Fields of the failure document beside `ok` and `error`: what was done before the failure
    /// (`submit --wait`: the submission) and the job's last status.
    public var fields: [(String, JSONValue)]

    public init(_ code: Code, _ message: String, detail: String? = nil, context: [(String, JSONValue)] = [], fields: [(String, JSONValue)] = []) {
        self.code = code
        self.message = message
        self.detail = detail
        self.context = context
        self.fields = fields
    }

    public static func == (lhs: SubmitJobError, rhs: SubmitJobError) -> Bool {
        lhs.code == rhs.code && lhs.message == rhs.message && lhs.detail == rhs.detail
            && lhs.context.map(\.0) == rhs.context.map(\.0) && lhs.context.map(\.1) == rhs.context.map(\.1)
            && JSONValue.object(lhs.fields) == JSONValue.object(rhs.fields)
    }
}
