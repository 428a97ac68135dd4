import ArgumentParser
import SubmitJobCore

struct Config: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Print where Flink is and where each part of that answer came from.",
        discussion: """
            Reads the local Flink configuration (flink-conf.yaml or config.yaml, as that Flink version does) and resolves the REST endpoint: --flink, then --target kubernetes-session, then $FLINK_REST_URL, then the configuration (execution.target, rest.address or jobmanager.rpc.address, rest.port, rest.path, security.ssl.rest.enabled), then http://localhost:8081. Contacts nothing.

            Also shows how TLS would be verified (--ca-cert, --client-cert, --insecure, else security.ssl.rest.truststore / keystore / authentication-enabled) and which gateway credentials would be sent (user info in the URL, --header-file, $SUBMITJOB_HEADERS), each with its origin; passwords and header values as ******.

            Examples:
              submitjob config
              submitjob config --flink-conf-dir /opt/flink/conf
              submitjob config --target kubernetes-session --cluster-id etl --namespace data
            """
    )

    @OptionGroup var cluster: ClusterOptions

    func run() throws {
        let (installation, connection) = try cluster.resolve(fileSystem: LocalFileSystem())
        Output.succeed(ConfigReport.fields(installation: installation, connection: connection))
    }
}
