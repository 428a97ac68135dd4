import ArgumentParser
import SubmitJobCore

struct Jars: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The jars uploaded to the cluster, and removing submitjob's old ones.",
        subcommands: [JarsList.self, JarsPrune.self]
    )
}

struct JarsList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the cluster's uploaded jars, newest first (\"submitjob\": true for submitjob's own uploads)."
    )

    @OptionGroup var options: ControlOptions

    func run() async throws {
        try await options.run { client, deadline throws(SubmitJobError) in
            let jars = try await client.jars(deadline: deadline).sorted { ($0.uploaded, $0.id) > ($1.uploaded, $1.id) }
            return [("jars", .array(jars.map(JarHousekeeping.fields)))]
        }
    }
}

struct JarsPrune: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Delete submitjob's old chunjun-core uploads from the cluster.",
        discussion: """
            Touches only chunjun-core-<hash>.jar uploads (submitjob's own). Keeps the newest copy of the --keep most recently uploaded ones and deletes the rest, including duplicate copies that concurrent submitters uploaded. Running jobs are not affected: Flink copied their jar to its blob server when they started (Flink does not say which upload a job came from, and need not). The next submission uploads the core jar again if it was deleted.

            Examples:
              submitjob jars prune --dry-run
              submitjob jars prune --keep 1
            """
    )

    @Option(name: .long, help: "How many of submitjob's core jars (distinct contents, newest first) to keep.")
    var keep = 2

    @Flag(name: .customLong("dry-run"), help: "Print what would be deleted, delete nothing.")
    var dryRun = false

    @OptionGroup var options: ControlOptions

    func validate() throws {
        guard keep >= 0 else { throw ValidationError("--keep must be 0 or more") }
    }

    func run() async throws {
        try await options.run { client, deadline throws(SubmitJobError) in
            let pruning = try await JarHousekeeping.pruneCluster(client: client, keep: keep, dryRun: dryRun, deadline: deadline, log: { Output.log($0) })
            return [
                ("deleted", .array(pruning.delete.map(JarHousekeeping.fields))),
                ("kept", .array(pruning.keep.map(JarHousekeeping.fields))),
                ("dryRun", .bool(dryRun)),
            ]
        }
    }
}
