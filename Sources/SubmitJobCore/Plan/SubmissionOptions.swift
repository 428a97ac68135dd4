import Crypto

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
    /// `--plugins`; nil: classpaths on 1.20+, a bundle below.
    public var pluginMode: PluginMode?

    public init() {}

    /// Chunjun's default job name.
    public static let defaultJobName = "Flink_Job"

    /// Flink job ids are 32 hex digits; Flink prints them in lower case.
    public static func normalizedJobID(_ text: String) -> String? {
        let lower = text.lowercased()
        guard lower.count == 32, lower.allSatisfy(\.isHexDigit) else { return nil }
        return lower
    }

    /// The job id for the caller's own key (e.g. the backend's record id): the lower-case hex of
    /// the first 16 bytes of SHA-256 over the key's UTF-8 bytes. A stable contract: a retry with
    /// the same key is the same job id, so it can never start a second job.
    public static func jobID(forIdempotencyKey key: String) -> String {
        SHA256.hash(data: Array(key.utf8)).prefix(16).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    /// A fresh id from the system's generator: submitting with a known id lets a timed-out or
    /// retried submission be looked up instead of repeated (exactly-once).
    public static func randomJobID<G: RandomNumberGenerator>(using generator: inout G) -> String {
        let digits = Array("0123456789abcdef")
        return String((0..<32).map { _ in digits[Int(generator.next() % 16)] })
    }
}
