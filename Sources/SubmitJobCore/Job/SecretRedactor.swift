/// Keeps a job's secrets out of everything submitjob prints.
///
/// Two layers: the job text itself is masked by position (`ChunjunJob.redactedText`), and free
/// text that can echo the job (Flink's errors, `flink run` output, traces, log lines) goes
/// through `scrub`, which replaces each secret in every form it can take on the way back from
/// Flink: raw, JSON-escaped (with and without `\/`), as the job spelt it (`\u0032`), SQL-quoted
/// (`''`), and each of these URL-encoded as Java's URLEncoder does (the job travels so).
///
/// Secrets of 6 characters or more are replaced wherever they occur. Shorter ones are replaced
/// only as whole words, so a one-letter password cannot garble every message. Word bytes are
/// ASCII letters, digits, `_` and non-ASCII; a boundary is anything else, with two refinements:
/// - an escape just before counts as a boundary although it ends in a letter or digit:
///   `%22dbz` (URL-encoded), `\ndbz`, `\"dbz`, `\u0022dbz` (JSON);
/// - a `.` joined to a letter or digit on its other side is no boundary, so `1` is not taken
///   out of `1.20.3` or `10.0.0.1`; `password=1.` at a sentence's end is still masked.
public struct SecretRedactor: Sendable {
    public static let mask = "******"

    public static func isSecretKey(_ key: String) -> Bool { SecretKeys.standard.isSecret(key) }

    /// The names that mark secrets, also for the assignments masked in free text.
    public private(set) var keys: SecretKeys
    /// Raw secret values, longest first.
    public private(set) var secrets: [String] = []
    /// Every form of every secret, longest first.
    private var needles: [Needle] = []

    struct Needle: Hashable, Sendable {
        var bytes: [UInt8]
        var wholeWordOnly: Bool
    }

    public init(secrets: some Sequence<String> = [String](), keys: SecretKeys = .standard) {
        self.keys = keys
        add(secrets)
    }

    /// Secrets shorter than this are replaced only where they stand as a whole word.
    static let wordOnlyBelow = 6

    public mutating func add(_ values: some Sequence<String>) {
        add(values.map { ($0, nil) })
    }

    /// Values with the spelling the job gave them, where that differs from every usual form.
    public mutating func add(spelled pairs: some Sequence<(value: String, spelling: String)>) {
        add(pairs.map { ($0.value, $0.spelling) })
    }

    private mutating func add(_ entries: [(String, String?)]) {
        var values = Set(secrets)
        var all = Set(needles)
        for (value, spelling) in entries where !value.isEmpty {
            values.insert(value)
            let wholeWordOnly = value.count < Self.wordOnlyBelow
            for form in Self.forms(of: value) + (spelling.map { [$0, JavaURLEncoder.encode($0)] } ?? []) where !form.isEmpty {
                all.insert(Needle(bytes: Array(form.utf8), wholeWordOnly: wholeWordOnly))
            }
        }
        secrets = values.sorted { $0.utf8.count != $1.utf8.count ? $0.utf8.count > $1.utf8.count : $0 < $1 }
        needles = all.sorted { $0.bytes.count != $1.bytes.count ? $0.bytes.count > $1.bytes.count : $0.bytes.lexicographicallyPrecedes($1.bytes) }
    }

    public func adding(_ values: some Sequence<String>) -> SecretRedactor {
        var copy = self
        copy.add(values)
        return copy
    }

