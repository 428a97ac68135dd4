/// Flink's REST API, the parts submitjob uses. Every call has a deadline; every answer that is
/// not what Flink documents becomes a `SubmitJobError` with a code the caller can act on.
public struct FlinkRESTClient: Sendable {
    public struct ClusterConfig: Sendable {
        public var version: FlinkVersion
        /// `features.web-submit`: false when `web.submit.enable: false` removed the jar endpoints.
        public var webSubmit: Bool
    }

    public struct Jar: Sendable, Equatable {
        public var id: String
        public var name: String
        public var uploaded: Int64
    }

    public struct Job: Sendable, Equatable {
        public var id: String
        public var name: String
        public var state: String
    }

    public let baseURL: String
    let transport: any HTTPTransport

    public init(baseURL: String, transport: any HTTPTransport) throws(SubmitJobError) {
        self.baseURL = try Self.validatedBaseURL(baseURL)
        self.transport = transport
    }

    static func validatedBaseURL(_ text: String) throws(SubmitJobError) -> String {
        var url = text.trimmingWhitespace
        let lower = url.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else {
            throw SubmitJobError(.usage, "the Flink URL must start with http:// or https://, not \"\(text)\"")
        }
        guard url.split(separator: "/", omittingEmptySubsequences: true).count >= 2 else {
            throw SubmitJobError(.usage, "the Flink URL \"\(text)\" has no host")
        }
        while url.hasSuffix("/") { url.removeLast() }
        return url
    }

    // MARK: Calls

    public func config(deadline: ContinuousClock.Instant) async throws(SubmitJobError) -> ClusterConfig {
        let json = try json(try expectSuccess(await send(.get, "/config", deadline: deadline), "GET /config"), "GET /config")
        guard let text = json["flink-version"]?.stringValue, let version = FlinkVersion(text) else {
            throw SubmitJobError(.unexpectedResponse, "Flink at \(baseURL) did not report a flink-version in GET /config (is this a Flink REST endpoint?)")
        }
        let webSubmit = json["features"]?["web-submit"] != .bool(false)
        return ClusterConfig(version: version, webSubmit: webSubmit)
    }

    public func jars(deadline: ContinuousClock.Instant) async throws(SubmitJobError) -> [Jar] {
        let json = try json(try expectSuccess(await send(.get, "/jars", deadline: deadline), "GET /jars"), "GET /jars")
        guard case .array(let files)? = json["files"] else {
            throw SubmitJobError(.unexpectedResponse, "Flink answered GET /jars without a files list")
        }
        return files.compactMap { file in
            guard let id = file["id"]?.stringValue, let name = file["name"]?.stringValue else { return nil }
            return Jar(id: id, name: name, uploaded: Int64(file["uploaded"]?.intValue ?? 0))
        }
    }

    /// The earliest upload of that name, if any: the copy that has been there longest is the one
    /// every submitter converges on, and a later upload under the same name (someone else's, or
    /// a duplicate of a concurrent submitter) never takes its place.
    public func jar(named name: String, deadline: ContinuousClock.Instant) async throws(SubmitJobError) -> Jar? {
        try await jars(deadline: deadline).filter { $0.name == name }.min { ($0.uploaded, $0.id) < ($1.uploaded, $1.id) }
    }

    /// Uploads a jar under `name`; the id Flink gives it is the last segment of the stored path.
    /// `progress` hears (bytes sent, file size) as the file streams out; with `sha256` the bytes
    /// sent must hash to it, else the upload breaks off before Flink stores anything.
    public func upload(path: String, as name: String, sha256: String? = nil, deadline: ContinuousClock.Instant,
                       progress: (@Sendable (Int64, Int64) -> Void)? = nil) async throws(SubmitJobError) -> String {
        let response = try await send(.post, "/jars/upload", body: .file(field: "jarfile", fileName: name, path: path, sha256: sha256, progress: progress), deadline: deadline)
        let json = try json(try expectSuccess(response, "POST /jars/upload"), "POST /jars/upload")
        guard json["status"]?.stringValue == "success", let stored = json["filename"]?.stringValue,
            let id = stored.split(separator: "/").last.map(String.init), !id.isEmpty
        else {
            throw SubmitJobError(.unexpectedResponse, "Flink did not accept the upload of \(name): \(response.text.prefix(300))")
        }
        return id
    }

    /// The raw answer of `POST /jars/:id/run`: the submitter decides what a failure means.
    public func run(jarID: String, body: JSONValue, deadline: ContinuousClock.Instant) async throws(SubmitJobError) -> HTTPResponse {
        try await send(.post, "/jars/\(jarID)/run", body: .json(body.serialized()), deadline: deadline)
    }

    /// The job, or nil when Flink does not know it.
    public func job(id: String, deadline: ContinuousClock.Instant) async throws(SubmitJobError) -> Job? {
        let response = try await send(.get, "/jobs/\(id)", deadline: deadline)
        if response.status == 404 { return nil }
        let json = try json(try expectSuccess(response, "GET /jobs/\(id)"), "GET /jobs/\(id)")
        guard let state = json["state"]?.stringValue else {
            throw SubmitJobError(.unexpectedResponse, "Flink answered GET /jobs/\(id) without a state")
        }
        return Job(id: json["jid"]?.stringValue ?? id, name: json["name"]?.stringValue ?? "", state: state)
    }

    /// What Flink says of a job id when an attempt's outcome must be settled.
    public enum JobLookup: Sendable, Equatable {
        case known
        case unknown
        /// The lookup itself failed (no answer, 401, 503, ...): the outcome stays unknown, and why
        /// is part of the report.
        case failed(SubmitJobError)

