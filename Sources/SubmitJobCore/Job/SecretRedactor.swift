/// Finds the secret values of a job and keeps them out of everything submitjob prints.
///
/// Two layers: the job text itself is masked by position (`redactedText`), and every message
/// that leaves the process goes through `scrub`, which replaces each secret in the forms it can
/// take on the way back from Flink (raw, JSON-escaped, URL-encoded), so an error that echoes
/// the job cannot leak it either.
public struct SecretRedactor: Sendable {
    public static let mask = "******"

    /// Substrings of a normalised key (lower case, letters and digits only) that mark a secret.
    /// `jaasconfig` because Kafka's `sasl.jaas.config` carries a password inside its value.
    static let markers = ["password", "passwd", "pwd", "secret", "token", "accesskey", "credential", "privatekey", "apikey", "jaasconfig"]

    public static func isSecretKey(_ key: String) -> Bool {
        let normalised = String(key.lowercased().unicodeScalars.filter { ("a"..."z").contains($0) || ("0"..."9").contains($0) })
        return markers.contains { normalised.contains($0) }
    }

    /// Raw secret values, longest first so a secret that contains another is replaced whole.
    public private(set) var secrets: [String] = []

    public init(secrets: some Sequence<String> = []) {
        add(secrets)
    }

    public mutating func add(_ values: some Sequence<String>) {
        var all = Set(secrets)
        for value in values where !value.isEmpty { all.insert(value) }
        secrets = all.sorted { $0.utf8.count != $1.utf8.count ? $0.utf8.count > $1.utf8.count : $0 < $1 }
    }

    /// The same redactor plus the secrets among `KEY=VALUE` options (`--conf`, `--param`).
    public func adding(options: [(String, String)]) -> SecretRedactor {
        var copy = self
        copy.add(options.filter { Self.isSecretKey($0.0) }.map(\.1))
        return copy
    }

    /// Secrets shorter than this are replaced only where they stand as a whole word, so a
    /// one-letter password cannot turn every message into noise.
    static let wordOnlyBelow = 6

    public func scrub(_ text: String) -> String {
        guard !secrets.isEmpty else { return text }
        var bytes = Array(text.utf8)
        for secret in secrets {
            for form in Self.forms(of: secret) {
                bytes = Self.replacing(Array(form.utf8), in: bytes, wholeWordOnly: secret.count < Self.wordOnlyBelow)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func replacing(_ needle: [UInt8], in haystack: [UInt8], wholeWordOnly: Bool) -> [UInt8] {
        guard !needle.isEmpty, haystack.count >= needle.count else { return haystack }
        func isWordByte(_ b: UInt8) -> Bool {
            b >= 0x80 || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(b | 0x20) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b)
        }
        var out: [UInt8] = []
        out.reserveCapacity(haystack.count)
        var i = 0
        while i < haystack.count {
            if haystack[i] == needle[0], i + needle.count <= haystack.count, haystack[i..<i + needle.count].elementsEqual(needle),
                !wholeWordOnly || ((i == 0 || !isWordByte(haystack[i - 1])) && (i + needle.count == haystack.count || !isWordByte(haystack[i + needle.count])))
            {
                out.append(contentsOf: mask.utf8)
                i += needle.count
            } else {
                out.append(haystack[i])
                i += 1
            }
        }
        return out
    }

    static func forms(of secret: String) -> [String] {
        var jsonEscaped = ""
        JSONValue.writeString(secret, to: &jsonEscaped)
        let forms = [secret, String(jsonEscaped.dropFirst().dropLast()), JavaURLEncoder.encode(secret), secret.replacing("'", with: "''")]
        var seen = Set<String>()
        return forms.filter { seen.insert($0).inserted }
    }

    /// Replaces the byte ranges of `text` with a mask; ranges nested in another are dropped.
    static func mask(_ text: String, ranges: [Range<Int>], with replacement: String) -> String {
        var bytes = Array(text.utf8)
        var outermost: [Range<Int>] = []
        for range in ranges.sorted(by: { $0.lowerBound != $1.lowerBound ? $0.lowerBound < $1.lowerBound : $0.count > $1.count }) {
            if let last = outermost.last, last.upperBound >= range.upperBound { continue }
            outermost.append(range)
        }
        for range in outermost.reversed() {
            bytes.replaceSubrange(range, with: Array(replacement.utf8))
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
    public static func maskingAssignments(in text: String) -> String {
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
            let key = String(decoding: bytes[i..<j], as: UTF8.self)
            out.append(contentsOf: bytes[i..<j])
            i = j
            guard isSecretKey(key) else { continue }
            // Optional closing quote of a quoted key, then spaces, then '=' or ':'.
            var k = j
            if k < bytes.count, quotes.contains(bytes[k]) { k += 1 }
            while k < bytes.count, isSpace(bytes[k]) { k += 1 }
            guard k < bytes.count, bytes[k] == UInt8(ascii: "=") || bytes[k] == UInt8(ascii: ":") else { continue }
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
