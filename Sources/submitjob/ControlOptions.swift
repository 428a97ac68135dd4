import ArgumentParser
import SubmitJobCore

/// What the commands that follow a job share: where Flink is, the deadline, verbosity.
struct ControlOptions: ParsableArguments {
    @OptionGroup(title: "Flink")
    var cluster: ClusterOptions

    @Option(name: .long, help: ArgumentHelp("Overall deadline in seconds: every network call ends by then.", valueName: "seconds"))
    var timeout: Double = 120

    @Flag(name: .long, help: "Print Flink's whole error text on stderr.")
    var verbose = false

    func validate() throws {
        try Deadline.validate(timeout)
    }

    var deadline: ContinuousClock.Instant { Deadline.from(seconds: timeout) }

    /// Finds Flink as `submit` does (flags, environment, Flink's configuration), runs `body`
    /// against it within the deadline and prints the outcome.
    func run(_ body: (FlinkRESTClient, ContinuousClock.Instant) async throws(SubmitJobError) -> [(String, JSONValue)]) async throws {
        Output.verbose = verbose
        let deadline = self.deadline
        let connection = try cluster.resolve(fileSystem: LocalFileSystem()).1
        await FlinkSession.run(connection, deadline: deadline) { client throws(SubmitJobError) in try await body(client, deadline) }
    }
}

enum Deadline {
    static func validate(_ seconds: Double) throws {
        guard seconds > 0, seconds <= 86_400 else { throw ValidationError("--timeout must be between 0 and 86400 seconds") }
    }

    static func from(seconds: Double) -> ContinuousClock.Instant {
        .now + .milliseconds(Int64(seconds * 1000))
    }
}

/// A job id argument: 32 hex digits, as Flink prints them.
struct JobIDArgument: ParsableArguments {
    @Argument(help: ArgumentHelp("The Flink job id (32 hex digits).", valueName: "job-id"))
    var rawJobID: String

    var jobID: String { SubmissionOptions.normalizedJobID(rawJobID) ?? rawJobID }

    func validate() throws {
        guard SubmissionOptions.normalizedJobID(rawJobID) != nil else {
            throw ValidationError("a job id is 32 hex digits, not \"\(rawJobID)\"")
        }
    }
}

/// Runs one conversation with Flink and prints its outcome as the one JSON document. The
/// transport is shut down before the process exits, whatever happened.
enum FlinkSession {
    /// Connects, runs `body` against the cluster and prints its fields (plus `flink`, the URL),
    /// or the error.
    static func run(_ connection: FlinkConnection, deadline: ContinuousClock.Instant, endingWithURL: Bool = true,
                    _ body: (FlinkRESTClient) async throws(SubmitJobError) -> [(String, JSONValue)]) async -> Never {
        switch await attempt(connection, deadline: deadline, body) {
        case .success(let fields): Output.succeed(fields + (endingWithURL ? [("flink", .string(connection.endpoint.url))] : []))
        case .failure(let error): Output.fail(error)
        }
    }

    /// `body` against the cluster, its outcome returned (the transport shut down either way).
    static func attempt<T>(_ connection: FlinkConnection, deadline: ContinuousClock.Instant,
                           _ body: (FlinkRESTClient) async throws(SubmitJobError) -> T) async -> Result<T, SubmitJobError> {
        let endpoint = connection.endpoint
        if connection.usesTLS, connection.tls.trust == .anything {
            Output.log("warning: --insecure: the certificate of \(endpoint.url) is not verified; anyone on the way can read and change what is sent, credentials included")
        }
        let transport: AsyncHTTPClientTransport
        do {
            let keyTool = JREKeyTool(environment: Environment.value, runner: SubprocessRunner(), isExecutable: LocalFileSystem().isExecutableFile)
            transport = try await AsyncHTTPClientTransport.connecting(to: connection, fileSystem: LocalFileSystem(), keyTool: keyTool,
                cache: TruststoreCache.standard(environment: Environment.value), deadline: deadline)
        } catch {
            return .failure(error)
        }
        let outcome: Result<T, SubmitJobError>
        do {
            let client = try FlinkRESTClient(baseURL: endpoint.url, transport: transport)
            outcome = .success(try await body(client))
        } catch {
            outcome = .failure(error)
        }
        await transport.shutdown()
        return outcome
    }
}
