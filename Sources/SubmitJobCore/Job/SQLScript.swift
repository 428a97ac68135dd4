/// A Chunjun SQL job: a plain script whose `CREATE TABLE ... WITH (...)` options name the
/// connectors and formats. Only what submission needs is read; Flink's planner does the rest.
public struct SQLScript: Sendable, Equatable {
    /// A `'key' = 'value'` option of a WITH clause, in script order.
    public struct Option: Sendable, Equatable {
        public var key: String
        public var value: String
        /// Byte range of the value literal, quotes included.
        public var valueRange: Range<Int>
    }

    public var statementCount: Int
    /// Statements that start a job: `INSERT INTO|OVERWRITE ...`, `EXECUTE INSERT ...`,
    /// `EXECUTE STATEMENT SET ...` (a `BEGIN STATEMENT SET; ...; END;` block holds INSERTs itself).
    public var insertCount = 0
    public var options: [Option]
    /// Options inside comments and hints: a commented-out `-- ,'password' = '…'`, a
    /// `/*+ OPTIONS('password' = '…') */`. No connector comes from them, but they are part of
    /// the text `plan` shows, so their secrets are masked too.
    public var commentedOptions: [Option] = []

    /// Chunjun's own connectors end in `-x` (case-insensitive); the rest are Flink's.
    public var chunjunConnectors: [String] {
        unique(options.filter { $0.key.lowercased() == "connector" }.compactMap { Self.stripX($0.value) })
    }

    /// Formats ending in `-x` (`format`, `key.format`, `value.format`) live under `formats/`.
    public var chunjunFormats: [String] {
        let keys = options.filter { $0.key.lowercased() == "format" || $0.key.lowercased().hasSuffix(".format") }
        return unique(keys.compactMap { Self.stripX($0.value) })
    }

    static func stripX(_ value: String) -> String? {
        let v = value.trimmingWhitespace
        guard v.count > 2, v.lowercased().hasSuffix("-x") else { return nil }
        return String(v.dropLast(2))
    }

    private func unique(_ names: [String]) -> [String] {
        var seen = Set<String>()
        return names.filter { seen.insert($0).inserted }
    }

    static func parse(_ text: String) throws(SubmitJobError) -> SQLScript {
        let tokens = try SQLTokenizer.tokenize(text)
        let bytes = Array(text.utf8)
        var statements = 0
        var inserts = 0
        var inStatement = false
        // The first two words of the statement being read, upper case.
        var words: [String] = []
        func endStatement() {
            if inStatement {
                statements += 1
                if words.first == "INSERT" || (words.first == "EXECUTE" && ["INSERT", "STATEMENT"].contains(words.dropFirst().first)) {
                    inserts += 1
                }
            }
            inStatement = false
            words = []
        }
        var commented: [Option] = []
        for token in tokens {
            switch token.kind {
            case .semicolon:
                endStatement()
            case .comment(let body):
                // A comment need not be valid SQL (an apostrophe in prose): read what can be read.
                // From `bytes`: copying the text again for every comment made reading quadratic.
                let inner = String(decoding: bytes[body], as: UTF8.self)
                if let tokens = try? SQLTokenizer.tokenize(inner) {
                    commented += options(in: tokens).map { Option(key: $0.key, value: $0.value, valueRange: body.lowerBound + $0.valueRange.lowerBound..<body.lowerBound + $0.valueRange.upperBound) }
                }
            case .other:
                // Keywords are short; a longer word only holds its place.
                if words.count < 2 {
                    words.append(token.range.count <= 16 ? String(decoding: bytes[token.range], as: UTF8.self).uppercased() : "")
                }
                inStatement = true
            default:
                inStatement = true
                if words.count < 2 { words.append("") }
            }
        }
        endStatement()
        guard statements > 0 else { throw SubmitJobError(.invalidJob, "the SQL job has no statements") }
        // Chunjun runs a script's INSERTs as the job; CREATE statements alone start nothing, and
        // text that is neither JSON nor SQL (prose, a wrong file) lands here too.
        guard inserts > 0 else {
            throw SubmitJobError(.invalidJob, "the job is neither a sync job (a JSON object, starting with '{') nor a SQL job with an INSERT INTO statement (or a statement set): Chunjun would start nothing from its \(statements) statement(s)")
        }
        var script = SQLScript(statementCount: statements, options: options(in: tokens))
        script.insertCount = inserts
        script.commentedOptions = commented
        return script
    }

