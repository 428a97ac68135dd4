/// Everything a submission sends, decided before anything is sent. A value: `plan` prints it,
/// the REST and CLI submitters carry it out.
public struct SubmissionPlan: Sendable {
    public static let entryClass = "com.dtstack.chunjun.Main"

    public var jobType: JobType
    public var jobName: String
    /// Chunjun's program arguments exactly as sent (the job is inside, URL-encoded).
    public var programArgs: [String]
    /// The same with the job's secrets masked: the only form that is ever printed.
    public var redactedProgramArgs: [String]
    /// Local path of the jar to upload (it carries Main).
    public var coreJar: String
    /// Local paths of the plugin jars.
    public var plugins: [String]
    /// `file://` URLs of the plugin jars as the cluster sees them.
    public var classpaths: [String]
    public var parallelism: Int?
    public var jobID: String?
    public var savepointPath: String?
    public var allowNonRestoredState: Bool
    public var redactor: SecretRedactor
}
