/// Everything a submission sends, decided before anything is sent. A value: `plan` prints it,
/// the REST and CLI submitters carry it out.
public struct SubmissionPlan: Sendable {
    public static let entryClass = "com.dtstack.chunjun.Main"
    /// What Main gets as `-chunjunDistDir` (and a SQL job as `-remoteChunJunDistDir`): a folder
    /// that can exist on no machine. Chunjun 1.12.8's Main, in standalone mode, scans that folder
    /// on the host running main() and appends every plugin jar it finds to `pipeline.jars` as a
    /// bare path, which Flink's executor then fails to parse ("MalformedURLException: no protocol",
    /// seen live on 1.12.5 and 1.20.3). Finding nothing, it loads every plugin through the job's
    /// class loader, which each plugin mode fills: classpaths, the bundle's `lib/`, or Flink's `lib/`.
    public static let distDirForMain = "/dev/null/chunjun-dist"

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
    /// The jar `--plugins bundle` uploads: the core jar's entries and the plugin jars under `lib/`.
    public var bundle: PluginBundle
    /// The caller's `--plugins`; nil lets the cluster's version decide (`PluginMode.resolve`).
    public var pluginMode: PluginMode?
    public var parallelism: Int?
    public var jobID: String?
    public var savepointPath: String?
    public var allowNonRestoredState: Bool
    public var redactor: SecretRedactor
}
