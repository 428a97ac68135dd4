/// Carries out a plan over Flink's REST API: version → plugin mode → the jar to run (the core
/// jar or the plugin bundle, found by the digest in its name, uploaded once) → run.
/// Exactly-once: the plan always carries a job id, so a run whose answer was lost is looked up
/// by that id instead of being sent again.
public struct RESTSubmitter: Sendable {
    public struct Result: Sendable {
        public var jobID: String
        public var flinkVersion: FlinkVersion
        /// Nil when the job already existed and no jar was looked at.
        public var jarID: String?
        public var jarName: String?
        public var uploaded: Bool
        /// How the plugins travelled (`--plugins`, or the version's default).
        public var pluginMode: PluginMode
        /// The job already existed under this id (a retry of a submission that went through).
        public var alreadySubmitted: Bool
        public var warnings: [String]
    }

    let client: FlinkRESTClient
    let fileSystem: any FileSystem
    let bundles: any PluginBundleStore
    let locks: any HostLocks
    let log: @Sendable (String) -> Void
    let progress: @Sendable (_ activity: String, _ done: Int64, _ total: Int64) -> Void

    public init(client: FlinkRESTClient, fileSystem: any FileSystem, bundles: any PluginBundleStore,
                locks: any HostLocks = NoHostLocks(),
                log: @escaping @Sendable (String) -> Void,
                progress: @escaping @Sendable (String, Int64, Int64) -> Void = { _, _, _ in }) {
        self.client = client
        self.fileSystem = fileSystem
        self.bundles = bundles
        self.locks = locks
        self.log = log
        self.progress = progress
    }

    /// The jar a mode runs: its name on the cluster, and its file here (a bundle is built only
    /// when the cluster lacks it).
    public struct RunnableJar: Sendable {
        public var name: String
        /// What the bytes uploaded must hash to: the core jar's digest, which its name carries. A
        /// bundle has none: its cache file only ever appears whole (by rename), and an open
        /// descriptor keeps reading the file it opened.
        var sha256: String?
        let file: @Sendable (ContinuousClock.Instant) throws(SubmitJobError) -> String
    }

    public static func runnableJar(for plan: SubmissionPlan, mode: PluginMode, fileSystem: any FileSystem,
                                   bundles: any PluginBundleStore) throws(SubmitJobError) -> RunnableJar {
        switch mode {
        case .classpaths, .cluster:
            let path = plan.coreJar
            let digest = try fileSystem.sha256(of: path)
            return RunnableJar(name: Self.jarName(forSHA256: digest), sha256: digest, file: { _ in path })
        case .bundle:
            let bundle = plan.bundle
            let name = try bundles.name(of: bundle)
            return RunnableJar(name: name, file: { deadline throws(SubmitJobError) in try bundles.file(of: bundle, named: name, deadline: deadline) })
        }
    }

    /// The name the core jar is uploaded under: its content hash, so `GET /jars` finds it again.
    public static func jarName(forSHA256 digest: String) -> String {
        "\(jarNamePrefix)\(digest.prefix(16)).jar"
    }

    /// A name `jarName` gives: the prefix, 16 lower-case hex digits, `.jar`.
    public static func isJarName(_ name: String) -> Bool { isDigestJarName(name, prefix: jarNamePrefix) }

    static let jarNamePrefix = "chunjun-core-"

    public func submit(_ plan: SubmissionPlan, deadline: ContinuousClock.Instant) async throws(SubmitJobError) -> Result {
        guard let jobID = plan.jobID else {
            throw SubmitJobError(.internal, "a REST submission needs a job id to be exactly-once")
        }
        WorkInProgress.shared.submitting("asking Flink at \(client.baseURL) for its version")
        let cluster = try await client.config(deadline: deadline)
        guard cluster.webSubmit else {
            throw SubmitJobError(.configuration, "Flink at \(client.baseURL) has jar submission turned off (web.submit.enable: false)")
        }
        let mode = try PluginMode.resolve(plan.pluginMode, for: cluster.version)
        // From the lookup to the run's answer: a retry of the same id on this host waits, then
        // finds the job instead of racing it (1.12 would run an ended job's id again).
        return try await locks.holding("job \(client.baseURL) \(jobID)", deadline: deadline) { (_) async throws(SubmitJobError) -> Result in
            try await submitOnce(plan, jobID: jobID, cluster: cluster, mode: mode, deadline: deadline)
        }
    }

