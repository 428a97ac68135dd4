// JSONParser, differential against Foundation's JSONSerialization: the same accept/reject and
// the same values. Each known, intended difference is named below with why; any other
// difference traps, so libFuzzer reports it with the input.
import Foundation
import SubmitJobCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let text = String(validating: bytes, as: UTF8.self) else {
        // Intended: submitjob refuses a job that is not UTF-8 before it parses it (readJob), and
        // JSONParser takes a String. The repaired text must still parse without a crash.
        _ = try? JSONParser.parse(String(decoding: bytes, as: UTF8.self))
        return 0
    }
    let ours: JSONValue?
    do {
        let parsed = try JSONParser.parse(text)
        ours = parsed.value
        checkInvariants(parsed.value, members: parsed.members, text: text, bytes: bytes)
    } catch {
        ours = nil
        check(error.line >= 1 && error.column >= 1, "error position \(error.description)")
    }

    // Intended: a raw NUL is never JSON outside or inside a string, and JSONSerialization reads
    // such input as UTF-16/32 (it guesses the encoding from NULs in the first bytes).
    if bytes.contains(0) { check(ours == nil, "accepted a raw NUL"); return 0 }
    // Intended: RFC 8259 lets a parser skip a byte order mark; JSONSerialization does, JSONParser
    // does not (U+FEFF is not JSON whitespace).
    if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { check(ours == nil, "accepted a BOM"); return 0 }
    // Intended: JSONSerialization tolerates a trailing comma ("[1,]", "{\"a\":1,}"); RFC 8259
    // and Gson's strict mode do not.
    if hasTrailingComma(bytes) { check(ours == nil, "accepted a trailing comma"); return 0 }

    let theirs = try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
    guard let ours else {
        check(theirs == nil, "JSONParser rejected what JSONSerialization accepts")
        return 0
    }
    guard let theirs else {
        // Intended: JSONParser keeps a lone surrogate escape as U+FFFD (Java would keep the
        // surrogate itself; a Swift String cannot); JSONSerialization rejects it.
        if hasLoneSurrogateEscape(bytes) { return 0 }
        // Intended: numbers stay their literal text (Gson converts them for the field that reads
        // them); JSONSerialization rejects what a Double cannot hold.
        if containsNumber(ours, where: { !(Double($0)?.isFinite ?? false) }) { return 0 }
        trap("JSONParser accepted what JSONSerialization rejects")
    }
    if hasLoneSurrogateEscape(bytes) { trap("JSONSerialization accepted a lone surrogate") }
    compare(ours, theirs, path: "$")
    return 0
}

// MARK: - Comparison

func compare(_ ours: JSONValue, _ theirs: Any, path: String) {
    switch ours {
    case .null:
        check(theirs is NSNull, "\(path): null vs \(theirs)")
    case .bool(let b):
        check(isBoolean(theirs) && (theirs as? NSNumber)?.boolValue == b, "\(path): \(b) vs \(theirs)")
    case .string(let s):
        guard let t = theirs as? String else { trap("\(path): string vs \(type(of: theirs))") }
        check(Array(s.unicodeScalars) == Array(t.unicodeScalars), "\(path): \(s.debugDescription) vs \(t.debugDescription)")
    case .number(let literal):
        guard let n = theirs as? NSNumber, !isBoolean(theirs) else { trap("\(path): number vs \(type(of: theirs))") }
        check(sameNumber(literal, n), "\(path): \(literal) vs \(n)")
    case .array(let items):
        guard let t = theirs as? [Any] else { trap("\(path): array vs \(type(of: theirs))") }
        check(items.count == t.count, "\(path): \(items.count) items vs \(t.count)")
        for (i, (a, b)) in zip(items, t).enumerated() { compare(a, b, path: "\(path)[\(i)]") }
    case .object(let members):
        guard let t = theirs as? [String: Any] else { trap("\(path): object vs \(type(of: theirs))") }
        // Intended: JSONParser keeps every member in order (masking needs each one's place);
        // a reader takes the last of duplicate keys, as Gson and JSONSerialization do.
        // Keys compare as Swift Strings here, by canonical equivalence, because JSONSerialization's
        // dictionary does ("é" and "e\u{301}" are one key to it, two to Java); each of its keys
        // must still be one of ours scalar for scalar.
        var last: [String: JSONValue] = [:]
        for (key, value) in members { last[key] = value }
        check(last.count == t.count, "\(path): \(last.count) distinct keys vs \(t.count)")
        for (key, value) in t {
            check(members.contains { Array($0.0.unicodeScalars) == Array(key.unicodeScalars) }, "\(path): key \(key.debugDescription) not ours")
            guard let mine = last[key] else { trap("\(path): missing key \(key.debugDescription)") }
            compare(mine, value, path: "\(path).\(key)")
        }
    }
}