        /// What a message adds about the lookup: "" when Flink answered (known or not).
        public var failureNote: String {
            guard case .failed(let error) = self else { return "" }
            return "; looking the job up failed too: \(error.message)"
        }
    }

    /// After a lost answer or a failed `flink run`: does Flink know the job? By `deadline`, the
    /// caller's own: the attempt before it ended at `attemptDeadline(before:)`, which leaves the
    /// lookup its share, so `--timeout` bounds the whole.
    public func lookUpJob(id: String, by deadline: ContinuousClock.Instant) async -> JobLookup {
        do {
            return try await job(id: id, deadline: deadline) != nil ? .known : .unknown
        } catch {
            return .failed(error)
        }
    }

    /// When an attempt whose lost outcome would be settled by a lookup must give up: a third of
    /// the time left, at most `lookupGrace`, stays for that lookup.
    public static func attemptDeadline(before deadline: ContinuousClock.Instant, now: ContinuousClock.Instant = .now) -> ContinuousClock.Instant {
        let left = now.duration(to: deadline)
        guard left > .zero else { return deadline }
        return deadline - min(lookupGrace, left / 3)
    }

    public static let lookupGrace: Duration = .seconds(5)

    // MARK: Plumbing

    func send(_ method: HTTPRequest.Method, _ path: String, body: HTTPRequest.Body = .none, deadline: ContinuousClock.Instant) async throws(SubmitJobError) -> HTTPResponse {
        do {
            return try await transport.send(HTTPRequest(method, baseURL + path, body: body), deadline: deadline)
        } catch let error as TransportError {
            throw Self.error(for: error, call: "\(method.rawValue) \(path)", baseURL: baseURL)
        } catch {
            throw SubmitJobError(.internal, "\(method.rawValue) \(path): \(error)")
        }
    }

    static func error(for error: TransportError, call: String, baseURL: String) -> SubmitJobError {
        switch error {
        case .unreachable(let reason):
            SubmitJobError(.flinkUnreachable, "cannot reach Flink at \(baseURL): \(reason)")
        case .timedOut:
            SubmitJobError(.timedOut, "Flink at \(baseURL) did not answer \(call) before the deadline")
        case .failed(let reason):
            SubmitJobError(.unexpectedResponse, "\(call) to Flink at \(baseURL) broke off: \(reason)")
        case .tls(let reason):
            SubmitJobError(.tlsFailed, "TLS with Flink at \(baseURL) failed: \(reason)")
        case .sourceChanged(let reason):
            SubmitJobError(.jarChanged, "\(reason); the upload was broken off before its end, so Flink stored nothing. Submit again: the jar is hashed anew")
        }
    }

    func expectSuccess(_ response: HTTPResponse, _ call: String) throws(SubmitJobError) -> HTTPResponse {
        switch response.status {
        case 200..<300:
            return response
        case 401, 403:
            throw SubmitJobError(.authenticationRejected, "Flink at \(baseURL) refused \(call) with HTTP \(response.status)\(Self.gatewayAnswer(response)): check the credentials (user:password in the URL, --header-file, $SUBMITJOB_HEADERS) or the gateway in front of Flink",
                detail: response.text)
        case let status where [301, 302, 307, 308].contains(status) && response.headers["location"]?.lowercased().hasPrefix("https://") == true && baseURL.lowercased().hasPrefix("http://"):
            // Flink's REST with SSL on answers plain HTTP with a redirect to itself over https.
            throw SubmitJobError(.unexpectedResponse, "Flink at \(baseURL) redirects \(call) to https (HTTP \(response.status)): give its https:// address (and --ca-cert or security.ssl.rest.truststore for its CA)")
        case 400, 500:
            let errors = FlinkErrorText.errors(in: response.body)
            guard !errors.isEmpty else { fallthrough }
            throw SubmitJobError(.flinkRejected, "Flink rejected \(call): \(FlinkErrorText.reason(from: errors))", detail: errors.joined(separator: "\n"))
        case 502, 503, 504:
            // A gateway that cannot reach Flink, or a JobManager electing its leader: try later.
            let errors = FlinkErrorText.errors(in: response.body)
            let said = errors.isEmpty ? Self.gatewayAnswer(response) : " (\(FlinkErrorText.reason(from: errors)))"
            throw SubmitJobError(.flinkUnreachable, "Flink at \(baseURL) is unavailable: \(call) was answered with HTTP \(response.status)\(said)",
                detail: response.text)
        default:
            // Markup dropped: an HTML error page is a gateway's, and its text is what matters.
            throw SubmitJobError(.unexpectedResponse, "Flink answered \(call) with HTTP \(response.status)\(Self.gatewayAnswer(response))",
                detail: response.text)
        }
    }

    /// What a refusing gateway said about itself: its challenge and the first line of its page
    /// (markup dropped). The credential we sent is never part of it, and messages are scrubbed anyway.
    static func gatewayAnswer(_ response: HTTPResponse) -> String {
        var parts: [String] = []
        if let challenge = response.headers["www-authenticate"] { parts.append("WWW-Authenticate: \(challenge.prefix(120))") }
        var text = ""
        var inTag = false
        for character in response.text {
            if character == "<" { inTag = true } else if character == ">" { inTag = false; text.append(" ") } else if !inTag { text.append(character) }
        }
        let words = text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
        if !words.isEmpty { parts.append("\"\(words.prefix(160))\"") }
        return parts.isEmpty ? "" : " (" + parts.joined(separator: "; ") + ")"
    }

    func json(_ response: HTTPResponse, _ call: String) throws(SubmitJobError) -> JSONValue {
        do {
            return try JSONParser.parse(response.text).value
        } catch {
            throw SubmitJobError(.unexpectedResponse, "Flink answered \(call) with something that is not JSON (\(error.description))",
                detail: String(response.text.prefix(2000)))
        }
    }
}
