/// Credentials written inside a URL-like value (a `jdbcUrl`, a `url` option, a connection
/// string), wherever the job has one. Only the credential is reported, so the rest of the URL
/// stays readable once it is masked:
/// - userinfo: `scheme://user:PASS@host` (the part after the first ':');
/// - Oracle's thin/OCI form: `jdbc:oracle:thin:user/PASS@host`;
/// - parameters with a secret name after `?`, `&` or `;`: `?password=PASS&`, JDBC's
///   `;password=PASS;`, `&token=PASS`. The value ends at `&`, `;`, `#`, a space or the end.
/// A value counts as URL-like when it holds `://` or starts with `jdbc:`.
public enum URLCredentials {
    /// Byte ranges (UTF-8 offsets in `value`) of every credential in it.
    public static func ranges(in value: String, keys: SecretKeys) -> [Range<Int>] {
        let bytes = Array(value.utf8)
        // Asked of every string in a job: decided on bytes before anything costlier.
        guard isURLLike(bytes) else { return [] }
        let lower = value.lowercased()
        var found: [Range<Int>] = []
        func isEnd(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D || b == UInt8(ascii: "\"") || b == UInt8(ascii: "'") }

        // Userinfo of every authority: after "://", up to the first '/', '?', '#' or space.
        var i = 0
        while i + 2 < bytes.count {
            guard bytes[i] == UInt8(ascii: ":"), bytes[i + 1] == UInt8(ascii: "/"), bytes[i + 2] == UInt8(ascii: "/") else { i += 1; continue }
            let start = i + 3
            var end = start
            while end < bytes.count, !"/?#".utf8.contains(bytes[end]), !isEnd(bytes[end]) { end += 1 }
            if let at = bytes[start..<end].lastIndex(of: UInt8(ascii: "@")),
                let colon = bytes[start..<at].firstIndex(of: UInt8(ascii: ":")), colon + 1 < at {
                found.append(colon + 1..<at)
            }
            i = end
        }

        // jdbc:oracle:thin:user/PASS@... (also oci).
        for prefix in ["jdbc:oracle:thin:", "jdbc:oracle:oci:"] where lower.hasPrefix(prefix) {
            let start = prefix.utf8.count
            if let at = bytes[start...].firstIndex(of: UInt8(ascii: "@")),
                let slash = bytes[start..<at].firstIndex(of: UInt8(ascii: "/")), slash + 1 < at {
                found.append(slash + 1..<at)
            }
        }

        // key=value parameters after ?, & or ;.
        for (index, byte) in bytes.enumerated() where "?&;".utf8.contains(byte) {
            var k = index + 1
            while k < bytes.count, !"=&;#?".utf8.contains(bytes[k]), !isEnd(bytes[k]) { k += 1 }
            guard k < bytes.count, bytes[k] == UInt8(ascii: "="), k > index + 1,
                keys.isSecret(String(decoding: bytes[index + 1..<k], as: UTF8.self)) else { continue }
            var end = k + 1
            while end < bytes.count, !"&;#".utf8.contains(bytes[end]), !isEnd(bytes[end]) { end += 1 }
            if end > k + 1 { found.append(k + 1..<end) }
        }
        return found
    }

    /// Holds `://`, or starts with `jdbc:` in any case.
    static func isURLLike(_ bytes: [UInt8]) -> Bool {
        if String(decoding: bytes.prefix(5), as: UTF8.self).lowercased() == "jdbc:" { return true }
        var i = 0
        while i + 2 < bytes.count {
            if bytes[i] == UInt8(ascii: ":"), bytes[i + 1] == UInt8(ascii: "/"), bytes[i + 2] == UInt8(ascii: "/") { return true }
            i += 1
        }
        return false
    }

    /// The value with each credential masked, and the credentials.
    public static func masking(_ value: String, keys: SecretKeys) -> (masked: String, credentials: [String]) {
        let ranges = ranges(in: value, keys: keys)
        guard !ranges.isEmpty else { return (value, []) }
        let bytes = Array(value.utf8)
        let credentials = ranges.map { String(decoding: bytes[$0], as: UTF8.self) }
        return (SecretRedactor.mask(value, ranges.map { ($0, SecretRedactor.mask) }), credentials)
    }
}
