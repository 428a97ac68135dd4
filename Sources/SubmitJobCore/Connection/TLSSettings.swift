/// How submitjob secures its connection to Flink's REST endpoint: which certificates it trusts,
/// which one it presents, and where each choice came from. Decided from the flags and Flink's own
/// `security.ssl.rest.*` settings the way Flink's REST client reads them (`SSLUtils`); pure, no
/// file is opened here (`TLSMaterial` loads what this names).
public struct TLSSettings: Sendable, Equatable {
    /// A Java key store named in Flink's configuration (JKS or PKCS#12; the file says which).
    public struct Store: Sendable, Equatable {
        public var path: String
        /// Secret: never printed, never on a command line.
        public var password: String
        /// The private key's own password (keystores); Flink requires it, it is usually the store's.
        public var keyPassword: String?
        /// `security.ssl.rest.keystore-type` / `truststore-type` when the configuration sets it.
        public var type: String?
        /// The configuration key that named the file, for messages.
        public var key: String

        public init(path: String, password: String, keyPassword: String? = nil, type: String? = nil, key: String) {
            self.path = path
            self.password = password
            self.keyPassword = keyPassword
            self.type = type
            self.key = key
        }
    }

    public enum Trust: Sendable, Equatable {
        /// The system's CA bundle (what curl and the JDK trust by default).
        case system
        /// PEM files from `--ca-cert`: these CAs only.
        case certificates([String])
        /// `security.ssl.rest.truststore`: its certificates only, as Flink does.
        case store(Store)
        /// `--insecure`: no verification at all.
        case anything
    }

    public enum Identity: Sendable, Equatable {
        case none
        /// `--client-cert` / `--client-key` (PEM).
        case pem(certificate: String, key: String)
        /// `security.ssl.rest.keystore`, presented when `security.ssl.rest.authentication-enabled`.
        case store(Store)
    }

    public var trust: Trust
    public var identity: Identity
    /// Off only when Flink's configuration says `security.ssl.verify-hostname: false`.
    public var verifyHostname: Bool
    /// What `submitjob config` shows: every value that went into this, passwords masked.
    public var settings: [FlinkEndpoint.Setting]

    public init(trust: Trust = .system, identity: Identity = .none, verifyHostname: Bool = true, settings: [FlinkEndpoint.Setting] = []) {
        self.trust = trust
        self.identity = identity
        self.verifyHostname = verifyHostname
        self.settings = settings
    }

    /// Every password it holds, so messages can be scrubbed of them.
    public var secrets: [String] {
        var values: [String] = []
        for store in [trustStore, identityStore].compactMap({ $0 }) {
            values.append(store.password)
            if let key = store.keyPassword { values.append(key) }
        }
        return values
    }

    var trustStore: Store? { if case .store(let store) = trust { store } else { nil } }
    var identityStore: Store? { if case .store(let store) = identity { store } else { nil } }

    /// The TLS flags of every command that talks to Flink; nil / empty means "not given".
    public struct Flags: Sendable {
        public var caCertificates: [String]
        public var clientCertificate: String?
        public var clientKey: String?
        public var insecure: Bool

        public init(caCertificates: [String] = [], clientCertificate: String? = nil, clientKey: String? = nil, insecure: Bool = false) {
            self.caCertificates = caCertificates
            self.clientCertificate = clientCertificate
            self.clientKey = clientKey
            self.insecure = insecure
        }
    }

    /// Flags win, part by part (trust, identity); Flink's configuration counts only when it turns
    /// REST SSL on (`security.ssl.rest.enabled`, or the deprecated `security.ssl.enabled`), as for
    /// Flink's own client. Its legacy shared keys (`security.ssl.truststore`, ...) are fallbacks.
    public static func resolve(flags: Flags, configuration: FlinkConfiguration) throws(SubmitJobError) -> TLSSettings {
        if flags.insecure, !flags.caCertificates.isEmpty {
            throw SubmitJobError(.usage, "--insecure turns verification off; it cannot be combined with --ca-cert")
        }
        if (flags.clientCertificate == nil) != (flags.clientKey == nil) {
            throw SubmitJobError(.usage, "mutual TLS needs both --client-cert and --client-key")
        }
        var settings: [FlinkEndpoint.Setting] = []
        func fromConfig(_ keys: [String], secret: Bool = false) -> String? {
            guard var found = configuration.firstSetting(of: keys) else { return nil }
            let value = found.value
            if secret { found.value = SecretRedactor.mask }
            settings.append(found)
            return value
        }
        let sslOn = fromConfig(FlinkConfiguration.restSSLEnabledKeys)?.lowercased() == "true"
        let file = configuration.file ?? "Flink's configuration"

        var result = TLSSettings()
        if sslOn, fromConfig(["security.ssl.verify-hostname"])?.lowercased() == "false" {
            result.verifyHostname = false
        }
        if flags.insecure {
            result.trust = .anything
            settings.append(FlinkEndpoint.Setting(key: "trust", value: "none (no verification)", from: "--insecure"))
        } else if !flags.caCertificates.isEmpty {
            result.trust = .certificates(flags.caCertificates)
            for path in flags.caCertificates { settings.append(FlinkEndpoint.Setting(key: "trust", value: path, from: "--ca-cert")) }
        } else if sslOn, let path = fromConfig(["security.ssl.rest.truststore", "security.ssl.truststore"]) {
            guard let password = fromConfig(["security.ssl.rest.truststore-password", "security.ssl.truststore-password"], secret: true) else {
                throw SubmitJobError(.configuration, "\(file) names the truststore \(path) but no security.ssl.rest.truststore-password; Flink needs it too")
            }
            result.trust = .store(Store(path: path, password: password, type: fromConfig(["security.ssl.rest.truststore-type"]), key: "security.ssl.rest.truststore"))
        } else {
            settings.append(FlinkEndpoint.Setting(key: "trust", value: "the system's CA certificates", from: "default"))
        }

        if let certificate = flags.clientCertificate, let key = flags.clientKey {
            result.identity = .pem(certificate: certificate, key: key)
            settings.append(FlinkEndpoint.Setting(key: "client certificate", value: certificate, from: "--client-cert"))
            settings.append(FlinkEndpoint.Setting(key: "client key", value: key, from: "--client-key"))
        } else if sslOn, fromConfig(["security.ssl.rest.authentication-enabled"])?.lowercased() == "true" {
            // Flink's client presents the keystore only when mutual authentication is on.
            guard let path = fromConfig(["security.ssl.rest.keystore", "security.ssl.keystore"]) else {
                throw SubmitJobError(.configuration, "\(file) turns on security.ssl.rest.authentication-enabled but names no security.ssl.rest.keystore to authenticate with")
            }
            guard let password = fromConfig(["security.ssl.rest.keystore-password", "security.ssl.keystore-password"], secret: true) else {
                throw SubmitJobError(.configuration, "\(file) names the keystore \(path) but no security.ssl.rest.keystore-password")
            }
            let keyPassword = fromConfig(["security.ssl.rest.key-password", "security.ssl.key-password"], secret: true)
            result.identity = .store(Store(path: path, password: password, keyPassword: keyPassword,
                type: fromConfig(["security.ssl.rest.keystore-type"]), key: "security.ssl.rest.keystore"))
        }
        result.settings = settings
        return result
    }
}
