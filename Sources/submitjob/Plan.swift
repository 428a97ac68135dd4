import ArgumentParser
import SubmitJobCore

struct Plan: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Print what submit would send, secrets masked, without changing the cluster.",
        discussion: """
            Validates the job, resolves its plugins and prints the plan as JSON: program arguments, plugin jars, classpath URLs, where Flink is, and the exact REST body (--via rest) or command line (--via cli). Over REST it also shows the plugin mode (pluginMode: classpaths, bundle or cluster) and the jar the run uses ("jar": its name, whether the cluster has it, and for a bundle its members). It asks the cluster only read-only questions (GET /config, GET /jars) and builds nothing; with --flink-version, or --via cli, it asks nothing and opens no connection. The Flink version comes from --flink-version, else the cluster, else (when the cluster cannot be reached: refused, no such host, no answer) the local installation's lib/flink-dist*.jar, with a warning; flinkVersionFrom says which. With none of them it fails and names the flag to give.

            Examples:
              submitjob plan --job job.json
              submitjob plan --job job.sql --flink-version 1.12.7
              submitjob plan --via cli --flink-home /opt/flink --job job.json
              submitjob plan --target kubernetes-session --cluster-id etl --flink-home /opt/flink --job job.json
            """
    )

    @OptionGroup var options: JobOptions

    @Option(name: .customLong("flink-version"), help: ArgumentHelp("Plan for this Flink version without contacting the cluster (else the cluster's, else the local installation's).", valueName: "version"))
    var flinkVersion: String?

    func run() async throws {
        Output.verbose = options.verbose
        let fileSystem = LocalFileSystem(digestCache: JarDigestCache.standard(environment: Environment.value))
        let job = try options.readJob(from: fileSystem)
        let (installation, connection) = try options.cluster.resolve(fileSystem: fileSystem)
        let endpoint = connection.endpoint
        let plan = try options.plan(job: job, fileSystem: fileSystem)
        var flagVersion: PlanVersion?
        if let flinkVersion {
            guard let parsed = FlinkVersion(flinkVersion) else {
                throw SubmitJobError(.usage, "--flink-version must look like 1.20.3, not \"\(flinkVersion)\"")
            }
            flagVersion = PlanVersion(parsed, source: .flag)
        }
        options.warnIfPluginsIgnored()
        if options.via == .cli {
            var version = flagVersion
            if version == nil, let local = installation.version, let jar = installation.versionJar {
                version = PlanVersion(local, source: .installation(jar: jar))
            }
            let (command, redacted) = FlinkCLI.command(for: plan, flinkHome: installation.home.value, confDir: installation.confDir.value, endpoint: endpoint)
            Output.succeed(PlanReport.cliFields(plan: plan, command: command, redactedArguments: redacted, endpoint: endpoint, version: version))
        }
        let bundles = try PluginBundleCache.standard(environment: Environment.value, fileSystem: fileSystem, progress: { _, _, _ in }, log: { _ in })
        /// The plan for a version the cluster was not asked about: whether it has the jar is unknown.
        func unasked(_ version: PlanVersion) throws(SubmitJobError) -> Never {
            let mode = try PluginMode.resolve(plan.pluginMode, for: version.version)
            let jar = try RESTSubmitter.runnableJar(for: plan, mode: mode, fileSystem: fileSystem, bundles: bundles)
            if let warning = version.warning { Output.log("warning: " + warning) }
            Output.succeed(PlanReport.fields(plan: plan, version: version.version, versionFrom: version.from, mode: mode, endpoint: endpoint,
                                             jar: PlanReport.JarStatus(name: jar.name, present: nil, id: nil), warnings: version.warning.map { [$0] } ?? []))
        }
        if let flagVersion { try unasked(flagVersion) }
        let deadline = options.deadline
        var reached = false
        let outcome = await FlinkSession.attempt(connection, deadline: deadline) { client throws(SubmitJobError) in
            let cluster = try await client.config(deadline: deadline)
            reached = true
            let mode = try PluginMode.resolve(plan.pluginMode, for: cluster.version)
            let jar = try RESTSubmitter.runnableJar(for: plan, mode: mode, fileSystem: fileSystem, bundles: bundles)
            let present = cluster.webSubmit ? try await client.jar(named: jar.name, deadline: deadline) : nil
            return PlanReport.fields(plan: plan, version: cluster.version, versionFrom: PlanVersion(cluster.version, source: .cluster).from, mode: mode,
                                     endpoint: endpoint, jar: PlanReport.JarStatus(name: jar.name, present: present != nil, id: present?.id))
        }
        switch outcome {
        case .success(let fields): Output.succeed(fields)
        case .failure(let error) where reached: throw error
        case .failure(let error): try unasked(PlanVersion.afterClusterFailed(error, installation: installation))
        }
    }
}
