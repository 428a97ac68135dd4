/// One HTTP exchange, as the REST client needs it. The transport is the only thing that talks
/// to the network, so tests can inject faults a real Flink cannot produce (hangs, resets, garbage).
public struct HTTPRequest: Sendable {
    public enum Method: String, Sendable {
        case get = "GET", post = "POST", patch = "PATCH", delete = "DELETE"
    }

    public enum Body: Sendable {
        case none
        case json(String)
        /// multipart/form-data with one file part, streamed from disk so memory does not grow with the file.
        /// `progress` hears (bytes of the file sent, its size) after each chunk. With `sha256` the
        /// bytes sent are hashed as they go, and the upload breaks off before its end unless they
        /// match (`sourceChanged`): a file rewritten during the upload is never stored whole.
        case file(field: String, fileName: String, path: String, sha256: String? = nil, progress: (@Sendable (Int64, Int64) -> Void)? = nil)
    }

    public var method: Method
    public var url: String
    public var body: Body

    public init(_ method: Method, _ url: String, body: Body = .none) {
        self.method = method
        self.url = url
        self.body = body
    }
}

public struct HTTPResponse: Sendable {
    public var status: Int
    public var body: [UInt8]
    /// The few response headers messages use (`WWW-Authenticate` of a gateway), names lower case.
    public var headers: [String: String]

    public init(status: Int, body: [UInt8], headers: [String: String] = [:]) {
        self.status = status
        self.body = body
        self.headers = headers
    }

    public var text: String { String(decoding: body, as: UTF8.self) }
}

public enum TransportError: Error, Sendable, Equatable {
    /// Nothing reached the server (refused, no route, name not found): safe to report as unreachable.
    case unreachable(String)
    /// The deadline passed; the server may or may not have acted on the request.
    case timedOut
    /// The exchange broke after it began (reset, garbage); the outcome is unknown.
    case failed(String)
    /// The TLS handshake failed (certificate not trusted, expired, for another host, our client
    /// certificate refused): no request reached the server, and retrying will not help.
    case tls(String)
    /// The file being uploaded changed on disk while it was sent; the upload was broken off.
    case sourceChanged(String)
}

public protocol HTTPTransport: Sendable {
    /// Sends one request and reads the whole response, or throws `TransportError` by `deadline`.
    func send(_ request: HTTPRequest, deadline: ContinuousClock.Instant) async throws -> HTTPResponse
}