func isBoolean(_ value: Any) -> Bool {
    // On Linux JSONSerialization's booleans are __NSCFBoolean; `is Bool` is true of 0 and 1 too.
    String(describing: type(of: value)) == "__NSCFBoolean"
}

/// JSONSerialization gives Int64 or UInt64 for integers that fit, a Decimal for long literals
/// (compared as Decimals: its Double is not correctly rounded), else a Double.
func sameNumber(_ literal: String, _ n: NSNumber) -> Bool {
    if let d = n as? NSDecimalNumber { return Decimal(string: literal) == d.decimalValue }
    let isInteger = !literal.contains { $0 == "." || $0 == "e" || $0 == "E" }
    if isInteger {
        if let i = Int64(literal) { return i == n.int64Value }
        if let u = UInt64(literal) { return u == n.uint64Value }
        return Decimal(string: literal) == n.decimalValue
    }
    guard let d = Double(literal) else { return false }
    return d == n.doubleValue
}

func containsNumber(_ value: JSONValue, where predicate: (String) -> Bool) -> Bool {
    switch value {
    case .number(let n): predicate(n)
    case .array(let items): items.contains { containsNumber($0, where: predicate) }
    case .object(let members): members.contains { containsNumber($0.1, where: predicate) }
    default: false
    }
}

// MARK: - Invariants of JSONParser alone

func checkInvariants(_ value: JSONValue, members: [JSONParser.Member], text: String, bytes: [UInt8]) {
    guard let tree = try? JSONParser.parseTree(text) else { trap("parse accepted, parseTree rejected") }
    check(strictlyEqual(tree.value, value), "parseTree differs from parse")
    var memberCount = 0
    checkNode(tree, bytes: bytes, memberCount: &memberCount, level: 0)
    check(memberCount == members.count, "members: \(members.count), tree has \(memberCount)")
    for member in members {
        check(member.path.last == member.key, "member path \(member.path) vs key \(member.key)")
        check(member.range.lowerBound >= 0 && member.range.upperBound <= bytes.count, "member range")
    }
    // What submitjob writes (request bodies, -confProp, stdout) reads back as the same value.
    for written in [value.serialized(), value.prettyPrinted()] {
        guard let again = try? JSONParser.parse(written) else { trap("its own output does not parse: \(written)") }
        check(strictlyEqual(again.value, value), "round trip changed the value: \(written)")
    }
}

