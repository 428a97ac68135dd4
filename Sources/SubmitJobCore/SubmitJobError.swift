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

        /// Exit statuses follow sysexits(3) where one fits, so shell callers can branch on them.
        public var exitStatus: Int32 {
            switch self {
            case .flinkRejected: 1
            case .usage: 64
            case .invalidJob: 65
            case .missingFile, .missingPlugin: 66
            case .flinkUnreachable: 69
            case .internal: 70
            case .timedOut: 75
            case .unexpectedResponse: 76
            case .authenticationRejected: 77
            case .configuration: 78
            }
        }
    }

    public var code: Code
    public var message: String
    public var detail: String?
    /// Extra machine-readable facts for the JSON error (e.g. the job id whose outcome is unknown).
    public var context: [(String, JSONValue)]

    public init(_ code: Code, _ message: String, detail: String? = nil, context: [(String, JSONValue)] = []) {
        self.code = code
        self.message = message
        self.detail = detail
        self.context = context
    }

    public static func == (lhs: SubmitJobError, rhs: SubmitJobError) -> Bool {
        lhs.code == rhs.code && lhs.message == rhs.message && lhs.detail == rhs.detail
            && lhs.context.map(\.0) == rhs.context.map(\.0) && lhs.context.map(\.1) == rhs.context.map(\.1)
    }
}
