import ArgumentParser
import SubmitJobCore

struct Submit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Submit a Chunjun job to Flink, over REST (default) or with bin/flink run.",
        discussion: """
            --via rest uploads chunjun-core.jar once per content (found again by the SHA-256 in its name), then runs it with the job's program arguments. --via cli spawns <flink home>/bin/flink run -d with the plugin jars as -C classpaths; --timeout kills it and everything it started.

            Either way every submission carries a job id, looked up before the run: when an answer is lost or flink run is killed, the job is looked up by that id, never sent twice.

            Examples:
              submitjob submit --job job.json --flink http://jm:8081
              submitjob submit --via cli --flink-home /opt/flink < job.json
              submitjob submit --target kubernetes-session --cluster-id etl --namespace data < job.json
            """
    )

    @OptionGroup var options: JobOptions

    func run() async throws {
        Output.verbose = options.verbose
        let fileSystem = LocalFileSystem(digestCache: JarDigestCache.standard(environment: Environment.value))
        let deadline = options.deadline
        let job = try options.readJob(from: fileSystem)
        let (installation, endpoint) = try options.cluster.resolve(fileSystem: fileSystem)
        if options.via == .cli, !fileSystem.isExecutableFile(installation.launcher) {
            throw SubmitJobError(.missingFile, "no executable \(installation.launcher) (\(installation.home.from)); give --flink-home or set FLINK_HOME",
                context: [("path", .string(installation.launcher))])
        }
        var generator = SystemRandomNumberGenerator()
        let plan = try options.plan(job: job, fileSystem: fileSystem,
            jobID: options.jobID == nil ? SubmissionOptions.randomJobID(using: &generator) : nil)
        let transport = AsyncHTTPClientTransport()
        let outcome: Result<[(String, JSONValue)], SubmitJobError>
        do {
            let client = try FlinkRESTClient(baseURL: endpoint.url, transport: transport)
            switch options.via {
            case .rest:
                let submitter = RESTSubmitter(client: client, fileSystem: fileSystem, log: { Output.log($0) })
                let result = try await submitter.submit(plan, deadline: deadline)
                Output.log("submitted job \(result.jobID) to Flink \(result.flinkVersion)")
                outcome = .success(result.fields(plan: plan, flinkURL: endpoint.url))
            case .cli:
                let (command, _) = FlinkCLI.command(for: plan, flinkHome: installation.home.value, confDir: installation.confDir.value, endpoint: endpoint)
                let submitter = CLISubmitter(client: client, runner: SubprocessRunner(), log: { Output.log($0) })
                let result = try await submitter.submit(plan, command: command, deadline: deadline)
                Output.log("submitted job \(result.jobID) to Flink \(result.flinkVersion) with bin/flink run")
                outcome = .success(result.fields(plan: plan, endpoint: endpoint))
            }
        } catch {
            outcome = .failure(error)
        }
        await transport.shutdown()
        switch outcome {
        case .success(let fields): Output.succeed(fields)
        case .failure(let error): Output.fail(error)
        }
    }
}
