import ArgumentParser
import SubmitJobCore

extension JobWaiter.Goal: ExpressibleByArgument {}

struct Submit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract: "Submit a Chunjun job to Flink, over REST (default) or with bin/flink run.",
        discussion: """
            --via rest uploads the jar to run once per content (found again by the SHA-256 in its name), then runs it with the job's program arguments. Which jar depends on --plugins: chunjun-core.jar (classpaths, the default on Flink 1.20+; cluster), or a bundle of chunjun-core and the job's plugin jars under lib/ (bundle, the default below 1.20), built once on this machine into submitjob's cache folder and uploaded once per plugin set. Building a bundle and uploading a large jar report progress on stderr. --via cli spawns <flink home>/bin/flink run -d with the plugin jars as -C classpaths; --timeout kills it and everything it started.

            Either way every submission carries a job id, looked up before the run: when an answer is lost or flink run is killed, the job is looked up by that id, never sent twice. --idempotency-key KEY makes the id the caller's own (hex of the first 16 bytes of SHA-256(KEY)).

            --wait running|finished then waits as `submitjob wait` does, within the same --timeout, and prints the submission and the job's final status as one document (exit 3 if the job fails or is cancelled instead).

            Examples:
              submitjob submit --job job.json --flink http://jm:8081
              submitjob submit --idempotency-key sync-task-42 --wait running < job.json
              submitjob submit --via cli --flink-home /opt/flink < job.json
              submitjob submit --target kubernetes-session --cluster-id etl --namespace data < job.json
            """
    )

    @OptionGroup var options: JobOptions

    @Option(name: .long, help: ArgumentHelp("After submitting, wait until the job is running (every task RUNNING) or finished.", valueName: "running|finished"))
    var wait: JobWaiter.Goal?

    func run() async throws {
        Output.verbose = options.verbose
        let fileSystem = LocalFileSystem(digestCache: JarDigestCache.standard(environment: Environment.value))
        let deadline = options.deadline
        let job = try options.readJob(from: fileSystem)
        let (installation, connection) = try options.cluster.resolve(fileSystem: fileSystem)
        let endpoint = connection.endpoint
        options.warnIfPluginsIgnored()
        if options.via == .cli {
            for warning in try FlinkCLI.check(connection) { Output.log("warning: \(warning)") }
        }
        if options.via == .cli, !fileSystem.isExecutableFile(installation.launcher) {
            throw SubmitJobError(.missingFile, "no executable \(installation.launcher) (\(installation.home.from)); give --flink-home or set FLINK_HOME",
                context: [("path", .string(installation.launcher))])
        }
        var generator = SystemRandomNumberGenerator()
        let plan = try options.plan(job: job, fileSystem: fileSystem,
            jobID: options.chosenJobID == nil ? SubmissionOptions.randomJobID(using: &generator) : nil)
        await FlinkSession.run(connection, deadline: deadline, endingWithURL: false) { client throws(SubmitJobError) in
            var fields: [(String, JSONValue)]
            let jobID: String
            switch options.via {
            case .rest:
                let bundles = try PluginBundleCache.standard(environment: Environment.value, fileSystem: fileSystem,
                    progress: Output.reportProgress, log: { Output.log($0) })
                let submitter = RESTSubmitter(client: client, fileSystem: fileSystem, bundles: bundles,
                    locks: FileHostLocks.standard(environment: Environment.value, log: { Output.log($0) }),
                    log: { Output.log($0) }, progress: Output.reportProgress)
                let result = try await submitter.submit(plan, deadline: deadline)
                Output.log("submitted job \(result.jobID) to Flink \(result.flinkVersion)")
                (fields, jobID) = (result.fields(plan: plan, flinkURL: endpoint.url), result.jobID)
            case .cli:
                let (command, _) = FlinkCLI.command(for: plan, flinkHome: installation.home.value, confDir: installation.confDir.value, endpoint: endpoint)
                let submitter = CLISubmitter(client: client, runner: SubprocessRunner(),
                    locks: FileHostLocks.standard(environment: Environment.value, log: { Output.log($0) }), log: { Output.log($0) })
                let result = try await submitter.submit(plan, command: command, deadline: deadline)
                Output.log("submitted job \(result.jobID) to Flink \(result.flinkVersion) with bin/flink run")
                (fields, jobID) = (result.fields(plan: plan, endpoint: endpoint), result.jobID)
            }
            if let wait {
                WorkInProgress.shared.submitted(jobID: jobID, now: "waiting for job \(jobID) to be \(wait.rawValue)")
                let waiter = JobWaiter(inspector: JobInspector(client: client), progress: { Output.log($0) })
                do throws(SubmitJobError) {
                    let status = try await waiter.wait(for: jobID, until: wait, deadline: deadline)
                    fields.append(("status", .object(status.fields)))
                } catch {
                    // The submission happened: the failure document still carries it.
                    var failure = error
                    failure.fields = fields + error.fields
                    throw failure
                }
            }
            return fields
        }
    }
}
