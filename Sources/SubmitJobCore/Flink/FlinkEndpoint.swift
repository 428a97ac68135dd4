/// Where the cluster is, found the way Flink's own client finds it, with the origin of every
/// value kept so `submitjob config` can explain the choice.
public struct FlinkEndpoint: Sendable {
    public enum Target: Sendable, Equatable {
        /// A session cluster reached at a REST address.
        case remote
        /// A native Kubernetes session: the `<cluster-id>-rest` service in the namespace.
        case kubernetesSession(clusterID: String, namespace: String)
    }

    /// One value that went into the decision.
    public struct Setting: Sendable, Equatable {
        public var key: String
        public var value: String
        /// "--flink", "$FLINK_REST_URL", "/opt/flink/conf/config.yaml line 4", "Flink's default"...
        public var from: String
    }

    public var url: String
    public var target: Target
    /// Where the URL as a whole came from.
    public var from: String
    public var settings: [Setting]
    /// True when the URL came from the flag or the environment, not from what `bin/flink`
    /// reads itself: a CLI submission must then be told the address explicitly.
    public var isExplicit: Bool

    public static let defaultURL = "http://localhost:8081"

    /// What the caller gave; nil means "not given".
    public struct Inputs: Sendable {
        public var flag: String?
        public var environment: String?
        public var target: String?
        public var clusterID: String?
        public var namespace: String?
        public var configuration: FlinkConfiguration
        /// The configuration file was there but unreadable: an error only if the file is needed.
        public var configurationError: SubmitJobError?

        public init(flag: String? = nil, environment: String? = nil, target: String? = nil, clusterID: String? = nil, namespace: String? = nil,
                    configuration: FlinkConfiguration = FlinkConfiguration(), configurationError: SubmitJobError? = nil) {
            self.flag = flag
            self.environment = environment
            self.target = target
            self.clusterID = clusterID
            self.namespace = namespace
            self.configuration = configuration
            self.configurationError = configurationError
        }
    }

    /// `--flink` > `--target kubernetes-session` > `$FLINK_REST_URL` > the configuration
    /// (`execution.target: kubernetes-session`, else `rest.*`) > `http://localhost:8081`.
    /// Flags beat the environment, the environment beats files, as everywhere in submitjob.
    public static func resolve(_ inputs: Inputs) throws(SubmitJobError) -> FlinkEndpoint {
        let configuration = inputs.configuration
        if let target = inputs.target, !["remote", "kubernetes-session"].contains(target) {
            throw SubmitJobError(.usage, "--target must be remote or kubernetes-session, not \"\(target)\"")
        }
        if inputs.target != "kubernetes-session", inputs.clusterID != nil || inputs.namespace != nil {
            throw SubmitJobError(.usage, "--cluster-id and --namespace need --target kubernetes-session")
        }
        if let flag = inputs.flag {
            if inputs.target == "kubernetes-session" {
                throw SubmitJobError(.usage, "give either --flink or --target kubernetes-session, not both")
            }
            return FlinkEndpoint(url: flag, target: .remote, from: "--flink", settings: [Setting(key: "url", value: flag, from: "--flink")], isExplicit: true)
        }
        if inputs.target == "kubernetes-session" {
            return try kubernetes(inputs, targetFrom: "--target")
        }
        if let environment = inputs.environment {
            return FlinkEndpoint(url: environment, target: .remote, from: "$FLINK_REST_URL", settings: [Setting(key: "url", value: environment, from: "$FLINK_REST_URL")], isExplicit: true)
        }
        if let error = inputs.configurationError { throw error }
        guard let file = configuration.file else {
            return FlinkEndpoint(url: defaultURL, target: .remote, from: "default (no Flink configuration found)", settings: [], isExplicit: false)
        }
        if inputs.target == nil, configuration["execution.target"] == "kubernetes-session" {
            return try kubernetes(inputs, targetFrom: configuration.origin(of: "execution.target") ?? file)
        }
        return try fromRESTOptions(configuration, file: file)
    }

    static func fromRESTOptions(_ configuration: FlinkConfiguration, file: String) throws(SubmitJobError) -> FlinkEndpoint {
        var settings: [Setting] = []
        func setting(_ keys: [String], default fallback: String?) -> String? {
            if let found = configuration.firstSetting(of: keys) {
                settings.append(found)
                return found.value
            }
            if let fallback { settings.append(Setting(key: keys[0], value: fallback, from: "Flink's default")) }
            return fallback
        }
        let host = setting(["rest.address", "jobmanager.rpc.address"], default: "localhost") ?? "localhost"
        let port = setting(["rest.port"], default: "8081") ?? "8081"
        let path = setting(["rest.path", "rest.url-prefix"], default: nil)
        let tls = setting(FlinkConfiguration.restSSLEnabledKeys, default: "false")?.lowercased() == "true"
        try validate(settings)
        let hostPart = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        // Flink reads the port as an int ("+80", "080"); the URL gets its plain form.
        var url = "\(tls ? "https" : "http")://\(hostPart):\(Int(port).map(String.init) ?? port)"
        if let path {
            let trimmed = path.split(separator: "/").joined(separator: "/")
            if !trimmed.isEmpty { url += "/" + trimmed }
        }
        return FlinkEndpoint(url: url, target: .remote, from: file, settings: settings, isExplicit: false)
    }