func checkNode(_ node: JSONParser.Node, bytes: [UInt8], memberCount: inout Int, level: Int) {
    let range = node.range
    check(range.lowerBound >= 0 && range.upperBound <= bytes.count && !range.isEmpty, "node range \(range)")
    let source = Array(bytes[range])
    switch node.value {
    case .string(let s):
        check(source.first == UInt8(ascii: "\"") && source.last == UInt8(ascii: "\"") && source.count >= 2, "string range")
        if node.isVerbatimString { check(Array(s.utf8) == Array(source.dropFirst().dropLast()), "verbatim string bytes") }
    case .number(let n):
        check(Array(n.utf8) == source, "number text \(n) vs its range")
    case .array(let items):
        check(source.first == UInt8(ascii: "[") && source.last == UInt8(ascii: "]"), "array range")
        check(items.count == node.children.count && node.children.allSatisfy { $0.key == nil }, "array children")
    case .object(let members):
        check(source.first == UInt8(ascii: "{") && source.last == UInt8(ascii: "}"), "object range")
        check(members.count == node.children.count, "object children")
        for (member, child) in zip(members, node.children) {
            check(child.key.map { Array($0.unicodeScalars) } == Array(member.0.unicodeScalars), "child key")
        }
        memberCount += members.count
    default:
        break
    }
    var previousEnd = range.lowerBound
    for (i, child) in node.children.enumerated() {
        check(child.node.range.lowerBound >= previousEnd && child.node.range.upperBound <= range.upperBound, "child \(i) range")
        previousEnd = child.node.range.upperBound
        switch node.value {
        case .array(let items): check(strictlyEqual(items[i], child.node.value), "array child value")
        case .object(let members): check(strictlyEqual(members[i].1, child.node.value), "member child value")
        default: trap("children of a scalar")
        }
        // A value's range is the value: masking replaces exactly these bytes. Re-read the top
        // levels only, to keep each run linear enough.
        if level < 2 {
            let slice = String(decoding: bytes[child.node.range], as: UTF8.self)
            guard let again = try? JSONParser.parse(slice) else { trap("a member's range does not parse: \(slice.debugDescription)") }
            check(strictlyEqual(again.value, child.node.value), "a member's range reads differently")
        }
        checkNode(child.node, bytes: bytes, memberCount: &memberCount, level: level + 1)
    }
}

/// Equality with strings compared scalar for scalar (Swift's == is canonical equivalence).
func strictlyEqual(_ a: JSONValue, _ b: JSONValue) -> Bool {
    switch (a, b) {
    case (.null, .null): true
    case let (.bool(x), .bool(y)): x == y
    case let (.number(x), .number(y)): Array(x.utf8) == Array(y.utf8)
    case let (.string(x), .string(y)): Array(x.unicodeScalars) == Array(y.unicodeScalars)
    case let (.array(x), .array(y)): x.count == y.count && zip(x, y).allSatisfy { strictlyEqual($0, $1) }
    case let (.object(x), .object(y)):
        x.count == y.count && zip(x, y).allSatisfy { Array($0.0.unicodeScalars) == Array($1.0.unicodeScalars) && strictlyEqual($0.1, $1.1) }
    default: false
    }
}

// MARK: - Lexical scans for the intended differences

/// A ',' followed, outside strings, by optional whitespace and then ']' or '}'.
func hasTrailingComma(_ bytes: [UInt8]) -> Bool {
    var inString = false
    var i = 0
    while i < bytes.count {
        let b = bytes[i]
        if inString {
            if b == UInt8(ascii: "\\") { i += 2; continue }
            if b == UInt8(ascii: "\"") { inString = false }
        } else if b == UInt8(ascii: "\"") {
            inString = true
        } else if b == UInt8(ascii: ",") {
            var j = i + 1
            while j < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[j]) { j += 1 }
            if j < bytes.count, bytes[j] == UInt8(ascii: "]") || bytes[j] == UInt8(ascii: "}") { return true }
        }
        i += 1
    }
    return false
}

/// A `\uD800`-`\uDFFF` escape that is not a high surrogate directly followed by a low one.
func hasLoneSurrogateEscape(_ bytes: [UInt8]) -> Bool {
    func hex4(at i: Int) -> UInt32? {
        guard i + 4 <= bytes.count, bytes[i..<i + 4].allSatisfy({ Character(Unicode.Scalar($0)).isHexDigit }) else { return nil }
        return UInt32(String(decoding: bytes[i..<i + 4], as: UTF8.self), radix: 16)
    }
    var i = 0
    while i < bytes.count {
        guard bytes[i] == UInt8(ascii: "\\"), i + 1 < bytes.count else { i += 1; continue }
        guard bytes[i + 1] == UInt8(ascii: "u"), let code = hex4(at: i + 2) else { i += 2; continue }
        i += 6
        if (0xDC00..<0xE000).contains(code) { return true }
        if (0xD800..<0xDC00).contains(code) {
            guard i + 1 < bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u"),
                let low = hex4(at: i + 2), (0xDC00..<0xE000).contains(low) else { return true }
            i += 6
        }
    }
    return false
}

// MARK: - Reporting

func check(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() { trap(message()) }
}

func trap(_ message: String) -> Never {
    fatalError("FuzzJSON finding: \(message)")
}
