/// What `submitjob config` prints, and the endpoint part `plan` shows.
public enum ConfigReport {
    public static func fields(installation: FlinkInstallation, connection: FlinkConnection) -> [(String, JSONValue)] {
        let endpoint = connection.endpoint
        var configuration: [(String, JSONValue)] = [
            ("dir", .string(installation.confDir.value)),
            ("dirFrom", .string(installation.confDir.from)),
            ("file", installation.configuration.file.map { .string($0) } ?? .null),
            ("dialect", installation.configuration.dialect.map { .string($0.rawValue) } ?? .null),
        ]
        configuration.append(("notes", .array(installation.notes.map { .string($0) })))
        return [
            ("flink", .string(endpoint.url)),
            ("endpoint", endpointFields(endpoint)),
            ("flinkHome", .object([
                ("path", .string(installation.home.value)),
                ("from", .string(installation.home.from)),
                ("launcher", .string(installation.launcher)),
                ("version", installation.version.map { .string($0.text) } ?? .null),
            ])),
            ("configuration", .object(configuration)),
            ("tls", .object([
                ("used", .bool(connection.usesTLS)),
                ("verifyHostname", .bool(connection.tls.verifyHostname && connection.tls.trust != .anything)),
                ("settings", settingsArray(connection.tls.settings)),
            ])),
            ("credentials", settingsArray(connection.credentials.settings)),
        ]
    }

    /// Values here are already masked where they are secrets (TLSSettings, GatewayCredentials).
    static func settingsArray(_ settings: [FlinkEndpoint.Setting]) -> JSONValue {
        .array(settings.map { .object([("key", .string($0.key)), ("value", .string($0.value)), ("from", .string($0.from))]) })
    }

    public static func endpointFields(_ endpoint: FlinkEndpoint) -> JSONValue {
        var fields: [(String, JSONValue)] = [("url", .string(endpoint.url)), ("from", .string(endpoint.from))]
        switch endpoint.target {
        case .remote:
            fields.append(("target", "remote"))
        case .kubernetesSession(let clusterID, let namespace):
            fields += [("target", "kubernetes-session"), ("clusterId", .string(clusterID)), ("namespace", .string(namespace))]
        }
        fields.append(("settings", settingsArray(endpoint.settings)))
        return .object(fields)
    }
}
