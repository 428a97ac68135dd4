/// A strict RFC 8259 parser over UTF-8 bytes. Written here rather than taken from Foundation
/// because submitjob needs three things JSONDecoder does not give: member order, the byte range
/// of every member's value (so secrets can be masked in the job text without re-serialising it),
/// and errors that name a line and column.
public struct JSONParser {
    /// Where a member's value sits in the source, by its path of keys and indices.
    public struct Member: Sendable {
        public var path: [String]
        public var key: String
        public var range: Range<Int>
        public var value: JSONValue
    }

    /// A value and where it stands in the source, with its members or items located too:
    /// what masking needs to reach an item of an array or a part of a string.
    public struct Node: Sendable {
        public var range: Range<Int>
        public var value: JSONValue
        /// Object members with their keys, or array items (key nil), in document order.
        public var children: [(key: String?, node: Node)]

        /// A string whose source has no escapes: its decoded bytes sit at `range` minus the quotes.
        public var isVerbatimString: Bool {
            guard case .string(let s) = value else { return false }
            return s.utf8.count == range.count - 2
        }
    }

    public struct SyntaxError: Error, Equatable, Sendable {
        public var line: Int
        public var column: Int
        public var reason: String
        public var description: String { "line \(line), column \(column): \(reason)" }
    }

    public private(set) var members: [Member] = []
    private let bytes: [UInt8]
    private var pos = 0
    private var depth = 0
    private static let maxDepth = 512
    /// Keys and indices down to the value being read, kept only while `members` is collected:
    /// a path per value, copied, cost time and memory in proportion to size times depth.
    private let collectsMembers: Bool
    private var path: [String] = []

    private init(_ bytes: [UInt8], collectsMembers: Bool) {
        self.bytes = bytes
        self.collectsMembers = collectsMembers
    }

    public static func parse(_ text: String) throws(SyntaxError) -> (value: JSONValue, members: [Member]) {
        var parser = JSONParser(Array(text.utf8), collectsMembers: true)
        let root = try parser.parseDocument()
        return (root.value, parser.members)
    }

    /// The document as a tree of located values.
    public static func parseTree(_ text: String) throws(SyntaxError) -> Node {
        var parser = JSONParser(Array(text.utf8), collectsMembers: false)
        return try parser.parseDocument()
    }

    private mutating func parseDocument() throws(SyntaxError) -> Node {
        skipWhitespace()
        let root = try parseValue()
        skipWhitespace()
        if pos < bytes.count { throw error("unexpected \(describe(bytes[pos])) after the end of the document") }
        return root
    }

    private mutating func parseValue() throws(SyntaxError) -> Node {
        guard pos < bytes.count else { throw error("unexpected end of input, expected a value") }
        let start = pos
        func leaf(_ value: JSONValue) -> Node { Node(range: start..<pos, value: value, children: []) }
        switch bytes[pos] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return leaf(.string(try parseString()))
        case UInt8(ascii: "t"): try expectLiteral("true"); return leaf(.bool(true))
        case UInt8(ascii: "f"): try expectLiteral("false"); return leaf(.bool(false))
        case UInt8(ascii: "n"): try expectLiteral("null"); return leaf(.null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return leaf(try parseNumber())
        case let b: throw error("unexpected \(describe(b)), expected a value")
        }
    }

    private mutating func enter() throws(SyntaxError) {
        depth += 1
        if depth > Self.maxDepth { throw error("nested deeper than \(Self.maxDepth) levels") }
    }

    private mutating func parseObject() throws(SyntaxError) -> Node {
        try enter()
        defer { depth -= 1 }
        let start = pos
        pos += 1
        var result: [(String, JSONValue)] = []
        var children: [(key: String?, node: Node)] = []
        func node() -> Node { Node(range: start..<pos, value: .object(result), children: children) }
        skipWhitespace()
        if peek(UInt8(ascii: "}")) { pos += 1; return node() }
        while true {
            skipWhitespace()
            guard peek(UInt8(ascii: "\"")) else {
                throw error(pos < bytes.count ? "expected a quoted member name, found \(describe(bytes[pos]))" : "unexpected end of input inside an object")
            }
            let key = try parseString()
            skipWhitespace()
            guard peek(UInt8(ascii: ":")) else { throw error("expected ':' after member name \"\(key)\"") }
            pos += 1
            skipWhitespace()
            if collectsMembers { path.append(key) }
            let child = try parseValue()
            if collectsMembers {
                members.append(Member(path: path, key: key, range: child.range, value: child.value))
                path.removeLast()
            }
            result.append((key, child.value))
            children.append((key, child))
            skipWhitespace()
            if peek(UInt8(ascii: ",")) { pos += 1; continue }
            if peek(UInt8(ascii: "}")) { pos += 1; return node() }
            throw error(pos < bytes.count ? "expected ',' or '}' after the value of \"\(key)\", found \(describe(bytes[pos]))" : "unexpected end of input: an object is not closed")
        }
    }

