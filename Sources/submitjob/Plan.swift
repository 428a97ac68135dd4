import ArgumentParser
import SubmitJobCore

struct Plan: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print what submit would send, secrets masked, without changing the cluster.",
        discussion: """
            Validates the job, resolves its plugins and prints the plan as JSON: program arguments, plugin jars, classpath URLs and the exact REST body. It asks the cluster only read-only questions (GET /config, GET /jars); with --flink-version it asks nothing.

            Examples:
              submitjob plan --job job.json
              submitjob plan --job job.sql --flink-version 1.12.7
            """
    )

    @OptionGroup var options: JobOptions

    @Option(name: .customLong("flink-version"), help: ArgumentHelp("Plan for this Flink version without contacting the cluster.", valueName: "version"))
    var flinkVersion: String?

    func run() async throws {
        Output.verbose = options.verbose
        let fileSystem = LocalFileSystem(digestCache: JarDigestCache.standard(environment: Environment.value))
        let job = try options.readJob(from: fileSystem)
        let plan = try options.plan(job: job, fileSystem: fileSystem)
        if let flinkVersion {
            guard let version = FlinkVersion(flinkVersion) else {
                throw SubmitJobError(.usage, "--flink-version must look like 1.20.3, not \"\(flinkVersion)\"")
            }
            Output.succeed(PlanReport.fields(plan: plan, version: version, flinkURL: nil, jar: nil))
        }
        let transport = AsyncHTTPClientTransport()
        let outcome: Result<(FlinkVersion, PlanReport.JarStatus), SubmitJobError>
        do {
            let deadline = options.deadline
            let client = try FlinkRESTClient(baseURL: options.flinkURL, transport: transport)
            let cluster = try await client.config(deadline: deadline)
            let name = RESTSubmitter.jarName(forSHA256: try fileSystem.sha256(of: plan.coreJar))
            let present = cluster.webSubmit ? try await client.jars(deadline: deadline).first { $0.name == name } : nil
            outcome = .success((cluster.version, PlanReport.JarStatus(name: name, id: present?.id)))
        } catch {
            outcome = .failure(error)
        }
        await transport.shutdown()
        switch outcome {
        case .success(let (version, jar)):
            Output.succeed(PlanReport.fields(plan: plan, version: version, flinkURL: options.flinkURL, jar: jar))
        case .failure(let error):
            Output.fail(error)
        }
    }
}