    /// Every occurrence of any form of any secret, masked. Matches are found on the original
    /// text and overlapping ones merged, so two secrets that overlap leave no piece of either.
    public func scrub(_ text: String) -> String {
        guard !needles.isEmpty else { return text }
        let bytes = Array(text.utf8)
        var byFirstByte: [UInt8: [Needle]] = [:]
        for needle in needles { byFirstByte[needle.bytes[0], default: []].append(needle) }
        var matches: [Range<Int>] = []
        for i in bytes.indices {
            guard let candidates = byFirstByte[bytes[i]] else { continue }
            for needle in candidates where i + needle.bytes.count <= bytes.count
                && bytes[i..<i + needle.bytes.count].elementsEqual(needle.bytes)
                && (!needle.wholeWordOnly || Self.isWordStart(bytes, i) && Self.isWordEnd(bytes, i + needle.bytes.count))
            {
                if let last = matches.last, last.upperBound >= i {
                    matches[matches.count - 1] = last.lowerBound..<max(last.upperBound, i + needle.bytes.count)
                } else {
                    matches.append(i..<i + needle.bytes.count)
                }
                break
            }
        }
        guard !matches.isEmpty else { return text }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var position = 0
        for match in matches {
            out += bytes[position..<match.lowerBound]
            out += Self.mask.utf8
            position = match.upperBound
        }
        out += bytes[position...]
        return String(decoding: out, as: UTF8.self)
    }

    static func isWordByte(_ b: UInt8) -> Bool {
        b >= 0x80 || isAlphanumeric(b) || b == UInt8(ascii: "_")
    }

