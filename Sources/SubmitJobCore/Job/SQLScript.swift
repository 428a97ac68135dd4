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
    public var options: [Option]

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
        var statements = 0
        var inStatement = false
        var options: [Option] = []
        for (i, token) in tokens.enumerated() {
            switch token.kind {
            case .semicolon:
                if inStatement { statements += 1 }
                inStatement = false
            default:
                inStatement = true
            }
            if case .string(let key) = token.kind, i + 2 < tokens.count,
                tokens[i + 1].kind == .equals, case .string(let value) = tokens[i + 2].kind {
                options.append(Option(key: key, value: value, valueRange: tokens[i + 2].range))
            }
        }
        if inStatement { statements += 1 }
        guard statements > 0 else { throw SubmitJobError(.invalidJob, "the SQL job has no statements") }
        return SQLScript(statementCount: statements, options: options)
    }
}

/// Just enough of Flink SQL's lexical rules to find statements and quoted options: comments,
/// `'...'` strings with `''` escapes, quoted identifiers, `;` and `=`.
enum SQLTokenizer {
    struct Token: Equatable {
        enum Kind: Equatable {
            case string(String)
            case semicolon
            case equals
            case other
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
                while i < bytes.count, bytes[i] != 0x0A { i += 1 }
            case UInt8(ascii: "/") where i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "*"):
                let start = i
                i += 2
                while i + 1 < bytes.count, !(bytes[i] == UInt8(ascii: "*") && bytes[i + 1] == UInt8(ascii: "/")) { i += 1 }
                guard i + 1 < bytes.count else {
                    throw SubmitJobError(.invalidJob, "the SQL job has an unterminated comment starting at \(position(start))")
                }
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