    /// What the configuration says must make a URL: a host name or address, a port number, a
    /// path of URL characters. Anything else (a stray quote, a space, a scheme) is the file's
    /// mistake, named with its line, rather than a URL that fails later for no clear reason.
    static func validate(_ settings: [Setting]) throws(SubmitJobError) {
        for setting in settings where setting.from != "Flink's default" {
            let value = setting.value
            let valid: Bool
            let expected: String
            switch setting.key {
            case "rest.address", "jobmanager.rpc.address":
                expected = "a host name or IP address"
                valid = isHostName(value) || isIPv6Address(value)
            case "rest.port":
                expected = "a port number (1-65535)"
                valid = Int(value).map { (1...65535).contains($0) } ?? false
            case "rest.path", "rest.url-prefix":
                expected = "a URL path"
                valid = value.unicodeScalars.allSatisfy { $0.isASCII && $0.properties.isAlphabetic || ("0"..."9").contains($0) || "/-._~%!$&'()*+,;=:@".unicodeScalars.contains($0) }
                    && isPercentEncodingWellFormed(value)
            default:
                continue
            }
            if !valid {
                throw SubmitJobError(.configuration, "\(setting.key) \"\(value)\" (\(setting.from)) is not \(expected)", context: [("key", .string(setting.key))])
            }
        }
    }

    /// A name or an IPv4 address (letters of any script, digits, "-._"); ':' and brackets only
    /// make an IPv6 address, and then only as one.
    static func isHostName(_ value: String) -> Bool {
        !value.isEmpty && value.unicodeScalars.allSatisfy { $0.properties.isAlphabetic || ("0"..."9").contains($0) || "-._".unicodeScalars.contains($0) }
    }

    /// An IPv6 address, bare or in brackets: hex digits, '.' (an embedded IPv4) and at least two ':'.
    static func isIPv6Address(_ value: String) -> Bool {
        var inside = Substring(value)
        if inside.hasPrefix("[") || inside.hasSuffix("]") {
            guard inside.hasPrefix("["), inside.hasSuffix("]"), inside.count >= 2 else { return false }
            inside = inside.dropFirst().dropLast()
        }
        return inside.unicodeScalars.count(where: { $0 == ":" }) >= 2
            && inside.unicodeScalars.allSatisfy { $0 == ":" || $0 == "." || ("0"..."9").contains($0) || ("a"..."f").contains($0) || ("A"..."F").contains($0) }
    }

    /// Every '%' starts a %XX escape: anything else is not a URL path.
    static func isPercentEncodingWellFormed(_ value: String) -> Bool {
        let bytes = Array(value.utf8)
        func isHex(_ b: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(b | 0x20) }
        for (i, b) in bytes.enumerated() where b == UInt8(ascii: "%") {
            guard i + 2 < bytes.count, isHex(bytes[i + 1]), isHex(bytes[i + 2]) else { return false }
        }
        return true
    }

    static func kubernetes(_ inputs: Inputs, targetFrom: String) throws(SubmitJobError) -> FlinkEndpoint {
        let configuration = inputs.configuration
        let code: SubmitJobError.Code = targetFrom == "--target" ? .usage : .configuration
        var settings = [Setting(key: "execution.target", value: "kubernetes-session", from: targetFrom)]
        guard let clusterID = inputs.clusterID ?? configuration["kubernetes.cluster-id"] else {
            throw SubmitJobError(code, "a kubernetes-session target needs a cluster id: give --cluster-id (or kubernetes.cluster-id in Flink's configuration)")
        }
        settings.append(Setting(key: "kubernetes.cluster-id", value: clusterID, from: inputs.clusterID != nil ? "--cluster-id" : configuration.origin(of: "kubernetes.cluster-id") ?? ""))
        let namespace = inputs.namespace ?? configuration["kubernetes.namespace"] ?? "default"
        settings.append(Setting(key: "kubernetes.namespace", value: namespace,
            from: inputs.namespace != nil ? "--namespace" : configuration.origin(of: "kubernetes.namespace") ?? "Flink's default"))
        for (name, value) in [("cluster id", clusterID), ("namespace", namespace)] where !isDNSLabel(value) {
            throw SubmitJobError(code, "the Kubernetes \(name) \"\(value)\" is not a DNS label (lower-case letters, digits and '-', at most 63)")
        }
        // Flink's native Kubernetes session exposes REST as the `<cluster-id>-rest` service on 8081,
        // over TLS when the configuration turns REST SSL on.
        let scheme = configuration.firstSetting(of: FlinkConfiguration.restSSLEnabledKeys)?.value.lowercased() == "true" ? "https" : "http"
        return FlinkEndpoint(url: "\(scheme)://\(clusterID)-rest.\(namespace).svc:8081", target: .kubernetesSession(clusterID: clusterID, namespace: namespace),
            from: targetFrom == "--target" ? "--target kubernetes-session" : targetFrom, settings: settings, isExplicit: targetFrom == "--target")
    }

    static func isDNSLabel(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard (1...63).contains(bytes.count), bytes.first != UInt8(ascii: "-"), bytes.last != UInt8(ascii: "-") else { return false }
        return bytes.allSatisfy { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: "-") }
    }
}
