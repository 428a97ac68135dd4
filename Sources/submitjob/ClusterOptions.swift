import ArgumentParser
import SubmitJobCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Where Flink is: its REST address, its local installation and configuration, and the
/// Kubernetes session it may be. Shared by submit, plan and config.
struct ClusterOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Flink's REST address. Default: $FLINK_REST_URL, else what Flink's configuration says (rest.address, rest.port, ...), else http://localhost:8081.", valueName: "url"))
    var flink: String?

    @Option(name: .customLong("flink-home"), help: ArgumentHelp("The Flink installation whose bin/flink --via cli runs and whose conf/ is read. Default: $FLINK_HOME, else /opt/flink.", valueName: "dir"))
    var flinkHome: String?

    @Option(name: .customLong("flink-conf-dir"), help: ArgumentHelp("Folder of flink-conf.yaml / config.yaml. Default: $FLINK_CONF_DIR, else <flink home>/conf.", valueName: "dir"))
    var flinkConfDir: String?

    @Option(name: .long, help: ArgumentHelp("remote (a session cluster at a REST address) or kubernetes-session. Default: remote, unless Flink's configuration sets execution.target: kubernetes-session.", valueName: "target"))
    var target: String?

    @Option(name: .customLong("cluster-id"), help: ArgumentHelp("With --target kubernetes-session: the session's kubernetes.cluster-id; REST is then http://<id>-rest.<namespace>.svc:8081.", valueName: "id"))
    var clusterID: String?

    @Option(name: .long, help: ArgumentHelp("With --target kubernetes-session: the session's namespace. Default: kubernetes.namespace from the configuration, else default.", valueName: "ns"))
    var namespace: String?

    @Option(name: .customLong("ca-cert"), help: ArgumentHelp("Trust the CA certificates in this PEM file (repeatable, or one bundle) instead of the system's; for an https Flink or gateway with a private CA. Default: security.ssl.rest.truststore when Flink's configuration turns REST SSL on, else the system's CAs.", valueName: "pem"))
    var caCertificates: [String] = []

    @Option(name: .customLong("client-cert"), help: ArgumentHelp("Present this PEM certificate (chain) for mutual TLS, with --client-key. Default: security.ssl.rest.keystore when security.ssl.rest.authentication-enabled is true.", valueName: "pem"))
    var clientCertificate: String?

    @Option(name: .customLong("client-key"), help: ArgumentHelp("The unencrypted PEM private key of --client-cert.", valueName: "pem"))
    var clientKey: String?

    @Flag(name: .long, help: "Do not verify the server's TLS certificate at all (a warning is printed every time). For a test cluster only.")
    var insecure = false

    @Option(name: .customLong("header-file"), help: ArgumentHelp("Send these request headers to Flink or its gateway, one `Name: value` a line (e.g. Authorization: Bearer ...). Default: $SUBMITJOB_HEADER_FILE. $SUBMITJOB_HEADERS may hold more lines. Values are secrets: never printed.", valueName: "path"))
    var headerFile: String?

    /// Reads the local installation's configuration and decides the endpoint, TLS and
    /// credentials. Only reads files.
    func resolve(fileSystem: some FileSystem) throws(SubmitJobError) -> (FlinkInstallation, FlinkConnection) {
        let home = flinkHome.map { FlinkInstallation.Choice(Paths.absolute($0), from: "--flink-home") }
            ?? Environment.value("FLINK_HOME").map { FlinkInstallation.Choice(Paths.absolute($0), from: "$FLINK_HOME") }
            ?? FlinkInstallation.Choice(FlinkInstallation.defaultHome, from: "default")
        let confDir = flinkConfDir.map { FlinkInstallation.Choice(Paths.absolute($0), from: "--flink-conf-dir") }
            ?? Environment.value("FLINK_CONF_DIR").map { FlinkInstallation.Choice(Paths.absolute($0), from: "$FLINK_CONF_DIR") }
        let installation = try FlinkInstallation.locate(home: home, confDir: confDir, fileSystem: fileSystem)
        var headers = FlinkConnection.HeaderSources(environment: Environment.value("SUBMITJOB_HEADERS"))
        if let (path, from) = headerFile.map({ (Paths.absolute($0), "--header-file") }) ?? Environment.value("SUBMITJOB_HEADER_FILE").map({ (Paths.absolute($0), "$SUBMITJOB_HEADER_FILE") }) {
            let bytes = try fileSystem.read(path, limit: 1 << 20)
            headers.file = (path, String(decoding: bytes, as: UTF8.self), from)
        }
        let connection = try FlinkConnection.resolve(FlinkEndpoint.Inputs(
            flag: flink, environment: Environment.value("FLINK_REST_URL"), target: target,
            clusterID: clusterID, namespace: namespace, configuration: installation.configuration,
            configurationError: installation.configurationError),
            tls: TLSSettings.Flags(caCertificates: caCertificates.map(Paths.absolute), clientCertificate: clientCertificate.map(Paths.absolute),
                                   clientKey: clientKey.map(Paths.absolute), insecure: insecure),
            headers: headers)
        // From here on, anything printed is scrubbed of the credentials too.
        Output.redactor.add(connection.secrets)
        return (installation, connection)
    }
}

enum Paths {
    /// Relative paths are resolved against the working directory: they end up in file:// URLs
    /// and in a child's environment, where "relative" would mean something else.
    static func absolute(_ path: String) -> String {
        guard !path.hasPrefix("/"), let cwd = getcwd(nil, 0) else { return path }
        defer { free(cwd) }
        let base = String(cString: cwd)
        let trimmed = path.hasPrefix("./") ? String(path.dropFirst(2)) : path
        return trimmed.isEmpty || trimmed == "." ? base : (base == "/" ? "/" : base + "/") + trimmed
    }
}
