/// The secrets of one job: where they stand in its text, so the job is shown with them masked
/// by position (its bytes sent to Flink stay untouched), and their values, so free text that
/// echoes the job is scrubbed of them.
///
/// A value is secret when
/// - its key is a secret name (`SecretKeys`), at any depth: the whole value, objects included;
/// - it is a credential header inside a header structure (`"header": [{"key": "Cookie",
///   "value": …}]` or `"headers": {"Authorization": …}`), also as JSON inside a SQL option;
/// - it is the credential part of a URL-like string (`URLCredentials`), in any JSON string or
///   SQL option. Only that part is masked when the string has no escapes in the source;
///   otherwise the whole string, since its bytes no longer line up with the decoded value.
/// SQL options whose value is JSON (`'header' = '[…]'`) are read by the same rules.
struct JobSecrets {
    struct Mask {
        var range: Range<Int>
        var replacement: String
    }

    var masks: [Mask] = []
    /// Values as the job means them (JSON escapes decoded, SQL's `''` undone).
    var values: [String] = []
    /// The same values as written in the job where that differs (`"Hunter\u0032"`): Flink
    /// echoes the job's text, so this spelling reaches free text too.
    var spellings: [(value: String, spelling: String)] = []
    /// `${name}` placeholders inside secret values: what Chunjun substitutes there is secret too.
    var placeholders: Set<String> = []

    let keys: SecretKeys
    /// The source text the ranges are offsets into.
    let source: [UInt8]

    static let quotedMask = "\"\(SecretRedactor.mask)\""

    init(keys: SecretKeys, source: [UInt8]) {
        self.keys = keys
        self.source = source
    }

    static func ofSync(_ text: String, tree: JSONParser.Node, keys: SecretKeys) -> JobSecrets {
        var secrets = JobSecrets(keys: keys, source: Array(text.utf8))
        secrets.walk(tree, key: nil)
        return secrets
    }

    static func ofSQL(_ text: String, script: SQLScript, keys: SecretKeys) -> JobSecrets {
        var secrets = JobSecrets(keys: keys, source: Array(text.utf8))
        for option in script.options + script.commentedOptions {
            // No '' inside: the decoded value sits verbatim between the quotes.
            let verbatimAt = option.valueRange.count == option.value.utf8.count + 2 ? option.valueRange.lowerBound + 1 : nil
            if keys.isSecret(option.key) {
                guard !option.value.isEmpty else { continue }
                secrets.masks.append(Mask(range: option.valueRange, replacement: "'\(SecretRedactor.mask)'"))
                secrets.addSecret(option.value)
                continue
            }
            let trimmed = option.value.trimmingWhitespace
            if trimmed.hasPrefix("{") || trimmed.hasPrefix("["), let tree = try? JSONParser.parseTree(option.value) {
                var nested = JobSecrets(keys: keys, source: Array(option.value.utf8))
                if SecretKeys.isHeaderContainer(option.key) { nested.headers(tree) }
                nested.walk(tree, key: nil)
                secrets.merge(nested, at: verbatimAt, wholeRange: option.valueRange, wholeReplacement: "'\(SecretRedactor.mask)'")
            }
            secrets.urlCredentials(in: option.value, verbatimAt: verbatimAt, wholeRange: option.valueRange, wholeReplacement: "'\(SecretRedactor.mask)'")
        }
        return secrets
    }

    /// What each key name is, asked once per name: a job repeats a few names many times (a
    /// column list of 160,000 entries has three), and the question costs microseconds.
    private var kinds: [String: (secret: Bool, headers: Bool)] = [:]

    mutating func walk(_ node: JSONParser.Node, key: String?) {
        if let key {
            let kind = kinds[key] ?? (keys.isSecret(key), SecretKeys.isHeaderContainer(key))
            if kinds.count < 4096 { kinds[key] = kind }
            if kind.secret {
                secret(node)
                return
            }
            if kind.headers { headers(node) }
        }
        if case .string(let s) = node.value {
            urlCredentials(in: s, verbatimAt: node.isVerbatimString ? node.range.lowerBound + 1 : nil, wholeRange: node.range, wholeReplacement: Self.quotedMask)
        }
        for child in node.children { walk(child.node, key: child.key) }
    }

    /// The whole value is secret (null, booleans and empty strings hide nothing).
    mutating func secret(_ node: JSONParser.Node) {
        switch node.value {
        case .null, .bool: return
        case .string(let s) where s.isEmpty: return
        default: break
        }
        masks.append(Mask(range: node.range, replacement: Self.quotedMask))
        addLeaves(node)
    }

