import ArgumentParser
import SubmitJobCore

struct Plan: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print what submit would send, secrets masked, without changing the cluster.",
        discussion: """
            Validates the job, resolves its plugins and prints the plan as JSON: program arguments, plugin jars, classpath URLs, where Flink is, and the exact REST body (--via rest) or command line (--via cli). Over REST it also shows the plugin mode (pluginMode: classpaths, bundle or cluster) and the jar the run uses ("jar": its name, whether the cluster has it, and for a bundle its members). It asks the cluster only read-only questions (GET /config, GET /jars) and builds nothing; with --flink-version, or --via cli, it asks nothing.

            Examples:
              submitjob plan --job job.json
              submitjob plan --job job.sql --flink-version 1.12.7
              submitjob plan --via cli --flink-home /opt/flink --job job.json
            """
    )

    @OptionGroup var options: JobOptions

    @Option(name: .customLong("flink-version"), help: ArgumentHelp("Plan for this Flink version without contacting the cluster.", valueName: "version"))
    var flinkVersion: String?

    func run() async throws {
        Output.verbose = options.verbose
        let fileSystem = LocalFileSystem(digestCache: JarDigestCache.standard(environment: Environment.value))
        let job = try options.readJob(from: fileSystem)
        let (installation, connection) = try options.cluster.resolve(fileSystem: fileSystem)
        let endpoint = connection.endpoint
        let plan = try options.plan(job: job, fileSystem: fileSystem)
        let version: FlinkVersion?
        if let flinkVersion {
            guard let parsed = FlinkVersion(flinkVersion) else {
                throw SubmitJobError(.usage, "--flink-version must look like 1.20.3, not \"\(flinkVersion)\"")
            }
            version = parsed
        } else {
            version = nil
        }
        options.warnIfPluginsIgnored()
        if options.via == .cli {
            let (command, redacted) = FlinkCLI.command(for: plan, flinkHome: installation.home.value, confDir: installation.confDir.value, endpoint: endpoint)
            Output.succeed(PlanReport.cliFields(plan: plan, command: command, redactedArguments: redacted, endpoint: endpoint, version: version ?? installation.version))
        }
        let bundles = try PluginBundleCache.standard(environment: Environment.value, fileSystem: fileSystem, progress: { _, _, _ in }, log: { _ in })
        if let version {
            let mode = try PluginMode.resolve(plan.pluginMode, for: version)
            let jar = try RESTSubmitter.runnableJar(for: plan, mode: mode, fileSystem: fileSystem, bundles: bundles)
            Output.succeed(PlanReport.fields(plan: plan, version: version, mode: mode, endpoint: endpoint, jar: PlanReport.JarStatus(name: jar.name, present: nil, id: nil)))
        }
        let deadline = options.deadline
        await FlinkSession.run(connection, deadline: deadline, endingWithURL: false) { client throws(SubmitJobError) in
            let cluster = try await client.config(deadline: deadline)
            let mode = try PluginMode.resolve(plan.pluginMode, for: cluster.version)
            let jar = try RESTSubmitter.runnableJar(for: plan, mode: mode, fileSystem: fileSystem, bundles: bundles)
            let present = cluster.webSubmit ? try await client.jar(named: jar.name, deadline: deadline) : nil
            return PlanReport.fields(plan: plan, version: cluster.version, mode: mode, endpoint: endpoint,
                                     jar: PlanReport.JarStatus(name: jar.name, present: present != nil, id: present?.id))
        }
    }
}
