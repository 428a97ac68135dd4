/// The Flink version `plan` plans for, and where it came from: `--flink-version`, else the
/// cluster, else the local installation's `lib/flink-dist*.jar` when the cluster cannot be
/// reached (a Kubernetes session planned from outside it, a cluster that is down).
public struct PlanVersion: Sendable, Equatable {
    public enum Source: Sendable, Equatable {
        case flag
        case cluster
        /// The installation's dist jar, by path.
        case installation(jar: String)
    }

    public var version: FlinkVersion
    public var source: Source
    /// Why the version is not the cluster's own, for stderr and the plan's `warnings`.
    public var warning: String?

    public init(_ version: FlinkVersion, source: Source, warning: String? = nil) {
        self.version = version
        self.source = source
        self.warning = warning
    }

    /// `flinkVersionFrom` in the plan.
    public var from: String {
        switch source {
        case .flag: "--flink-version"
        case .cluster: "cluster"
        case .installation(let jar): jar
        }
    }

    /// After asking the cluster for its version failed with `error`. Only a cluster that cannot
    /// be reached (refused, no such host, no answer in time) falls back to the installation: a
    /// cluster that answered wrongly or refused our credentials is an error the plan must show.
    public static func afterClusterFailed(_ error: SubmitJobError, installation: FlinkInstallation) throws(SubmitJobError) -> PlanVersion {
        guard [.flinkUnreachable, .timedOut].contains(error.code) else { throw error }
        guard let version = installation.version, let jar = installation.versionJar else {
            var unknown = error
            unknown.message += "; and no Flink version to plan for: give --flink-version (e.g. --flink-version 1.20.3), or --flink-home of a Flink installation whose lib/ has flink-dist*.jar (\(installation.home.value)/lib has none)"
            throw unknown
        }
        return PlanVersion(version, source: .installation(jar: jar),
                           warning: "\(error.message); planned for Flink \(version.text) of \(jar), and whether the cluster has the jar is unknown")
    }
}