    func submitOnce(_ plan: SubmissionPlan, jobID: String, cluster: FlinkRESTClient.ClusterConfig, mode: PluginMode,
                    deadline: ContinuousClock.Instant) async throws(SubmitJobError) -> Result {
        let warnings: [String] = []
        // A retry after the first job ended: 1.12 would start a second job under the same id.
        if let existing = try await client.job(id: jobID, deadline: deadline) {
            log("job \(jobID) already exists (\(existing.state)); not submitting it again")
            return Result(jobID: jobID, flinkVersion: cluster.version, jarID: nil, jarName: nil, uploaded: false,
                pluginMode: mode, alreadySubmitted: true, warnings: warnings)
        }

        let jar = try Self.runnableJar(for: plan, mode: mode, fileSystem: fileSystem, bundles: bundles)
        let jarName = jar.name
        var (jarID, uploaded) = try await findOrUpload(jar, deadline: deadline)
        let body = JarRunRequest.body(for: plan, version: cluster.version, mode: mode)
        var alreadySubmitted = false

        var response = try await runSettlingLostAnswers(jarID: jarID, body: body, jobID: jobID, deadline: deadline)
        if let answer = response, Self.isMissingJar(answer) {
            // The JobManager restarted (or someone deleted the jar) since the lookup: upload again, once.
            log("the jar \(jarID) vanished from the cluster; uploading \(jarName) again")
            jarID = try await upload(jar, deadline: deadline)
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
            pluginMode: mode, alreadySubmitted: alreadySubmitted, warnings: warnings)
    }

    func findOrUpload(_ jar: RunnableJar, deadline: ContinuousClock.Instant) async throws(SubmitJobError) -> (id: String, uploaded: Bool) {
        WorkInProgress.shared.doing("looking for \(jar.name) on Flink")
        if let existing = try await client.jar(named: jar.name, deadline: deadline) { return (existing.id, false) }
        // One upload per jar and cluster on this host: the others wait, then find it.
        return try await locks.holding("upload \(client.baseURL) \(jar.name)", deadline: deadline) { (waited) async throws(SubmitJobError) -> (id: String, uploaded: Bool) in
            if waited, let existing = try await client.jar(named: jar.name, deadline: deadline) { return (existing.id, false) }
            return (try await upload(jar, deadline: deadline), true)
        }
    }

    /// Uploads the jar, then keeps to the earliest copy of its name: another host may have
    /// uploaded the same jar at the same time, and every submitter settles on that one copy
    /// (deleting its own later one), so duplicates do not pile up and prune keeps what runs.
    func upload(_ jar: RunnableJar, deadline: ContinuousClock.Instant) async throws(SubmitJobError) -> String {
        let path = try jar.file(deadline)
        log("uploading \(path) to \(client.baseURL) as \(jar.name)")
        let progress = self.progress
        let activity = "uploading \(jar.name)"
        WorkInProgress.shared.doing(activity)
        let ours = try await client.upload(path: path, as: jar.name, sha256: jar.sha256, deadline: deadline) { done, total in progress(activity, done, total) }
        guard let earliest = try? await client.jar(named: jar.name, deadline: deadline), earliest.id != ours else { return ours }
        log("\(jar.name) was uploaded earlier by another submitter (\(earliest.id)); using that copy and deleting ours (\(ours))")
        do {
            try await client.deleteJar(id: ours, deadline: deadline)
        } catch {
            log("warning: could not delete the duplicate \(ours): \(error.message)")
        }
        return earliest.id
    }

    /// Runs the jar; when the answer is lost (deadline, broken connection) the job id decides:
    /// a job Flink knows means success (nil response), none means the outcome is unknown.
    func runSettlingLostAnswers(jarID: String, body: JSONValue, jobID: String, deadline: ContinuousClock.Instant) async throws(SubmitJobError) -> HTTPResponse? {
        WorkInProgress.shared.doing("waiting for Flink's answer to the run of job \(jobID)")
        WorkInProgress.shared.mayHaveReachedFlink(jobID: jobID)
        let lost: String
        do {
            let answer = try await client.run(jarID: jarID, body: body, deadline: FlinkRESTClient.attemptDeadline(before: deadline))
            // A gateway's 502/504 may come after the request reached the JobManager: as good as no answer.
            guard [502, 503, 504].contains(answer.status) else { return answer }
            lost = "HTTP \(answer.status)\(FlinkRESTClient.gatewayAnswer(answer))"
        } catch where error.code == .timedOut || error.code == .unexpectedResponse {
            lost = error.message
        }
        log("no answer to the run of job \(jobID) (\(lost)); looking the job up")
        let lookup = await client.lookUpJob(id: jobID, by: deadline)
        guard lookup == .known else {
            throw SubmitJobError(.timedOut, "the outcome of submitting job \(jobID) is unknown: \(lost)\(lookup.failureNote). Look it up, or submit again with --job-id \(jobID): Flink refuses a second job with a running job's id",
                context: [("jobId", .string(jobID))])
        }
        return nil
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
