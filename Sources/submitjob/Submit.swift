import ArgumentParser
import SubmitJobCore

struct Submit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Submit a Chunjun job to Flink over REST.",
        discussion: """
            Uploads chunjun-core.jar once per content (found again by the SHA-256 in its name), then runs it with the job's program arguments. Every submission carries a job id: when an answer is lost, the job is looked up by that id, never sent twice.

            Examples:
              submitjob submit --job job.json --flink http://jm:8081
              submitjob submit --name nightly < job.json
            """
    )

    @OptionGroup var options: JobOptions

    func run() async throws {
        Output.verbose = options.verbose
        let fileSystem = LocalFileSystem(digestCache: JarDigestCache.standard(environment: Environment.value))
        let deadline = options.deadline
        let job = try options.readJob(from: fileSystem)
        var generator = SystemRandomNumberGenerator()
        let plan = try options.plan(job: job, fileSystem: fileSystem,
            jobID: options.jobID == nil ? SubmissionOptions.randomJobID(using: &generator) : nil)
        let transport = AsyncHTTPClientTransport()
        let outcome: Result<RESTSubmitter.Result, SubmitJobError>
        do {
            let client = try FlinkRESTClient(baseURL: options.flinkURL, transport: transport)
            let submitter = RESTSubmitter(client: client, fileSystem: fileSystem, log: { Output.log($0) })
            outcome = .success(try await submitter.submit(plan, deadline: deadline))
        } catch {
            outcome = .failure(error)
        }
        await transport.shutdown()
        switch outcome {
        case .success(let result):
            Output.log("submitted job \(result.jobID) to Flink \(result.flinkVersion)")
            Output.succeed(result.fields(plan: plan, flinkURL: options.flinkURL))
        case .failure(let error):
            Output.fail(error)
        }
    }
}
