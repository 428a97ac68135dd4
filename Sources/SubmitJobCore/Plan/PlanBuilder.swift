/// Job + dist listing + options → plan. Pure: no disk, no network, no clock.
public enum PlanBuilder {
    public static func build(job: ChunjunJob, dist: ChunjunDist, options: SubmissionOptions) throws(SubmitJobError) -> SubmissionPlan {
        try validate(options)
        var confProp = deduplicated(options.conf)
        if let savepoint = options.savepointPath {
            // Chunjun's file sinks read this to avoid wiping their target on restore; Flink's own
            // savepoint setting is sent separately (REST savepointPath / CLI -s).
            confProp.removeAll { $0.0.utf8.elementsEqual("execution.savepoint.path".utf8) }
            confProp.append(("execution.savepoint.path", savepoint))
        }
        let resolution = try PluginResolver.resolve(job, in: dist, confProp: confProp)
        let remoteRoot = trimmedRoot(options.remoteDistRoot ?? dist.root)
        let localRoot = trimmedRoot(dist.root)
        let jobName = options.jobName ?? SubmissionOptions.defaultJobName
        let redactor = job.redactor(options: options.conf + options.params)

        func arguments(jobText: String, confProp: [(String, String)], params: [(String, String)]) -> [String] {
            var args = [
                "-job", JavaURLEncoder.encode(jobText),
                "-jobType", job.type.rawValue,
                "-mode", "standalone",
                "-chunjunDistDir", SubmissionPlan.distDirForMain,
            ]
            // Required (non-blank) for SQL jobs in classpath load mode, never opened when absent.
            if job.type == .sql { args += ["-remoteChunJunDistDir", SubmissionPlan.distDirForMain] }
            args += ["-pluginLoadMode", "classpath", "-jobName", jobName]
            if !confProp.isEmpty {
                // Main URL-decodes -confProp, so raw JSON would lose every '+' and '%'.
                let json = JSONValue.object(confProp.map { ($0.0, .string($0.1)) }).serialized()
                args += ["-confProp", JavaURLEncoder.encode(json)]
            }
            if !params.isEmpty {
                args += ["-p", params.map { "\($0.0)=\($0.1)" }.joined(separator: ",")]
            }
            return args
        }
        func masked(_ pairs: [(String, String)]) -> [(String, String)] {
            pairs.map { ($0.0, job.printedOption($0.0, $0.1)) }
        }

        let jars = resolution.classpathJars
        return SubmissionPlan(
            jobType: job.type,
            jobName: jobName,
            programArgs: arguments(jobText: job.text, confProp: confProp, params: deduplicated(options.params)),
            redactedProgramArgs: arguments(jobText: job.redactedText, confProp: masked(confProp), params: masked(deduplicated(options.params))),
            coreJar: "\(localRoot)/\(resolution.coreJar)",
            plugins: jars.map { "\(localRoot)/\($0)" },
            classpaths: jars.map { fileURL("\(remoteRoot)/\($0)") },
            bundle: PluginBundle(coreJar: "\(localRoot)/\(resolution.coreJar)", distRoot: localRoot, jars: jars),
            pluginMode: options.pluginMode,
            parallelism: options.parallelism,
            jobID: options.jobID.flatMap(SubmissionOptions.normalizedJobID),
            savepointPath: options.savepointPath,
            allowNonRestoredState: options.allowNonRestoredState,
            redactor: redactor
        )
    }

    static func validate(_ options: SubmissionOptions) throws(SubmitJobError) {
        if let p = options.parallelism, p < 1 {
            throw SubmitJobError(.usage, "--parallelism must be at least 1, not \(p)")
        }
        if let id = options.jobID, SubmissionOptions.normalizedJobID(id) == nil {
            throw SubmitJobError(.usage, "--job-id must be 32 hex digits, not \"\(id)\"")
        }
        if options.allowNonRestoredState, options.savepointPath == nil {
            throw SubmitJobError(.usage, "--allow-non-restored-state needs --savepoint")
        }
        if let savepoint = options.savepointPath, savepoint.trimmingWhitespace.isEmpty {
            throw SubmitJobError(.usage, "--savepoint is empty")
        }
        if let remote = options.remoteDistRoot, !remote.hasPrefix("/") {
            throw SubmitJobError(.usage, "--remote-chunjun-dist must be an absolute path (it is the path on the Flink nodes), not \"\(remote)\"")
        }
        if let name = options.jobName, name.trimmingWhitespace.isEmpty {
            throw SubmitJobError(.usage, "--name is empty")
        }
        let comma = UInt8(ascii: ","), equals = UInt8(ascii: "=")
        for (key, value) in options.params {
            // Chunjun splits -p on ',' and '=': such characters cannot survive the trip. Bytes, not
            // Characters: a ',' followed by a combining mark is one Character, yet Chunjun splits there.
            if key.isEmpty || key.utf8.contains(comma) || key.utf8.contains(equals) || value.utf8.contains(comma) {
                throw SubmitJobError(.usage, "--param \(key)=...: Chunjun's -p cannot carry ',' in keys or values, or '=' in keys")
            }
        }
        for (key, _) in options.conf where key.trimmingWhitespace.isEmpty {
            throw SubmitJobError(.usage, "--conf needs KEY=VALUE with a non-empty KEY")
        }
    }

    /// Later values of a repeated key win; the key keeps its first position.
    /// The last value of each key. Keys are compared by their bytes, as Java compares them:
    /// Swift's `==` would merge canonically equivalent keys ("\u{FFFD}\u{301}", "\u{FFFD}\u{341}")
    /// that Chunjun reads as two.
    static func deduplicated(_ pairs: [(String, String)]) -> [(String, String)] {
        var result: [(String, String)] = []
        for (key, value) in pairs {
            if let i = result.firstIndex(where: { $0.0.utf8.elementsEqual(key.utf8) }) { result[i].1 = value } else { result.append((key, value)) }
        }
        return result
    }

    static func trimmedRoot(_ path: String) -> String {
        var p = path
        while p.count > 1, p.hasSuffix("/") { p.removeLast() }
        return p
    }

    /// `file://` URL of an absolute path, percent-encoding what a URL or Flink's `;`-separated
    /// `pipeline.classpaths` list cannot carry literally.
    static func fileURL(_ path: String) -> String {
        "file://" + JavaURLEncoder.percentEncoded(path) { b in
            JavaURLEncoder.isAlphanumeric(b) || "/-._~+=@:".utf8.contains(b)
        }
    }
}
