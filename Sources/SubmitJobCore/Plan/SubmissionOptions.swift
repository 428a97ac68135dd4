/// What the caller decides about a submission, beyond the job itself. Plain values: the
/// executable fills them from flags and the environment, tests write them directly.
public struct SubmissionOptions: Sendable {
    public var jobName: String?
    public var parallelism: Int?
    public var jobID: String?
    public var savepointPath: String?
    public var allowNonRestoredState = false
    /// `--conf KEY=VALUE`, in order; Chunjun's `-confProp`.
    public var conf: [(String, String)] = []
    /// `--param KEY=VALUE`, in order; Chunjun's `-p` (`${KEY}` substitution).
    public var params: [(String, String)] = []
    /// The dist as the JobManager and TaskManagers see it; defaults to the local one.
    public var remoteDistRoot: String?

    public init() {}

    /// Chunjun's default job name.
    public static let defaultJobName = "Flink_Job"

    /// Flink job ids are 32 hex digits; Flink prints them in lower case.
    public static func normalizedJobID(_ text: String) -> String? {
        let lower = text.lowercased()
        guard lower.count == 32, lower.allSatisfy(\.isHexDigit) else { return nil }
        return lower
    }

    /// A fresh id from the system's generator: submitting with a known id lets a timed-out or
    /// retried submission be looked up instead of repeated (exactly-once).
    public static func randomJobID<G: RandomNumberGenerator>(using generator: inout G) -> String {
        let digits = Array("0123456789abcdef")
        return String((0..<32).map { _ in digits[Int(generator.next() % 16)] })
    }
}