    static func isAlphanumeric(_ b: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(b | 0x20) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b)
    }

    static func isHexDigit(_ b: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(b | 0x20)
    }

    /// A match may start at `i`: nothing of a word before it (see the type's comment).
    static func isWordStart(_ bytes: [UInt8], _ i: Int) -> Bool {
        guard i > 0 else { return true }
        let before = bytes[i - 1]
        if before == UInt8(ascii: ".") { return i < 2 || !isAlphanumeric(bytes[i - 2]) }
        return !isWordByte(before) || escapeEnds(bytes, at: i)
    }

    /// A match may end at `end`: nothing of a word after it.
    static func isWordEnd(_ bytes: [UInt8], _ end: Int) -> Bool {
        guard end < bytes.count else { return true }
        let after = bytes[end]
        if after == UInt8(ascii: ".") { return end + 1 >= bytes.count || !isAlphanumeric(bytes[end + 1]) }
        return !isWordByte(after)
    }

    /// An escape ends just before `i`: `%XX` (also `%25XX`, encoded twice), or JSON's `\n`,
    /// `\t`, … and `\uXXXX` (a backslash that is not itself escaped).
    static func escapeEnds(_ bytes: [UInt8], at i: Int) -> Bool {
        if i >= 3, bytes[i - 3] == UInt8(ascii: "%"), isHexDigit(bytes[i - 2]), isHexDigit(bytes[i - 1]) { return true }
        if i >= 5, bytes[i - 5..<i - 2].elementsEqual("%25".utf8), isHexDigit(bytes[i - 2]), isHexDigit(bytes[i - 1]) { return true }
        func unescapedBackslash(_ k: Int) -> Bool {
            guard k >= 0, bytes[k] == UInt8(ascii: "\\") else { return false }
            var run = 0
            var m = k
            while m >= 0, bytes[m] == UInt8(ascii: "\\") { run += 1; m -= 1 }
            return run % 2 == 1
        }
        if i >= 2, "bfnrt".utf8.contains(bytes[i - 1]), unescapedBackslash(i - 2) { return true }
        if i >= 6, bytes[i - 5] == UInt8(ascii: "u"), bytes[i - 4..<i].allSatisfy(isHexDigit), unescapedBackslash(i - 6) { return true }
        return false
    }

    /// The forms a value takes when Flink or a driver echoes it: raw, JSON-escaped (with and
    /// without `\/`), SQL-quoted, each also URL-encoded as the job travels.
    static func forms(of secret: String) -> [String] {
        var jsonEscaped = ""
        JSONValue.writeString(secret, to: &jsonEscaped)
        let escaped = String(jsonEscaped.dropFirst().dropLast())
        let spellings = [secret, escaped, escaped.replacing("/", with: "\\/"), secret.replacing("'", with: "''")]
        var seen = Set<String>()
        return (spellings + spellings.map(JavaURLEncoder.encode)).filter { seen.insert($0).inserted }
    }

    /// Replaces byte ranges of `text`; a range nested in another is dropped.
    static func mask(_ text: String, _ masks: [(range: Range<Int>, replacement: String)]) -> String {
        var bytes = Array(text.utf8)
        var outermost: [(range: Range<Int>, replacement: String)] = []
        for mask in masks.sorted(by: { $0.range.lowerBound != $1.range.lowerBound ? $0.range.lowerBound < $1.range.lowerBound : $0.range.count > $1.range.count }) {
            if let last = outermost.last, last.range.upperBound > mask.range.lowerBound { continue }
            outermost.append(mask)
        }
        for mask in outermost.reversed() {
            bytes.replaceSubrange(mask.range, with: Array(mask.replacement.utf8))
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension SecretRedactor {
    /// Free text from Flink about a job submitjob did not read (an exception of a job started
    /// elsewhere, a JDBC URL in a connector's error) can hold secrets no redactor knows. This
    /// masks the value of every secret-looking assignment in it: `password=x`, `"token": "x"`,
    /// `'secret' = 'x'`, `accessKey: x`. Values end at a closing quote, else at whitespace or
    /// `,;&)]}<>`. A class name before a colon (`TokenExpiredException: ...`) is not a key.
    public static func maskingAssignments(in text: String, keys: SecretKeys = .standard) -> String {
        let bytes = Array(text.utf8)
        guard bytes.count >= 3 else { return text }
        func isKeyByte(_ b: UInt8) -> Bool {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(b | 0x20) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b)
                || b == UInt8(ascii: "_") || b == UInt8(ascii: "-") || b == UInt8(ascii: ".")
        }
        func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 }
        let quotes: Set<UInt8> = [UInt8(ascii: "\""), UInt8(ascii: "'")]
        let valueEnds: Set<UInt8> = Set(" \t\r\n,;&)]}<>\"'".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            guard isKeyByte(bytes[i]), i == 0 || !isKeyByte(bytes[i - 1]) else {
                out.append(bytes[i]); i += 1; continue
            }
            var j = i
            while j < bytes.count, isKeyByte(bytes[j]) { j += 1 }
            out.append(contentsOf: bytes[i..<j])
            let keyRange = i..<j
            i = j
            // Optional closing quote of a quoted key, then spaces, then '=' or ':'; checked
            // before the name, which costs more.
            var k = j
            if k < bytes.count, quotes.contains(bytes[k]) { k += 1 }
            while k < bytes.count, isSpace(bytes[k]) { k += 1 }
            guard k < bytes.count, bytes[k] == UInt8(ascii: "=") || bytes[k] == UInt8(ascii: ":") else { continue }
            let key = String(decoding: bytes[keyRange], as: UTF8.self)
            guard keys.isSecret(key) else { continue }
            let colon = bytes[k] == UInt8(ascii: ":")
            if colon, key.hasSuffix("Exception") || key.hasSuffix("Error") { continue }
            if colon, k + 2 < bytes.count, bytes[k + 1] == UInt8(ascii: "/"), bytes[k + 2] == UInt8(ascii: "/") { continue }
            k += 1
            while k < bytes.count, isSpace(bytes[k]) { k += 1 }
            var valueStart = k, valueEnd = k
            if k < bytes.count, quotes.contains(bytes[k]) {
                let quote = bytes[k]
                valueStart = k + 1
                var m = valueStart
                while m < bytes.count, bytes[m] != quote, bytes[m] != 0x0A {
                    m += bytes[m] == UInt8(ascii: "\\") ? 2 : 1
                }
                valueEnd = min(m, bytes.count)
            } else {
                var m = k
                while m < bytes.count, !valueEnds.contains(bytes[m]) { m += 1 }
                valueEnd = m
            }
            let value = bytes[valueStart..<valueEnd]
            guard !value.isEmpty, !value.elementsEqual(mask.utf8) else { continue }
            out.append(contentsOf: bytes[j..<valueStart])
            out.append(contentsOf: mask.utf8)
            i = valueEnd
        }
        return String(decoding: out, as: UTF8.self)
    }
}
