import ArgumentParser
import SubmitJobCore

struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Print a job's state, tasks, last checkpoint and savepoint, and Chunjun's counters.",
        discussion: """
            Counters come from the job's user accumulators: numRead, numWrite, nErrors, byteRead, byteWrite, conversionErrors, nullErrors, duplicateErrors, otherErrors (Chunjun's names; absent ones are left out), then any other accumulator under its own name. Flink gathers them with the TaskManagers' heartbeats, so they appear about 10 s after a job starts.

            "running" is true only when every task is RUNNING or FINISHED. A FAILED job has its rootCause: the innermost "Caused by:" of Flink's exception, secret-looking values masked.

            An unknown job id is job_not_found (exit 4).

            Examples:
              submitjob status 0b1f5c3e2a4d4e6f8a9b0c1d2e3f4a5b
              submitjob status --flink http://jm:8081 0b1f5c3e2a4d4e6f8a9b0c1d2e3f4a5b
            """
    )

    @OptionGroup var job: JobIDArgument
    @OptionGroup var options: ControlOptions

    func run() async throws {
        try await options.run { client, deadline throws(SubmitJobError) in
            // A job that has just ended: its final counters take Flink up to 3 s to show.
            let (status, warnings) = try await JobInspector(client: client).settledStatus(of: job.jobID, clock: .continuous, deadline: deadline)
            warnings.forEach(Output.log)
            return status.fields + [("warnings", .array(warnings.map { .string($0) }))]
        }
    }
}

struct Wait: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wait",
        abstract: "Wait until a job is running or has finished.",
        discussion: """
            --until running: every task is RUNNING or FINISHED (a RUNNING job whose tasks still wait for slots is not running yet). --until finished: the job FINISHED. A FINISHED job satisfies either.

            Prints the job's status (as `status` does) when the goal is reached. A job that ends FAILED or CANCELED instead is job_failed / job_canceled (exit 3), with the root cause; the deadline passing is timed_out (exit 75) with the last state seen; a cluster that stops answering for 15 s is flink_unreachable (exit 69). Progress goes to stderr, at most one line every 5 s.

            Examples:
              submitjob wait 0b1f5c3e2a4d4e6f8a9b0c1d2e3f4a5b --until running --timeout 60
              submitjob wait 0b1f5c3e2a4d4e6f8a9b0c1d2e3f4a5b --until finished --timeout 86400
            """
    )

    @OptionGroup var job: JobIDArgument

    @Option(name: .long, help: ArgumentHelp("running or finished.", valueName: "goal"))
    var until: JobWaiter.Goal

    @OptionGroup var options: ControlOptions

    func run() async throws {
        let goal = until
        try await options.run { client, deadline throws(SubmitJobError) in
            let waiter = JobWaiter(inspector: JobInspector(client: client), progress: { Output.log($0) })
            let status = try await waiter.wait(for: job.jobID, until: goal, deadline: deadline)
            Output.log("job \(job.jobID) is \(status.state == "FINISHED" ? "finished" : "running")")
            return status.fields + [("until", .string(goal.rawValue))]
        }
    }
}
