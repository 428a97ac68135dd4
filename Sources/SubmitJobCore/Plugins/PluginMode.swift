/// How a job's plugin jars reach Flink over REST (`--via cli` always passes them as `-C`).
public enum PluginMode: String, Sendable, CaseIterable {
    /// `pipeline.classpaths` in the run request: `file://` URLs the JobManager and every
    /// TaskManager open themselves. Only 1.20+ honour it (1.17–1.19 drop it, 1.12 rejects it).
    case classpaths
    /// One uploaded jar of chunjun-core's entries plus every plugin jar nested under `lib/`:
    /// Flink's jar runner puts those on the job's class path in main() and in the tasks.
    case bundle
    /// chunjun-dist is already on the cluster's class path (under Flink's `lib/`): only the core
    /// jar travels.
    case cluster

    /// What a submission uses when the caller chose nothing.
    public static func defaultMode(for version: FlinkVersion) -> PluginMode {
        version.honoursClasspathsOverREST ? .classpaths : .bundle
    }

    /// The caller's choice (or the default) checked against the cluster's version.
    public static func resolve(_ chosen: PluginMode?, for version: FlinkVersion) throws(SubmitJobError) -> PluginMode {
        let mode = chosen ?? defaultMode(for: version)
        if mode == .classpaths, !version.honoursClasspathsOverREST {
            throw SubmitJobError(.usage, "--plugins classpaths needs Flink 1.20 or later (this cluster is \(version)): use --plugins bundle, or --plugins cluster when chunjun-dist is under the cluster's lib/")
        }
        return mode
    }

    /// `$SUBMITJOB_PLUGINS` or the flag's text.
    public init(parsing text: String) throws(SubmitJobError) {
        guard let mode = PluginMode(rawValue: text.trimmingWhitespace.lowercased()) else {
            throw SubmitJobError(.usage, "--plugins (or $SUBMITJOB_PLUGINS) must be classpaths, bundle or cluster, not \"\(text)\"")
        }
        self = mode
    }
}
