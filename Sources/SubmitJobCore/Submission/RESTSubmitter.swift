/// Carries out a plan over Flink's REST API: version → core jar (found by content, uploaded
/// once) → run. Exactly-once: the plan always carries a job id, so a run whose answer was lost
/// is looked up by that id instead of being sent again.
public struct RESTSubmitter: Sendable {
    public struct Result: Sendable {
        public var jobID: String
        public var flinkVersion: FlinkVersion
        /// Nil when the job already existed and no jar was looked at.
        public var jarID: String?
        public var jarName: String?
        public var uploaded: Bool
        /// The job already existed under this id (a retry of a submission that went through).
        public var alreadySubmitted: Bool
        public var warnings: [String]
    }

    let client: FlinkRESTClient
    let fileSystem: any FileSystem
    let log: @Sendable (String) -> Void

    public init(client: FlinkRESTClient, fileSystem: any FileSystem, log: @escaping @Sendable (String) -> Void) {
        self.client = client
        self.fileSystem = fileSystem
        self.log = log
    }

    /// The name the core jar is uploaded under: its content hash, so `GET /jars` finds it again.
    public static func jarName(forSHA256 digest: String) -> String {
        "\(jarNamePrefix)\(digest.prefix(16)).jar"
    }

    /// A name `jarName` gives: the prefix, 16 lower-case hex digits, `.jar`.
    public static func isJarName(_ name: String) -> Bool {
        guard name.hasPrefix(jarNamePrefix), name.hasSuffix(".jar") else { return false }
        let digest = name.dropFirst(jarNamePrefix.count).dropLast(".jar".count)
        return digest.count == 16 && digest.allSatisfy { ("0"..."9").contains($0) || ("a"..."f").contains($0) }
    }

    static let jarNamePrefix = "chunjun-core-"

    public func submit(_ plan: SubmissionPlan, deadline: ContinuousClock.Instant) async throws(SubmitJobError) -> Result {
        guard let jobID = plan.jobID else {
            throw SubmitJobError(.internal, "a REST submission needs a job id to be exactly-once")
        }
        let cluster = try await client.config(deadline: deadline)
        guard cluster.webSubmit else {
            throw SubmitJobError(.configuration, "Flink at \(client.baseURL) has jar submission turned off (web.submit.enable: false)")
        }
        let warnings = JarRunRequest.warnings(for: plan, version: cluster.version)
        warnings.forEach(log)
        // A retry after the first job ended: 1.12 would start a second job under the same id.
        if let existing = try await client.job(id: jobID, deadline: deadline) {
            log("job \(jobID) already exists (\(existing.state)); not submitting it again")
            return Result(jobID: jobID, flinkVersion: cluster.version, jarID: nil, jarName: nil, uploaded: false,
                alreadySubmitted: true, warnings: warnings)
        }

        let jarName = Self.jarName(forSHA256: try fileSystem.sha256(of: plan.coreJar))
        var (jarID, uploaded) = try await findOrUpload(plan.coreJar, as: jarName, deadline: deadline)
        let body = JarRunRequest.body(for: plan, version: cluster.version)
        var alreadySubmitted = false

        var response = try await runSettlingLostAnswers(jarID: jarID, body: body, jobID: jobID, deadline: deadline)
        if let answer = response, Self.isMissingJar(answer) {
            // The JobManager restarted (or someone deleted the jar) since the lookup: upload again, once.
            log("the core jar \(jarID) vanished from the cluster; uploading it again")
            jarID = try await client.upload(path: plan.coreJar, as: jarName, deadline: deadline)
            uploaded = true
            response = try await runSettlingLostAnswers(jarID: jarID, body: body, jobID: jobID, deadline: deadline)
        }
        if let answer = response, !(200..<300).contains(answer.status) {
            let errors = FlinkErrorText.errors(in: answer.body)
            if FlinkErrorText.contains(errors, "DuplicateJobSubmissionException") {
                guard try await client.job(id: jobID, deadline: deadline) != nil else {
                    throw SubmitJobError(.flinkRejected, "Flink says job \(jobID) was already submitted but does not list it (it may have ended on Flink 2.x, which remembers ended ids)",
                        detail: errors.joined(separator: "\n"), context: [("jobId", .string(jobID))])
                }
                alreadySubmitted = true
            } else {
                _ = try client.expectSuccess(answer, "the job")
            }
        } else if let answer = response {
            let json = try client.json(answer, "POST /jars/\(jarID)/run")
            guard let returned = json["jobid"]?.stringValue, returned == jobID else {
                throw SubmitJobError(.unexpectedResponse, "Flink answered the run with job id \(json["jobid"]?.stringValue ?? "none"), not \(jobID)",
                    context: [("jobId", .string(jobID))])
            }
        }
        return Result(jobID: jobID, flinkVersion: cluster.version, jarID: jarID, jarName: jarName, uploaded: uploaded,
            alreadySubmitted: alreadySubmitted, warnings: warnings)
    }

    func findOrUpload(_ path: String, as name: String, deadline: ContinuousClock.Instant) async throws(SubmitJobError) -> (id: String, uploaded: Bool) {
        let existing = try await client.jars(deadline: deadline).filter { $0.name == name }.max { $0.uploaded < $1.uploaded }
        if let existing { return (existing.id, false) }
        log("uploading \(path) to \(client.baseURL) as \(name)")
        return (try await client.upload(path: path, as: name, deadline: deadline), true)
    }

    /// Runs the jar; when the answer is lost (deadline, broken connection) the job id decides:
    /// a job Flink knows means success (nil response), none means the outcome is unknown.
    func runSettlingLostAnswers(jarID: String, body: JSONValue, jobID: String, deadline: ContinuousClock.Instant) async throws(SubmitJobError) -> HTTPResponse? {
        do {
            return try await client.run(jarID: jarID, body: body, deadline: deadline)
        } catch where error.code == .timedOut || error.code == .unexpectedResponse {
            log("no answer to the run of job \(jobID) (\(error.message)); looking the job up")
            guard await client.knowsJob(id: jobID, settlingAfter: deadline) else {
                throw SubmitJobError(.timedOut, "the outcome of submitting job \(jobID) is unknown: \(error.message). Look it up, or submit again with --job-id \(jobID): Flink refuses a second job with a running job's id",
                    context: [("jobId", .string(jobID))])
            }
            return nil
        }
    }

    /// Flink's words when the jar id is unknown: "Jar file /.../flink-web-upload/<id> does not exist" (1.12, 1.20).
    static func isMissingJar(_ response: HTTPResponse) -> Bool {
        // 1.12 and 1.20 both answer 500 "Internal server error." with the RestHandlerException inside.
        guard [400, 404, 500].contains(response.status) else { return false }
        let text = FlinkErrorText.errors(in: response.body).joined(separator: "\n").lowercased()
        return text.contains("jar file") && (text.contains("does not exist") || text.contains("not found"))
            || text.contains("could not find jar")
    }
}