    /// `'key' = 'value'` pairs; comments between them are ignored, as Flink ignores them.
    private static func options(in tokens: [SQLTokenizer.Token]) -> [Option] {
        let tokens = tokens.filter { if case .comment = $0.kind { false } else { true } }
        var options: [Option] = []
        for (i, token) in tokens.enumerated() {
            if case .string(let key) = token.kind, i + 2 < tokens.count,
                tokens[i + 1].kind == .equals, case .string(let value) = tokens[i + 2].kind {
                options.append(Option(key: key, value: value, valueRange: tokens[i + 2].range))
            }
        }
        return options
    }
}

/// Just enough of Flink SQL's lexical rules to find statements and quoted options: comments
/// (and hints, which are comments to the lexer), `'...'` strings with `''` escapes, quoted
/// identifiers, `;` and `=`.
enum SQLTokenizer {
    struct Token: Equatable {
        enum Kind: Equatable {
            case string(String)
            case semicolon
            case equals
            case other
            /// The byte range of what is inside the comment's markers.
            case comment(Range<Int>)
        }
        var kind: Kind
        var range: Range<Int>
    }

    static func tokenize(_ text: String) throws(SubmitJobError) -> [Token] {
        let bytes = Array(text.utf8)
        var tokens: [Token] = []
        var i = 0
        func position(_ offset: Int) -> TextPosition { TextPosition(of: offset, in: bytes) }
        func quoted(_ quote: UInt8, what: String) throws(SubmitJobError) -> (String, Range<Int>) {
            let start = i
            var value: [UInt8] = []
            i += 1
            while i < bytes.count {
                if bytes[i] == quote {
                    if i + 1 < bytes.count, bytes[i + 1] == quote {
                        value.append(quote)
                        i += 2
                        continue
                    }
                    i += 1
                    return (String(decoding: value, as: UTF8.self), start..<i)
                }
                value.append(bytes[i])
                i += 1
            }
            throw SubmitJobError(.invalidJob, "the SQL job has an unterminated \(what) starting at \(position(start))")
        }
        while i < bytes.count {
            let b = bytes[i]
            switch b {
            case UInt8(ascii: "-") where i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "-"):
                let start = i
                while i < bytes.count, bytes[i] != 0x0A { i += 1 }
                tokens.append(Token(kind: .comment(start + 2..<i), range: start..<i))
            case UInt8(ascii: "/") where i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "*"):
                let start = i
                i += 2
                while i + 1 < bytes.count, !(bytes[i] == UInt8(ascii: "*") && bytes[i + 1] == UInt8(ascii: "/")) { i += 1 }
                guard i + 1 < bytes.count else {
                    throw SubmitJobError(.invalidJob, "the SQL job has an unterminated comment starting at \(position(start))")
                }
                tokens.append(Token(kind: .comment(start + 2..<i), range: start..<i + 2))
                i += 2
            case UInt8(ascii: "'"):
                let (value, range) = try quoted(b, what: "string")
                tokens.append(Token(kind: .string(value), range: range))
            case UInt8(ascii: "`"), UInt8(ascii: "\""):
                let (_, range) = try quoted(b, what: "quoted identifier")
                tokens.append(Token(kind: .other, range: range))
            case UInt8(ascii: ";"):
                tokens.append(Token(kind: .semicolon, range: i..<i + 1))
                i += 1
            case UInt8(ascii: "="):
                tokens.append(Token(kind: .equals, range: i..<i + 1))
                i += 1
            case 0x20, 0x09, 0x0A, 0x0D:
                i += 1
            default:
                let start = i
                while i < bytes.count, !isDelimiter(bytes, i) { i += 1 }
                if i == start { i += 1 }
                tokens.append(Token(kind: .other, range: start..<i))
            }
        }
        return tokens
    }

    private static func isDelimiter(_ bytes: [UInt8], _ i: Int) -> Bool {
        switch bytes[i] {
        case 0x20, 0x09, 0x0A, 0x0D, UInt8(ascii: "'"), UInt8(ascii: "`"), UInt8(ascii: "\""), UInt8(ascii: ";"), UInt8(ascii: "="),
            UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: ","):
            true
        case UInt8(ascii: "-"): i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "-")
        case UInt8(ascii: "/"): i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "*")
        default: false
        }
    }
}
