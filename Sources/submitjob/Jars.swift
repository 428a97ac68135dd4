import ArgumentParser
import SubmitJobCore

struct Jars: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jars",
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
        abstract: "Delete submitjob's old chunjun-core and plugin bundle uploads from the cluster.",
        discussion: """
            Touches only submitjob's own uploads: chunjun-core-<hash>.jar (kind "core") and chunjun-bundle-<hash>.jar (kind "bundle", one per plugin set of --plugins bundle). Keeps the --keep most recently uploaded core jars and the --keep-bundles most recent bundles, each in its earliest copy (the one submissions use), and deletes the rest, including later duplicate copies that concurrent submitters uploaded. Running jobs are not affected: Flink copied their jar to its blob server when they started (Flink does not say which upload a job came from, and need not). The next submission uploads its jar again if it was deleted.

            Examples:
              submitjob jars prune --dry-run
              submitjob jars prune --keep 1 --keep-bundles 4
            """
    )

    @Option(name: .long, help: "How many of submitjob's core jars (distinct contents, newest first) to keep.")
    var keep = 2

    @Option(name: .customLong("keep-bundles"), help: "How many of submitjob's plugin bundles (distinct plugin sets, newest first) to keep.")
    var keepBundles = 10

    @Flag(name: .customLong("dry-run"), help: "Print what would be deleted, delete nothing.")
    var dryRun = false

    @OptionGroup var options: ControlOptions

    func validate() throws {
        guard keep >= 0 else { throw ValidationError("--keep must be 0 or more") }
        guard keepBundles >= 0 else { throw ValidationError("--keep-bundles must be 0 or more") }
    }

    func run() async throws {
        try await options.run { client, deadline throws(SubmitJobError) in
            let pruning = try await JarHousekeeping.pruneCluster(client: client, keep: keep, keepBundles: keepBundles, dryRun: dryRun, deadline: deadline, log: { Output.log($0) })
            return [
                ("deleted", .array(pruning.delete.map(JarHousekeeping.fields))),
                ("kept", .array(pruning.keep.map(JarHousekeeping.fields))),
                ("dryRun", .bool(dryRun)),
            ]
        }
    }
}
