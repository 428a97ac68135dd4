/// Which names mark a secret value: a job's keys at any depth, SQL options, `--param` and
/// `--conf` keys, URL query parameters, and (inside header structures) HTTP header names.
/// Names compare normalised: lower case, letters and digits only (`fs.s3a.secret.key` →
/// `fss3asecretkey`, `DB_Pass` → `dbpass`).
public struct SecretKeys: Sendable, Equatable {
    /// Substrings of a normalised name that mark a secret. `jaasconfig`: Kafka's
    /// `sasl.jaas.config` carries a password inside its value; `assesskey`: Chunjun's own
    /// spelling of its S3 SQL option.
    public static let markers = ["password", "passwd", "pwd", "passphrase", "secret", "token", "accesskey", "assesskey",
                                 "credential", "privatekey", "apikey", "jaasconfig"]

    /// `pass` alone marks a secret only at the end of a name (`pass`, `dbpass`, `db_pass`,
    /// `keyPass`, `pass2`: trailing digits are ignored), and not in these words, which end in
    /// it and mean something else. `passenger` or `passive` do not end in it.
    static let passWords = ["bypass", "compass", "encompass", "overpass", "underpass", "surpass", "trespass"]

    /// Header names that carry credentials (Cookie, Set-Cookie, Authorization,
    /// Proxy-Authorization, X-Api-Key, X-Auth-Token, X-Session-Id, ...): any secret name, or
    /// one holding these. Only inside header structures, so `primaryKey` or `rowkey` elsewhere
    /// stay visible.
    static let headerMarkers = ["cookie", "auth", "token", "secret", "key", "session"]

    /// The platform's own secret names (`--secret-key`, `$SUBMITJOB_SECRET_KEYS`), normalised.
    /// They match whole names, not parts: the platform names its keys exactly.
    public private(set) var extra: Set<String> = []

    public init(extra: some Sequence<String> = [String]()) {
        self.extra = Set(extra.map(Self.normalised).filter { !$0.isEmpty })
    }

    public static let standard = SecretKeys()

    public static func normalised(_ name: some StringProtocol) -> String {
        String(decoding: normalisedBytes(name), as: UTF8.self)
    }

    /// The normalised name's bytes (ASCII letters and digits), what the checks below compare.
    static func normalisedBytes(_ name: some StringProtocol) -> [UInt8] {
        // ASCII, by far the usual name, by byte; anything else through Unicode's lower case
        // (the Kelvin sign lowercases to "k").
        var bytes: [UInt8] = []
        bytes.reserveCapacity(name.utf8.count)
        for byte in name.utf8 {
            switch byte {
            case 0x80...: return Array(String(name.lowercased().unicodeScalars.filter { ("a"..."z").contains($0) || ("0"..."9").contains($0) }).utf8)
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): bytes.append(byte + 0x20)
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"): bytes.append(byte)
            default: continue
            }
        }
        return bytes
    }

    public func isSecret(_ key: some StringProtocol) -> Bool {
        isSecret(normalised: Self.normalisedBytes(key))
    }

    // A normalised name is ASCII letters and digits: compared by byte, with none of the general
    // (and, per call, costly) string searching.
    private func isSecret(normalised name: [UInt8]) -> Bool {
        guard !name.isEmpty else { return false }
        if !extra.isEmpty, extra.contains(String(decoding: name, as: UTF8.self)) { return true }
        if Self.markerBytes.contains(where: { Self.occurs($0, in: name) }) { return true }
        let stem = name[..<(name.lastIndex { !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }.map { $0 + 1 } ?? 0)]
        return Self.ends(stem, with: Self.pass) && !Self.passWordBytes.contains { Self.ends(stem, with: $0) }
    }

    public func isCredentialHeader(_ name: some StringProtocol) -> Bool {
        let normalised = Self.normalisedBytes(name)
        return isSecret(normalised: normalised) || Self.headerMarkerBytes.contains { Self.occurs($0, in: normalised) }
    }

    /// A key whose value holds HTTP headers: `header`, `headers`, `httpHeaders`, `requestHeader`.
    public static func isHeaderContainer(_ key: some StringProtocol) -> Bool {
        occurs(Array("header".utf8), in: normalisedBytes(key))
    }

    private static let markerBytes = markers.map { Array($0.utf8) }
    private static let headerMarkerBytes = headerMarkers.map { Array($0.utf8) }
    private static let passWordBytes = passWords.map { Array($0.utf8) }
    private static let pass = Array("pass".utf8)

    private static func ends(_ name: ArraySlice<UInt8>, with suffix: [UInt8]) -> Bool {
        name.count >= suffix.count && name.suffix(suffix.count).elementsEqual(suffix)
    }

    private static func occurs(_ needle: [UInt8], in haystack: [UInt8]) -> Bool {
        guard needle.count <= haystack.count else { return false }
        return (0...(haystack.count - needle.count)).contains { start in haystack[start..<start + needle.count].elementsEqual(needle) }
    }

    /// `$SUBMITJOB_SECRET_KEYS`: names separated by commas; blanks ignored.
    public static func names(fromList text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingWhitespace }.filter { !$0.isEmpty }
    }
}
