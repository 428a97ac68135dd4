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
    /// Masks this job's secrets in anything printed; `redactedText` is the job as `plan` shows it.
    public let redactor: SecretRedactor
    public let redactedText: String

    public var type: JobType {
        switch content {
        case .sync: .sync
        case .sql: .sql
        }
    }

    /// Reads a job; without an explicit type, a text whose first character is `{` is a sync job.
    public init(text: String, type: JobType? = nil) throws(SubmitJobError) {
        self.text = text
        let trimmed = text.drop { $0 == "\u{FEFF}" || $0.isWhitespace }
        guard !trimmed.isEmpty else { throw SubmitJobError(.invalidJob, "the job is empty") }
        switch type ?? (trimmed.first == "{" ? .sync : .sql) {
        case .sync:
            let (job, secretRanges, secrets) = try SyncJob.parse(text)
            content = .sync(job)
            redactor = SecretRedactor(secrets: secrets)
            redactedText = SecretRedactor.mask(text, ranges: secretRanges, with: "\"\(SecretRedactor.mask)\"")
        case .sql:
            let script = try SQLScript.parse(text)
            content = .sql(script)
            redactor = SecretRedactor(secrets: script.secretValues)
            redactedText = SecretRedactor.mask(text, ranges: script.secretRanges, with: "'\(SecretRedactor.mask)'")
        }
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

    static func parse(_ text: String) throws(SubmitJobError) -> (SyncJob, [Range<Int>], [String]) {
        let parsed: (value: JSONValue, members: [JSONParser.Member])
        do {
            parsed = try JSONParser.parse(text)
        } catch {
            throw SubmitJobError(.invalidJob, "the job is not valid JSON: \(error.description)")
        }
        let root = parsed.value

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

        var ranges: [Range<Int>] = []
        var secrets: [String] = []
        for member in parsed.members where SecretRedactor.isSecretKey(member.key) {
            guard !member.value.isEmptySecret else { continue }
            ranges.append(member.range)
            secrets.append(contentsOf: member.value.leafTexts)
        }
        return (sync, ranges, secrets)
    }
}

extension JSONValue {
    /// Null, booleans and empty strings hide nothing; masking them would only confuse.
    fileprivate var isEmptySecret: Bool {
        switch self {
        case .null, .bool: true
        case .string(let s): s.isEmpty
        default: false
        }
    }

    /// Every string and number inside, so a secret object is scrubbed leaf by leaf from messages.
    fileprivate var leafTexts: [String] {
        switch self {
        case .string(let s), .number(let s): [s]
        case .array(let items): items.flatMap(\.leafTexts)
        case .object(let members): members.flatMap(\.1.leafTexts)
        case .null, .bool: []
        }
    }
}

extension StringProtocol {
    var trimmingWhitespace: String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
