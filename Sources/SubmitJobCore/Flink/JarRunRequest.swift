/// The body of `POST /jars/:jarid/run`, holding only the fields the cluster's version knows:
/// 1.12–1.19 reject a body with any field they do not know.
public enum JarRunRequest {
    public static func body(for plan: SubmissionPlan, version: FlinkVersion, redacted: Bool = false) -> JSONValue {
        var fields: [(String, JSONValue)] = [
            ("entryClass", .string(SubmissionPlan.entryClass)),
            // Never `programArgs`: Flink splits that string on spaces and strips quotes, and 2.x ignores it.
            ("programArgsList", .array((redacted ? plan.redactedProgramArgs : plan.programArgs).map { .string($0) })),
        ]
        if let parallelism = plan.parallelism { fields.append(("parallelism", .number(parallelism))) }
        if let jobID = plan.jobID { fields.append(("jobId", .string(jobID))) }
        if let savepoint = plan.savepointPath {
            fields.append(("savepointPath", .string(savepoint)))
            fields.append(("allowNonRestoredState", .bool(plan.allowNonRestoredState)))
        }
        if version.honoursClasspathsOverREST, !plan.classpaths.isEmpty {
            fields.append(("flinkConfiguration", .object([("pipeline.classpaths", .string(plan.classpaths.joined(separator: ";")))])))
        }
        return .object(fields)
    }

    /// What a person must know before submitting to this version, if anything.
    public static func warnings(for plan: SubmissionPlan, version: FlinkVersion) -> [String] {
        guard !version.honoursClasspathsOverREST, !plan.classpaths.isEmpty else { return [] }
        return ["Flink \(version) cannot take classpaths over REST (1.20+ can): the \(plan.classpaths.count) plugin jar(s) must already be on the cluster's classpath (chunjun-dist under lib/), or use Flink 1.20+"]
    }
}
