import AsyncHTTPClient

/// Credentials for a gateway in front of Flink (nginx, an ingress): `user:password` in the URL
/// (sent as HTTP basic authentication) and extra request headers from a file or the
/// environment, so none has to be on a command line. Every value is a secret: `settings`
/// shows names and origins only.
public struct GatewayCredentials: Sendable, Equatable {
    public struct Header: Sendable, Equatable {
        public var name: String
        public var value: String
        public var from: String
    }

    public var user: String?
    public var password: String?
    /// Where the user info came from ("--flink", "$FLINK_REST_URL").
    public var userFrom: String?
    public var headers: [Header]

    public init(user: String? = nil, password: String? = nil, userFrom: String? = nil, headers: [Header] = []) {
        self.user = user
        self.password = password
        self.userFrom = userFrom
        self.headers = headers
    }

    public var isEmpty: Bool { user == nil && headers.isEmpty }

    public var secrets: [String] {
        var values = headers.map(\.value)
        if let password { values.append(password) }
        // The encoded form too: a gateway that echoes the request shows it that way.
        if let value = basicAuthorization { values.append(value) }
        return values.filter { !$0.isEmpty }
    }

    /// `Basic base64(user:password)`, the header a gateway expects for user info in the URL.
    public var basicAuthorization: String? {
        guard let user else { return nil }
        return HTTPClient.Authorization.basic(username: user, password: password ?? "").headerValue
    }

    /// What goes on every request: the basic header (unless a header file set Authorization itself), then the headers.
    public var requestHeaders: [(String, String)] {
        var result: [(String, String)] = []
        if let basic = basicAuthorization, !headers.contains(where: { $0.name.lowercased() == "authorization" }) {
            result.append(("Authorization", basic))
        }
        result += headers.map { ($0.name, $0.value) }
        return result
    }

    public var settings: [FlinkEndpoint.Setting] {
        var result: [FlinkEndpoint.Setting] = []
        if let user, let userFrom {
            result.append(FlinkEndpoint.Setting(key: "basic authentication", value: "\(user):\(SecretRedactor.mask)", from: userFrom))
        }
        for header in headers {
            result.append(FlinkEndpoint.Setting(key: "header \(header.name)", value: SecretRedactor.mask, from: header.from))
        }
        return result
    }

    /// Splits `scheme://user:password@host...` into the URL without its user info (the only
    /// form ever printed) and the percent-decoded user and password.
    public static func splitUserInfo(_ url: String) -> (url: String, user: String?, password: String?) {
        guard let schemeEnd = url.firstRange(of: "://") else { return (url, nil, nil) }
        let rest = url[schemeEnd.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard let at = authority.lastIndex(of: "@") else { return (url, nil, nil) }
        let info = authority[..<at]
        let colon = info.firstIndex(of: ":")
        let user = percentDecoded(info[..<(colon ?? info.endIndex)])
        let password = colon.map { percentDecoded(info[info.index(after: $0)...]) }
        return (String(url[..<schemeEnd.upperBound]) + String(rest[rest.index(after: at)...]), user, password)
    }

    static func percentDecoded(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        var utf8 = Array(text.utf8)[...]
        while let byte = utf8.first {
            if byte == UInt8(ascii: "%"), utf8.count >= 3, let high = hexValue(utf8[utf8.startIndex + 1]), let low = hexValue(utf8[utf8.startIndex + 2]) {
                bytes.append(high << 4 | low)
                utf8 = utf8.dropFirst(3)
            } else {
                bytes.append(byte)
                utf8 = utf8.dropFirst()
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// Headers submitjob sets itself, or that would change how the body is framed.
    static let reservedHeaders: Set<String> = ["host", "content-length", "content-type", "transfer-encoding", "connection", "accept", "expect", "upgrade", "te", "trailer"]

    /// One `Name: value` a line; blank lines and lines starting with `#` are skipped. Errors
    /// name the line, never its text: the text is a credential.
    public static func parseHeaders(_ text: String, origin: String) throws(SubmitJobError) -> [Header] {
        var headers: [Header] = []
        // "\r\n" is one Character in Swift: split on newline characters, not on "\n".
        for (index, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let trimmed = line.trimmingWhitespace
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let place = "\(origin) line \(index + 1)"
            guard let colon = line.firstIndex(of: ":") else {
                throw SubmitJobError(.configuration, "\(place) is not a header (want `Name: value`)")
            }
            let name = String(line[..<colon])
            let value = line[line.index(after: colon)...].trimmingWhitespace
            guard !name.isEmpty, name.utf8.allSatisfy(isTokenByte) else {
                throw SubmitJobError(.configuration, "\(place): the header name is not an HTTP token (letters, digits, !#$%&'*+-.^_`|~)")
            }
            guard !reservedHeaders.contains(name.lowercased()) else {
                throw SubmitJobError(.configuration, "\(place): \(name) is set by submitjob itself and cannot be given")
            }
            guard !value.utf8.contains(where: { $0 < 0x20 && $0 != 0x09 || $0 == 0x7F }) else {
                throw SubmitJobError(.configuration, "\(place): the value of \(name) holds a control character")
            }
            headers.append(Header(name: name, value: value, from: place))
        }
        return headers
    }

    private static func isTokenByte(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
            || "!#$%&'*+-.^_`|~".utf8.contains(byte)
    }
}
