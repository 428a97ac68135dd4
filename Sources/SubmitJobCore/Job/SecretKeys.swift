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
        String(name.lowercased().unicodeScalars.filter { ("a"..."z").contains($0) || ("0"..."9").contains($0) })
    }

    public func isSecret(_ key: some StringProtocol) -> Bool {
        let name = Self.normalised(key)
        guard !name.isEmpty else { return false }
        if extra.contains(name) || Self.markers.contains(where: name.contains) { return true }
        let stem = String(name.reversed().drop { ("0"..."9").contains($0) }.reversed())
        return stem.hasSuffix("pass") && !Self.passWords.contains(where: stem.hasSuffix)
    }

    public func isCredentialHeader(_ name: some StringProtocol) -> Bool {
        isSecret(name) || Self.headerMarkers.contains(where: Self.normalised(name).contains)
    }

    /// A key whose value holds HTTP headers: `header`, `headers`, `httpHeaders`, `requestHeader`.
    public static func isHeaderContainer(_ key: some StringProtocol) -> Bool {
        normalised(key).contains("header")
    }

    /// `$SUBMITJOB_SECRET_KEYS`: names separated by commas; blanks ignored.
    public static func names(fromList text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingWhitespace }.filter { !$0.isEmpty }
    }
}
