/// Everything needed to talk to Flink: where it is, how TLS is verified, and what a gateway
/// in front of it wants. Resolved without I/O from what the caller read; `endpoint.url` never
/// carries the credentials (they are split off into `credentials`), so it is safe to print.
public struct FlinkConnection: Sendable {
    public var endpoint: FlinkEndpoint
    public var tls: TLSSettings
    public var credentials: GatewayCredentials

    public init(endpoint: FlinkEndpoint, tls: TLSSettings = TLSSettings(), credentials: GatewayCredentials = GatewayCredentials()) {
        self.endpoint = endpoint
        self.tls = tls
        self.credentials = credentials
    }

    public var usesTLS: Bool { endpoint.url.lowercased().hasPrefix("https://") }

    /// Every credential value, to be scrubbed from anything printed.
    public var secrets: [String] { tls.secrets + credentials.secrets }

    /// The header sources the caller read; nil means "not given".
    public struct HeaderSources: Sendable {
        public var file: (path: String, text: String, from: String)?
        public var environment: String?

        public init(file: (path: String, text: String, from: String)? = nil, environment: String? = nil) {
            self.file = file
            self.environment = environment
        }
    }

    /// Splits user info off the flag and environment URLs before the endpoint is resolved, so
    /// neither the URL nor its `settings` ever hold a password; then decides TLS and headers.
    public static func resolve(_ inputs: FlinkEndpoint.Inputs, tls flags: TLSSettings.Flags, headers: HeaderSources) throws(SubmitJobError) -> FlinkConnection {
        var inputs = inputs
        let flag = inputs.flag.map(GatewayCredentials.splitUserInfo)
        let environment = inputs.environment.map(GatewayCredentials.splitUserInfo)
        inputs.flag = flag?.url
        inputs.environment = environment?.url
        let endpoint = try FlinkEndpoint.resolve(inputs)

        var credentials = GatewayCredentials()
        let userInfo = endpoint.from == "--flink" ? flag : endpoint.from == "$FLINK_REST_URL" ? environment : nil
        if let userInfo, let user = userInfo.user {
            credentials.user = user
            credentials.password = userInfo.password
            credentials.userFrom = endpoint.from
        }
        if let file = headers.file {
            credentials.headers += try GatewayCredentials.parseHeaders(file.text, origin: "\(file.path) (\(file.from))")
        }
        if let text = headers.environment {
            credentials.headers += try GatewayCredentials.parseHeaders(text, origin: "$SUBMITJOB_HEADERS")
        }
        let connection = FlinkConnection(endpoint: endpoint, credentials: credentials)
        let tls: TLSSettings
        do {
            tls = try TLSSettings.resolve(flags: flags, configuration: inputs.configuration)
        } catch where error.code != .usage && !connection.usesTLS {
            // A broken SSL section must not fail a plain http:// address that does not need it.
            tls = TLSSettings()
        }
        return FlinkConnection(endpoint: endpoint, tls: tls, credentials: credentials)
    }
}
