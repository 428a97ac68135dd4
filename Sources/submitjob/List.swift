import ArgumentParser
import SubmitJobCore

struct List: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the cluster's jobs, newest first.",
        discussion: """
            Each job has jobId, name, state, startTime and endTime (ISO 8601, UTC; null when not yet). --state (repeatable) keeps jobs in those states; --name-prefix keeps jobs whose name starts with it.

            Examples:
              submitjob list --state RUNNING
              submitjob list --name-prefix nightly- --state FAILED --state CANCELED
            """
    )

    @Option(name: .long, help: ArgumentHelp("Only jobs in this state (repeatable): \(JobStatus.knownStates.joined(separator: ", ")).", valueName: "state"))
    var state: [String] = []

    @Option(name: .customLong("name-prefix"), help: ArgumentHelp("Only jobs whose name starts with this.", valueName: "prefix"))
    var namePrefix: String?

    @OptionGroup var options: ControlOptions

    func validate() throws {
        for s in state where !JobStatus.knownStates.contains(s.uppercased()) {
            throw ValidationError("--state \(s) is not a Flink job state (\(JobStatus.knownStates.joined(separator: ", ")))")
        }
    }

    func run() async throws {
        let states = Set(state.map { $0.uppercased() })
        let prefix = namePrefix
        try await options.run { client, deadline throws(SubmitJobError) in
            let jobs = try await client.jobsOverview(deadline: deadline)
                .filter { (states.isEmpty || states.contains($0.state)) && (prefix.map($0.name.hasPrefix) ?? true) }
                .sorted { ($0.startTime ?? 0, $0.id) > ($1.startTime ?? 0, $1.id) }
            return [("jobs", .array(jobs.map { job in
                .object([("jobId", .string(job.id)), ("name", .string(job.name)), ("state", .string(job.state)),
                         ("startTime", Timestamp.json(epochMilliseconds: job.startTime)), ("endTime", Timestamp.json(epochMilliseconds: job.endTime))])
            }))]
        }
    }
}
