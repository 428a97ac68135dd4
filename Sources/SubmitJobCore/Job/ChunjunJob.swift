/// `-jobType`: Chunjun accepts exactly these lower-case words.
public enum JobType: String, Sendable, CaseIterable {
    case sync
    case sql
}

/// A validated Chunjun job. `text` is kept exactly as read: it is what Flink receives.
public struct ChunjunJob: Sendable {
    public enum Content: Sendable {
        case sync(SyncJob)
        case sql(SQLScript)
    }

    public let text: String
    public let content: Content
    /// Masks this job's secrets in free text; `redactedText` is the job as `plan` shows it,
    /// each secret masked where it stands.
    public let redactor: SecretRedactor
    public let redactedText: String
    /// `${name}` placeholders inside secret values: a `--param` of that name is a secret.
    public let secretPlaceholders: Set<String>

    /// The names that mark secrets in this job and in its options.
    public var secretKeys: SecretKeys { redactor.keys }

    public var type: JobType {
        switch content {
        case .sync: .sync
        case .sql: .sql
        }
    }

    /// Reads a job; without an explicit type, a text whose first character is `{` is a sync job.
    /// `secretKeys` adds the platform's own secret names to the standard ones.
    public init(text: String, type: JobType? = nil, secretKeys: SecretKeys = .standard) throws(SubmitJobError) {
        self.text = text
        let trimmed = text.drop { $0 == "\u{FEFF}" || $0.isWhitespace }
        guard !trimmed.isEmpty else { throw SubmitJobError(.invalidJob, "the job is empty") }
        let secrets: JobSecrets
        switch type ?? (trimmed.first == "{" ? .sync : .sql) {
        case .sync:
            let (job, tree) = try SyncJob.parse(text)
            content = .sync(job)
            secrets = JobSecrets.ofSync(text, tree: tree, keys: secretKeys)
        case .sql:
            let script = try SQLScript.parse(text)
            content = .sql(script)
            secrets = JobSecrets.ofSQL(text, script: script, keys: secretKeys)
        }
        var redactor = SecretRedactor(secrets: secrets.values, keys: secretKeys)
        redactor.add(spelled: secrets.spellings)
        self.redactor = redactor
        redactedText = SecretRedactor.mask(text, secrets.masks.map { ($0.range, $0.replacement) })
        secretPlaceholders = secrets.placeholders
    }

    /// A `--param` or `--conf` value is secret when its key looks secret, or when Chunjun
    /// substitutes it into a secret value of the job (`"password": "${db}"`, `-p db=…`).
    public func isSecretOption(_ key: String) -> Bool {
        secretKeys.isSecret(key) || secretPlaceholders.contains(key)
    }

    /// This job's redactor plus the secrets of its `--param` and `--conf` options: the values of
    /// secret ones, the credentials in the URLs of the others.
    public func redactor(options: [(String, String)]) -> SecretRedactor {
        redactor.adding(options.flatMap { key, value in
            isSecretOption(key) ? [value] : URLCredentials.masking(value, keys: secretKeys).credentials
        })
    }

    /// An option's value as printed: masked when secret, its URL credentials masked otherwise.
    public func printedOption(_ key: String, _ value: String) -> String {
        isSecretOption(key) ? SecretRedactor.mask : URLCredentials.masking(value, keys: secretKeys).masked
    }
}

/// The parts of a sync job (Chunjun's `SyncConf`) that decide how it is submitted.
public struct SyncJob: Sendable, Equatable {
    public var readerName: String
    public var writerName: String
    /// `job.setting.metricPluginConf.pluginName`; Chunjun defaults to prometheus.
    public var metricPluginName: String?
    /// `content[0].restoration.cache.type` / `.ddl.type`: pull in restore and DDL plugins.
    public var restorationCacheType: String?
    public var restorationDDLType: String?

    static func parse(_ text: String) throws(SubmitJobError) -> (SyncJob, JSONParser.Node) {
        let tree: JSONParser.Node
        do {
            tree = try JSONParser.parseTree(text)
        } catch {
            throw SubmitJobError(.invalidJob, "the job is not valid JSON: \(error.description)")
        }
        let root = tree.value

        func require(_ value: JSONValue?, _ path: String, object: Bool = false) throws(SubmitJobError) -> JSONValue {
            guard let value, value != .null else { throw SubmitJobError(.invalidJob, "missing field \(path)") }
            if object, !value.isObject { throw SubmitJobError(.invalidJob, "\(path) must be an object, not \(value.typeName)") }
            return value
        }
        func requireName(_ value: JSONValue?, _ path: String) throws(SubmitJobError) -> String {
            let v = try require(value, path)
            guard let s = v.stringValue else { throw SubmitJobError(.invalidJob, "\(path) must be a string, not \(v.typeName)") }
            guard !s.trimmingWhitespace.isEmpty else { throw SubmitJobError(.invalidJob, "\(path) is empty") }
            return s
        }

        guard root.isObject else { throw SubmitJobError(.invalidJob, "a sync job must be a JSON object, not \(root.typeName)") }
        let job = try require(root["job"], "job", object: true)
        let contentList = try require(job["content"], "job.content")
        guard case .array(let items) = contentList else {
            throw SubmitJobError(.invalidJob, "job.content must be an array, not \(contentList.typeName)")
        }
        guard !items.isEmpty else { throw SubmitJobError(.invalidJob, "job.content is empty") }
        // Chunjun reads only content[0].
        let content = try require(items[0], "job.content[0]", object: true)
        let reader = try require(content["reader"], "job.content[0].reader", object: true)
        let writer = try require(content["writer"], "job.content[0].writer", object: true)
        let readerName = try requireName(reader["name"], "job.content[0].reader.name")
        _ = try require(reader["parameter"], "job.content[0].reader.parameter", object: true)
        let writerName = try requireName(writer["name"], "job.content[0].writer.name")
        _ = try require(writer["parameter"], "job.content[0].writer.parameter", object: true)
        if let transformer = content["transformer"], transformer != .null {
            for side in ["reader", "writer"] {
                _ = try requireName(content[side]?["table"]?["tableName"], "job.content[0].\(side).table.tableName (a transformer needs it)")
            }
        }

        let setting = job["setting"]
        let restoration = content["restoration"]
        let sync = SyncJob(
            readerName: readerName,
            writerName: writerName,
            metricPluginName: setting?["metricPluginConf"]?["pluginName"]?.stringValue,
            restorationCacheType: restoration?["cache"]?["type"]?.stringValue,
            restorationDDLType: restoration?["ddl"]?["type"]?.stringValue
        )

        return (sync, tree)
    }
}

extension StringProtocol {
    var trimmingWhitespace: String {
        // From both ends inward: reversing copied the whole text, for every SQL option.
        guard let first = firstIndex(where: { !$0.isWhitespace }), let last = lastIndex(where: { !$0.isWhitespace }) else { return "" }
        return String(self[first...last])
    }
}
