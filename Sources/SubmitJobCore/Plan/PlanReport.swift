/// What `plan` prints: the whole plan, secrets masked, and the exact REST body for the version.
public enum PlanReport {
    /// The jar the run would use (the core jar, or the bundle) and whether the cluster has it.
    public struct JarStatus: Sendable {
        public var name: String
        /// Nil when the cluster was not asked (`--flink-version`).
        public var present: Bool?
        /// The id of the jar on the cluster when it is there already.
        public var id: String?

        public init(name: String, present: Bool?, id: String?) {
            self.name = name
            self.present = present
            self.id = id
        }
    }

    /// `versionFrom`: `PlanVersion.from`. `warnings`: what a person should know about the plan.
    public static func fields(plan: SubmissionPlan, version: FlinkVersion, versionFrom: String, mode: PluginMode, endpoint: FlinkEndpoint?,
                              jar: JarStatus, warnings: [String] = []) -> [(String, JSONValue)] {
        var fields = common(plan)
        if let endpoint { fields += [("flink", .string(endpoint.url)), ("endpoint", ConfigReport.endpointFields(endpoint))] }
        fields.append(("via", "rest"))
        fields.append(("flinkVersion", .string(version.text)))
        fields.append(("flinkVersionFrom", .string(versionFrom)))
        fields.append(("pluginMode", .string(mode.rawValue)))
        var status: [(String, JSONValue)] = [("name", .string(jar.name)), ("present", jar.present.map { .bool($0) } ?? .null)]
        if let id = jar.id { status.append(("id", .string(id))) }
        if mode == .bundle {
            status.append(("core", .string(plan.bundle.coreJar)))
            status.append(("members", .array(plan.bundle.members.map { .object([("entry", .string($0.entry)), ("path", .string($0.path))]) })))
        }
        fields.append(("jar", .object(status)))
        fields.append(("flinkRequest", JarRunRequest.body(for: plan, version: version, mode: mode, redacted: true)))
        fields.append(("warnings", .array(warnings.map { .string($0) })))
        return fields
    }

    /// `plan --via cli`: the exact command line (secrets masked) and what the child's environment gets.
    /// `version` nil: no `--flink-version` and no dist jar in the installation (bin/flink knows its own).
    public static func cliFields(plan: SubmissionPlan, command: ProcessCommand, redactedArguments: [String], endpoint: FlinkEndpoint,
                                 version: PlanVersion?) -> [(String, JSONValue)] {
        var fields = common(plan)
        fields += [("flink", .string(endpoint.url)), ("endpoint", ConfigReport.endpointFields(endpoint))]
        fields.append(("via", "cli"))
        fields.append(("flinkVersion", version.map { .string($0.version.text) } ?? .null))
        fields.append(("flinkVersionFrom", version.map { .string($0.from) } ?? .null))
        fields.append(("command", .array(([command.executable] + redactedArguments).map { .string($0) })))
        fields.append(("environment", .object(command.environment.sorted { $0.key < $1.key }.map { ($0.key, $0.value.map { .string($0) } ?? .null) })))
        return fields
    }

    static func common(_ plan: SubmissionPlan) -> [(String, JSONValue)] {
        var fields: [(String, JSONValue)] = [
            ("jobType", .string(plan.jobType.rawValue)),
            ("jobName", .string(plan.jobName)),
            ("entryClass", .string(SubmissionPlan.entryClass)),
            ("programArgs", .array(plan.redactedProgramArgs.map { .string($0) })),
            ("coreJar", .string(plan.coreJar)),
            ("plugins", .array(plan.plugins.map { .string($0) })),
            ("classpaths", .array(plan.classpaths.map { .string($0) })),
        ]
        if let jobID = plan.jobID { fields.append(("jobId", .string(jobID))) }
        return fields
    }
}

extension CLISubmitter.Result {
    public func fields(plan: SubmissionPlan, endpoint: FlinkEndpoint) -> [(String, JSONValue)] {
        [
            ("jobId", .string(jobID)),
            ("flinkVersion", .string(flinkVersion.text)),
            ("jobName", .string(plan.jobName)),
            ("jobType", .string(plan.jobType.rawValue)),
            ("flink", .string(endpoint.url)),
            ("via", "cli"),
            ("alreadySubmitted", .bool(alreadySubmitted)),
            ("warnings", .array(warnings.map { .string($0) })),
        ]
    }
}

extension RESTSubmitter.Result {
    public func fields(plan: SubmissionPlan, flinkURL: String) -> [(String, JSONValue)] {
        [
            ("jobId", .string(jobID)),
            ("flinkVersion", .string(flinkVersion.text)),
            ("jar", jarID.map { .object([("id", .string($0)), ("name", .string(jarName ?? "")), ("uploaded", .bool(uploaded))]) } ?? .null),
            ("jobName", .string(plan.jobName)),
            ("jobType", .string(plan.jobType.rawValue)),
            ("flink", .string(flinkURL)),
            ("via", "rest"),
            ("pluginMode", .string(pluginMode.rawValue)),
            ("alreadySubmitted", .bool(alreadySubmitted)),
            ("warnings", .array(warnings.map { .string($0) })),
        ]
    }
}
