/// The body of `POST /jars/:jarid/run`, holding only the fields the cluster's version knows:
/// 1.12–1.19 reject a body with any field they do not know.
public enum JarRunRequest {
    public static func body(for plan: SubmissionPlan, version: FlinkVersion, mode: PluginMode, redacted: Bool = false) -> JSONValue {
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
        if mode == .classpaths, version.honoursClasspathsOverREST, !plan.classpaths.isEmpty {
            fields.append(("flinkConfiguration", .object([("pipeline.classpaths", .string(plan.classpaths.joined(separator: ";")))])))
        }
        return .object(fields)
    }
}