    /// Every string and number inside, so a secret object is scrubbed leaf by leaf.
    mutating func addLeaves(_ node: JSONParser.Node) {
        switch node.value {
        case .string(let s):
            addSecret(s)
            if !node.isVerbatimString {
                spellings.append((s, String(decoding: source[node.range.lowerBound + 1..<node.range.upperBound - 1], as: UTF8.self)))
            }
        case .number(let n): addSecret(n)
        default: node.children.forEach { addLeaves($0.node) }
        }
    }

    /// A header structure: an object of headers, a list of such objects, or a list of
    /// `{"key"|"name": <header>, "value": …}` pairs; a string holding one of these as JSON.
    mutating func headers(_ node: JSONParser.Node) {
        switch node.value {
        case .object: headerObject(node)
        case .array: for item in node.children where item.node.value.isObject { headerObject(item.node) }
        case .string(let s):
            guard let tree = try? JSONParser.parseTree(s), !tree.children.isEmpty else { return }
            var nested = JobSecrets(keys: keys, source: Array(s.utf8))
            nested.headers(tree)
            // Inside a JSON string the positions of the inner text are not the source's.
            merge(nested, at: nil, wholeRange: node.range, wholeReplacement: Self.quotedMask)
        default: return
        }
    }

    private mutating func headerObject(_ node: JSONParser.Node) {
        let members = node.children.compactMap { child in child.key.map { (name: SecretKeys.normalised($0), node: child.node) } }
        let name = members.last { ($0.name == "key" || $0.name == "name") && $0.node.value.stringValue != nil }
        if let name, let value = members.last(where: { $0.name == "value" }) {
            if keys.isCredentialHeader(name.node.value.stringValue ?? "") { secret(value.node) }
            return
        }
        for child in node.children { if let key = child.key, keys.isCredentialHeader(key) { secret(child.node) } }
    }

    /// The credential parts of a URL-like value; masked alone when `verbatimAt` locates the
    /// value's bytes in the source, else the whole value at `wholeRange`.
    mutating func urlCredentials(in value: String, verbatimAt: Int?, wholeRange: Range<Int>, wholeReplacement: String) {
        let ranges = URLCredentials.ranges(in: value, keys: keys)
        guard !ranges.isEmpty else { return }
        let bytes = Array(value.utf8)
        for range in ranges {
            let credential = String(decoding: bytes[range], as: UTF8.self)
            addSecret(credential)
            // A percent-encoded credential reaches a driver's messages decoded.
            if let decoded = Self.percentDecoded(credential), decoded != credential { addSecret(decoded) }
        }
        if let offset = verbatimAt {
            masks += ranges.map { Mask(range: offset + $0.lowerBound..<offset + $0.upperBound, replacement: SecretRedactor.mask) }
        } else {
            masks.append(Mask(range: wholeRange, replacement: wholeReplacement))
        }
    }

    /// Adopts what a scan of text nested in this one found: its masks shifted to `offset`
    /// when the nested text sits verbatim there, else one mask over the whole value.
    private mutating func merge(_ nested: JobSecrets, at offset: Int?, wholeRange: Range<Int>, wholeReplacement: String) {
        guard !nested.masks.isEmpty || !nested.values.isEmpty else { return }
        values += nested.values
        spellings += nested.spellings
        placeholders.formUnion(nested.placeholders)
        if let offset {
            masks += nested.masks.map { Mask(range: offset + $0.range.lowerBound..<offset + $0.range.upperBound, replacement: $0.replacement) }
        } else {
            masks.append(Mask(range: wholeRange, replacement: wholeReplacement))
        }
    }

    private mutating func addSecret(_ value: String) {
        values.append(value)
        placeholders.formUnion(Self.placeholders(in: value))
    }

    /// The names in `${name}`, Chunjun's `-p` substitution.
    static func placeholders(in value: String) -> [String] {
        var names: [String] = []
        var rest = Substring(value)
        while let open = rest.firstRange(of: "${") {
            let after = rest[open.upperBound...]
            guard let close = after.firstIndex(of: "}") else { break }
            let name = after[..<close]
            if !name.isEmpty { names.append(String(name)) }
            rest = after[after.index(after: close)...]
        }
        return names
    }

    static func percentDecoded(_ text: String) -> String? {
        let bytes = Array(text.utf8)
        guard bytes.contains(UInt8(ascii: "%")) else { return nil }
        func hex(_ b: UInt8) -> UInt8? {
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): b - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): b - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): b - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "%"), i + 2 < bytes.count, let high = hex(bytes[i + 1]), let low = hex(bytes[i + 2]) {
                out.append(high << 4 | low)
                i += 3
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return String(validating: out, as: UTF8.self)
    }
}