    private mutating func parseArray() throws(SyntaxError) -> Node {
        try enter()
        defer { depth -= 1 }
        let start = pos
        pos += 1
        var items: [JSONValue] = []
        var children: [(key: String?, node: Node)] = []
        func node() -> Node { Node(range: start..<pos, value: .array(items), children: children) }
        skipWhitespace()
        if peek(UInt8(ascii: "]")) { pos += 1; return node() }
        while true {
            skipWhitespace()
            if collectsMembers { path.append(String(items.count)) }
            let child = try parseValue()
            if collectsMembers { path.removeLast() }
            items.append(child.value)
            children.append((nil, child))
            skipWhitespace()
            if peek(UInt8(ascii: ",")) { pos += 1; continue }
            if peek(UInt8(ascii: "]")) { pos += 1; return node() }
            throw error(pos < bytes.count ? "expected ',' or ']' in an array, found \(describe(bytes[pos]))" : "unexpected end of input: an array is not closed")
        }
    }

    private mutating func parseString() throws(SyntaxError) -> String {
        pos += 1
        var scalars = String.UnicodeScalarView()
        var runStart = pos
        func flush(_ end: Int) {
            // Runs without escapes are valid UTF-8 already (the text came from a String).
            scalars.append(contentsOf: String(decoding: bytes[runStart..<end], as: UTF8.self).unicodeScalars)
        }
        while pos < bytes.count {
            let b = bytes[pos]
            if b == UInt8(ascii: "\"") {
                flush(pos)
                pos += 1
                return String(scalars)
            }
            if b < 0x20 { throw error("control character \(describe(b)) inside a string (escape it)") }
            if b == UInt8(ascii: "\\") {
                flush(pos)
                pos += 1
                guard pos < bytes.count else { break }
                let e = bytes[pos]
                pos += 1
                switch e {
                case UInt8(ascii: "\""): scalars.append("\"")
                case UInt8(ascii: "\\"): scalars.append("\\")
                case UInt8(ascii: "/"): scalars.append("/")
                case UInt8(ascii: "b"): scalars.append("\u{08}")
                case UInt8(ascii: "f"): scalars.append("\u{0C}")
                case UInt8(ascii: "n"): scalars.append("\n")
                case UInt8(ascii: "r"): scalars.append("\r")
                case UInt8(ascii: "t"): scalars.append("\t")
                case UInt8(ascii: "u"):
                    var code = try parseHex4()
                    if (0xD800..<0xDC00).contains(code), bytes[pos...].starts(with: [UInt8(ascii: "\\"), UInt8(ascii: "u")]) {
                        pos += 2
                        let low = try parseHex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw error("invalid low surrogate in \\u escape") }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    }
                    // A lone surrogate cannot live in a Swift String; Java would keep it, we replace it.
                    scalars.append(Unicode.Scalar(code) ?? "\u{FFFD}")
                default:
                    pos -= 1
                    throw error("invalid escape \\\(describe(e))")
                }
                runStart = pos
                continue
            }
            pos += 1
        }
        throw error("unexpected end of input inside a string")
    }

    private mutating func parseHex4() throws(SyntaxError) -> UInt32 {
        guard pos + 4 <= bytes.count else { throw error("incomplete \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let b = bytes[pos]
            let digit: UInt8
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = b - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = b - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = b - UInt8(ascii: "A") + 10
            default: throw error("invalid hex digit \(describe(b)) in \\u escape")
            }
            value = value << 4 | UInt32(digit)
            pos += 1
        }
        return value
    }

    private mutating func parseNumber() throws(SyntaxError) -> JSONValue {
        let start = pos
        func digits() -> Int {
            let s = pos
            while pos < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[pos]) { pos += 1 }
            return pos - s
        }
        if peek(UInt8(ascii: "-")) { pos += 1 }
        if peek(UInt8(ascii: "0")) {
            pos += 1
        } else if digits() == 0 {
            throw error("invalid number")
        }
        if peek(UInt8(ascii: ".")) {
            pos += 1
            if digits() == 0 { throw error("invalid number: digits expected after '.'") }
        }
        if peek(UInt8(ascii: "e")) || peek(UInt8(ascii: "E")) {
            pos += 1
            if peek(UInt8(ascii: "+")) || peek(UInt8(ascii: "-")) { pos += 1 }
            if digits() == 0 { throw error("invalid number: digits expected in the exponent") }
        }
        return .number(String(decoding: bytes[start..<pos], as: UTF8.self))
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(SyntaxError) {
        let utf8 = UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
        guard bytes[pos...].starts(with: utf8) else { throw error("unexpected \(describe(bytes[pos])), expected a value") }
        pos += utf8.count
    }

    private func peek(_ b: UInt8) -> Bool { pos < bytes.count && bytes[pos] == b }

    private mutating func skipWhitespace() {
        while pos < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[pos]) { pos += 1 }
    }

    private func describe(_ b: UInt8) -> String {
        switch b {
        case 0x20...0x7E: "'\(Character(Unicode.Scalar(b)))'"
        default: "byte 0x" + String(b, radix: 16, uppercase: true)
        }
    }

    /// An error at the current position.
    private func error(_ reason: String) -> SyntaxError {
        let position = TextPosition(of: pos, in: bytes)
        return SyntaxError(line: position.line, column: position.column, reason: reason)
    }
}
