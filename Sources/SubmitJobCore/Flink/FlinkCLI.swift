/// `bin/flink run`: the command line for a plan, and what to read from its output. Pure.
public enum FlinkCLI {
    /// Flink's own switch for the job id of the next submission (`PipelineOptionsInternal`);
    /// `flink run -d` honours it on 1.12 and 1.20 (seen live). It makes a CLI submission
    /// exactly-once the same way as a REST one: look the id up before, and after a timeout.
    public static let jobIDOption = "$internal.pipeline.job-id"

    /// bin/flink speaks to Flink with what its configuration says (security.ssl.rest.*), and
    /// has no way to send a gateway's credentials: refuse those rather than see a 401 from it,
    /// and say that TLS flags reach submitjob's own lookups only.
    public static func check(_ connection: FlinkConnection) throws(SubmitJobError) -> [String] {
        if !connection.credentials.isEmpty {
            throw SubmitJobError(.usage, "--via cli cannot hand gateway credentials (user info in the URL, --header-file, $SUBMITJOB_HEADERS) to bin/flink; submit --via rest instead")
        }
        let flagged = connection.tls.settings.contains { $0.from.hasPrefix("--") }
        return connection.usesTLS && flagged
            ? ["--ca-cert, --client-cert and --insecure apply to submitjob's own REST lookups; bin/flink verifies TLS with the security.ssl.rest.* settings of its configuration"]
            : []
    }

    /// Where the `flink` launcher is in a Flink home.
    public static func launcher(flinkHome: String) -> String {
        PlanBuilder.trimmedRoot(flinkHome) + "/bin/flink"
    }

    /// The command, with the job inside its arguments (Flink takes it nowhere else), and the
    /// same with the job's secrets masked, the only form ever printed.
    public static func command(for plan: SubmissionPlan, flinkHome: String, confDir: String?, endpoint: FlinkEndpoint) -> (command: ProcessCommand, redactedArguments: [String]) {
        func arguments(_ programArgs: [String]) -> [String] {
            var args = ["run", "-d", "-c", SubmissionPlan.entryClass]
            for url in plan.classpaths { args += ["-C", url] }
            if let parallelism = plan.parallelism { args += ["-p", String(parallelism)] }
            if let savepoint = plan.savepointPath {
                args += ["-s", savepoint]
                if plan.allowNonRestoredState { args.append("-n") }
            }
            if let jobID = plan.jobID { args.append("-D\(jobIDOption)=\(jobID)") }
            args += targetArguments(endpoint)
            return args + [plan.coreJar] + programArgs
        }
        var environment: [String: String?] = [:]
        // bin/flink must read the configuration submitjob read, whatever the caller's environment says.
        if let confDir { environment["FLINK_CONF_DIR"] = confDir }
        let command = ProcessCommand(executable: launcher(flinkHome: flinkHome), arguments: arguments(plan.programArgs), environment: environment)
        return (command, arguments(plan.redactedProgramArgs))
    }

    /// With an address from the flag or the environment, `bin/flink` is told it (`-m` is ignored
    /// next to `-t`); one from its own configuration it finds by itself.
    static func targetArguments(_ endpoint: FlinkEndpoint) -> [String] {
        switch endpoint.target {
        case .kubernetesSession(let clusterID, let namespace):
            return ["-t", "kubernetes-session", "-Dkubernetes.cluster-id=\(clusterID)", "-Dkubernetes.namespace=\(namespace)"]
        case .remote:
            guard endpoint.isExplicit, let url = URLParts(endpoint.url) else { return [] }
            var args = ["-t", "remote", "-Drest.address=\(url.host)", "-Drest.port=\(url.port)"]
            if url.https { args.append("-Dsecurity.ssl.rest.enabled=true") }
            if !url.path.isEmpty { args.append("-Drest.path=\(url.path)") }
            return args
        }
    }

    struct URLParts {
        var https: Bool
        var host: String
        var port: Int
        var path: String

        init?(_ url: String) {
            let lower = url.lowercased()
            guard let schemeEnd = url.firstRange(of: "://") else { return nil }
            https = lower.hasPrefix("https://")
            let rest = url[schemeEnd.upperBound...]
            let authority = rest.prefix { $0 != "/" }
            path = rest.dropFirst(authority.count).split(separator: "/").joined(separator: "/")
            if !path.isEmpty { path = "/" + path }
            var hostPart = Substring(authority)
            var portText: Substring?
            if hostPart.hasPrefix("[") {
                guard let close = hostPart.firstIndex(of: "]") else { return nil }
                let after = hostPart[hostPart.index(after: close)...]
                portText = after.hasPrefix(":") ? after.dropFirst() : nil
                hostPart = hostPart[hostPart.index(after: hostPart.startIndex)..<close]
            } else if let colon = hostPart.lastIndex(of: ":") {
                portText = hostPart[hostPart.index(after: colon)...]
                hostPart = hostPart[..<colon]
            }
            guard !hostPart.isEmpty else { return nil }
            host = String(hostPart)
            if let portText {
                guard let port = Int(portText), (1...65535).contains(port) else { return nil }
                self.port = port
            } else {
                port = https ? 443 : 80
            }
        }
    }

    static let submittedMarker = "Job has been submitted with JobID "
    static let failureMarker = "The program finished with the following exception:"

    /// The id in "Job has been submitted with JobID <32 hex>" (stdout), the last one if several.
    public static func submittedJobID(in output: String) -> String? {
        var found: String?
        var rest = Substring(output)
        while let range = rest.firstRange(of: submittedMarker) {
            let id = rest[range.upperBound...].prefix(32)
            if let normalized = SubmissionOptions.normalizedJobID(String(id)) { found = normalized }
            rest = rest[range.upperBound...]
        }
        return found
    }

    /// Flink's reason for a failed `flink run`: the text after "The program finished with the
    /// following exception:", reduced to its innermost cause.
    public static func failureReason(standardError: String, standardOutput: String) -> (reason: String, trace: String)? {
        for text in [standardError, standardOutput] {
            if let range = text.firstRange(of: failureMarker) {
                let trace = String(text[range.upperBound...]).trimmingWhitespace
                return (FlinkErrorText.reason(from: [trace]), trace)
            }
        }
        return nil
    }

    /// A failure that is not a rejection: the job with this id was already submitted.
    public static func isDuplicate(_ trace: String) -> Bool {
        trace.contains("DuplicateJobSubmissionException")
    }
}
