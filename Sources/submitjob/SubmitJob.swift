import ArgumentParser
import SubmitJobCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Synchronous on purpose. An async `main` parks the main thread with `dispatch_main()`, which
/// ends it with `pthread_exit()`; that forced unwind makes libgcc sort every unwind table of the
/// static binary first, 50-100 ms of CPU at every start (most of what a `plan` cost). Here the
/// command runs in a detached task, the main thread only sleeps, and the task ends the process
/// with `exit` (every path of `SubmitJob.runCommand` does, or it returns and the task does).
@main
enum Entrypoint {
    static func main() {
        Signals.install()
        Task.detached {
            await SubmitJob.runCommand()
            exit(0)
        }
        while true { pause() }
    }
}

/// Parses arguments, runs the command, and turns every outcome into exactly one JSON document on
/// stdout and a documented exit status.
struct SubmitJob: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "submitjob",
        abstract: "Submit Chunjun jobs to Apache Flink and report what happened as JSON.",
        discussion: """
            Reads a Chunjun job (sync JSON or SQL script) from --job or standard input, resolves its plugin jars from a chunjun-dist folder the way Chunjun does, and submits it to Flink over its REST API or with bin/flink run. Then follows it: status, wait, cancel, stop with a savepoint, savepoint, list, and housekeeping of the uploaded jars. Without --flink it finds the cluster the way Flink's own tools do (see `submitjob config`).

            Exactly one JSON document goes to stdout; messages for people go to stderr.

            Exit statuses: 0 ok, 1 Flink rejected the job (or could not take a savepoint), 3 the job failed, was cancelled or has ended, 4 no such job, 64 usage, 65 invalid job, 66 missing file/folder/plugin, 69 Flink unreachable, 70 internal error, 75 timed out (outcome unknown), 76 unexpected answer from Flink, 77 authentication rejected, 78 configuration error, 130/143 stopped by SIGINT/SIGTERM (the job id is in the error if the job may have reached Flink).
            """,
        version: version,
        subcommands: [Submit.self, Plan.self, Status.self, Wait.self, Cancel.self, Stop.self, Savepoint.self, List.self, Jars.self, Config.self]
    )

    static func runCommand() async {
        let command: any ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            failArguments(error)
        }
        do {
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                var syncCommand = command
                try syncCommand.run()
            }
        } catch let error as SubmitJobError {
            Output.fail(error)
        } catch {
            failArguments(error)
        }
    }

    /// ArgumentParser's errors: help and --version are for people and print as it prints them;
    /// everything else is a usage error in the JSON contract.
    static func failArguments(_ error: any Error) -> Never {
        guard exitCode(for: error) != .success else { exit(withError: error) }
        Output.fail(SubmitJobError(.usage, message(for: error)), usage: fullMessage(for: error))
    }
}
