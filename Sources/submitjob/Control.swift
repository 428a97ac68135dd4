import ArgumentParser
import SubmitJobCore

struct Cancel: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel",
        abstract: "Cancel a job and wait until Flink says it ended.",
        discussion: """
            Safe to repeat: a job that has already ended is reported with its state and "alreadyEnded": true (exit 0). An unknown job id is job_not_found (exit 4).

            Example:
              submitjob cancel 0b1f5c3e2a4d4e6f8a9b0c1d2e3f4a5b
            """
    )

    @OptionGroup var job: JobIDArgument
    @OptionGroup var options: ControlOptions

    func run() async throws {
        try await options.run { client, deadline throws(SubmitJobError) in
            let outcome = try await JobController(client: client, log: { Output.log($0) }).cancel(job.jobID, deadline: deadline)
            return outcome.fields()
        }
    }
}

struct Stop: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop",
        abstract: "Stop a job with a savepoint, to resume it later with submit --savepoint.",
        discussion: """
            Takes a savepoint and stops the job in one step (Flink's stop-with-savepoint), waits until both are done and prints the savepoint's path. --drain ends the sources first (for a job that will not be resumed).

            Without --savepoint-dir Flink writes to its state.savepoints.dir; with neither the savepoint fails (savepoint_failed, exit 1) and the job goes on running.

            Safe to repeat: a job that already FINISHED is reported with "alreadyEnded": true and its latest savepoint (the stop's own, when it was stopped with one). A FAILED or CANCELED job has nothing to stop: job_failed / job_canceled (exit 3).

            Resume: submitjob submit --savepoint <path> with a NEW job id or idempotency key (the stopped job's id is taken).

            Example:
              submitjob stop 0b1f5c3e2a4d4e6f8a9b0c1d2e3f4a5b --savepoint-dir s3://bucket/savepoints
            """
    )

    @OptionGroup var job: JobIDArgument

    @Option(name: .customLong("savepoint-dir"), help: ArgumentHelp("Where the savepoint goes (a URI Flink can write: file://, s3://, hdfs://). Default: Flink's state.savepoints.dir.", valueName: "dir"))
    var savepointDir: String?

    @Flag(name: .long, help: "End the sources and flush event time before stopping (the job will not be resumed).")
    var drain = false

    @OptionGroup var options: ControlOptions

    func run() async throws {
        try await options.run { client, deadline throws(SubmitJobError) in
            let version = try await client.config(deadline: deadline).version
            let outcome = try await JobController(client: client, log: { Output.log($0) })
                .stop(job.jobID, directory: savepointDir, drain: drain, version: version, deadline: deadline)
            return outcome.fields([("drained", .bool(drain && !outcome.alreadyEnded)), ("flinkVersion", .string(version.text))])
        }
    }
}

struct Savepoint: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "savepoint",
        abstract: "Take a savepoint of a running job and print its path; the job goes on running.",
        discussion: """
            Triggers the savepoint, follows Flink's asynchronous operation until it completes or fails, and prints the path. A job that has ended cannot take one: job_not_running, job_failed or job_canceled (exit 3); Flink failing to take it (no directory, a task not running yet) is savepoint_failed (exit 1) with Flink's reason.

            Example:
              submitjob savepoint 0b1f5c3e2a4d4e6f8a9b0c1d2e3f4a5b --dir s3://bucket/savepoints
            """
    )

    @OptionGroup var job: JobIDArgument

    @Option(name: .long, help: ArgumentHelp("Where the savepoint goes. Default: Flink's state.savepoints.dir.", valueName: "dir"))
    var dir: String?

    @OptionGroup var options: ControlOptions

    func run() async throws {
        try await options.run { client, deadline throws(SubmitJobError) in
            let version = try await client.config(deadline: deadline).version
            let outcome = try await JobController(client: client, log: { Output.log($0) })
                .savepoint(job.jobID, directory: dir, version: version, deadline: deadline)
            return outcome.fields([("flinkVersion", .string(version.text))])
        }
    }
}
