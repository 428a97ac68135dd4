import ArgumentParser
import SubmitJobCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension JobType: ExpressibleByArgument {}
extension PluginMode: ExpressibleByArgument {}

/// How a job reaches Flink.
enum Via: String, ExpressibleByArgument, CaseIterable {
    case rest, cli
}

/// The options `submit` and `plan` share: where the job, the dist and Flink are, and how to run the job.
struct JobOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The Chunjun job file; '-' reads standard input (the default when it is not a terminal).", valueName: "path"))
    var job: String?

    @Option(name: .customLong("chunjun-dist"), help: ArgumentHelp("The chunjun-dist folder on this machine. Default: $CHUNJUN_DIST, else $CHUNJUN_HOME/chunjun-dist, else /opt/flink/lib/chunjun-dist.", valueName: "dir"))
    var chunjunDist: String?

    @Option(name: .customLong("remote-chunjun-dist"), help: ArgumentHelp("The same tree as the JobManager and TaskManagers see it. Default: --chunjun-dist.", valueName: "dir"))
    var remoteChunjunDist: String?

    @OptionGroup(title: "Flink")
    var cluster: ClusterOptions

    @Option(name: .long, help: "rest: upload the jar to run once (chunjun-core.jar, or a plugin bundle: see --plugins) and run it over REST. cli: spawn <flink home>/bin/flink run -d.")
    var via: Via = .rest

    @Option(name: .long, help: ArgumentHelp("How the plugin jars reach Flink over REST. classpaths: pipeline.classpaths file:// URLs into the dist on every node (Flink 1.20+). bundle: one jar of chunjun-core plus the job's plugin jars under lib/, built once here (cached under bundles/ in submitjob's cache folder) and uploaded once. cluster: chunjun-dist is on the cluster's class path already (under Flink's lib/); only chunjun-core travels. Default: $SUBMITJOB_PLUGINS, else classpaths on 1.20+ and bundle below. --via cli always passes the jars as -C.", valueName: "classpaths|bundle|cluster"))
    var plugins: PluginMode?

    @Option(name: .customLong("job-type"), help: "sync or sql. Default: sync when the job starts with '{', else sql.")
    var jobType: JobType?

    @Option(name: .long, help: ArgumentHelp("The job's name in Flink. Default: Flink_Job.", valueName: "name"))
    var name: String?

    @Option(name: .long, help: "Default parallelism of the job (a sync job's own speed.channel still applies to its operators).")
    var parallelism: Int?

    @Option(name: .customLong("job-id"), help: ArgumentHelp("The Flink job id (32 hex digits). Default: a random one. Submitting again with the same id never starts a second job while the first runs.", valueName: "hex32"))
    var jobID: String?

    @Option(name: .customLong("idempotency-key"), help: ArgumentHelp("Derive the job id from this key (e.g. the caller's own record id): the lower-case hex of the first 16 bytes of its SHA-256. The same key is always the same job, so a retry never starts a second one. Not with --job-id.", valueName: "key"))
    var idempotencyKey: String?

    @Option(name: .long, help: ArgumentHelp("Restore from this savepoint (also passed to Chunjun as execution.savepoint.path).", valueName: "path"))
    var savepoint: String?

    @Flag(name: .customLong("allow-non-restored-state"), help: "With --savepoint: skip savepoint state that maps to no operator.")
    var allowNonRestoredState = false

    @Option(name: .customLong("conf"), help: ArgumentHelp("A Flink or Chunjun property for Chunjun's -confProp (repeatable).", valueName: "key=value"))
    var conf: [KeyValue] = []

    @Option(name: .customLong("param"), help: ArgumentHelp("Replaces ${KEY} in the job (Chunjun's -p; repeatable).", valueName: "key=value"))
    var param: [KeyValue] = []

    @Option(name: .customLong("secret-key"), help: ArgumentHelp("Also treat values under this key name as secrets, in the job and in --param/--conf (repeatable; compared in lower case, letters and digits only). $SUBMITJOB_SECRET_KEYS adds more, comma-separated.", valueName: "name"))
    var secretKey: [String] = []

    @Option(name: .long, help: ArgumentHelp("Overall deadline in seconds: every network call ends by then, and --via cli kills bin/flink and all it started.", valueName: "seconds"))
    var timeout: Double = 120

    @Flag(name: .long, help: "Print Flink's whole error text on stderr.")
    var verbose = false

    var distRoot: String {
        if let chunjunDist { return Paths.absolute(chunjunDist) }
        if let dist = Environment.value("CHUNJUN_DIST") { return Paths.absolute(dist) }
        if let home = Environment.value("CHUNJUN_HOME") { return Paths.absolute(home) + "/chunjun-dist" }
        return "/opt/flink/lib/chunjun-dist"
    }

    func validate() throws {
        try Deadline.validate(timeout)
        if jobID != nil, idempotencyKey != nil {
            throw ValidationError("give either --job-id or --idempotency-key, not both")
        }
        if let idempotencyKey, idempotencyKey.isEmpty {
            throw ValidationError("--idempotency-key is empty")
        }
        for name in secretKey where SecretKeys.normalised(name).isEmpty {
            throw ValidationError("--secret-key \"\(name)\" has no letter or digit")
        }
    }

    /// The id the caller chose, directly or through a key; nil means "make one up".
    var chosenJobID: String? {
        jobID ?? idempotencyKey.map(SubmissionOptions.jobID(forIdempotencyKey:))
    }

    /// `--plugins` means nothing to bin/flink run: say so rather than ignore it silently
    /// (`$SUBMITJOB_PLUGINS` is the image's setting for REST, and stays quiet).
    func warnIfPluginsIgnored() {
        if via == .cli, plugins != nil {
            Output.log("warning: --plugins applies to --via rest; bin/flink run gets the plugin jars as -C classpaths")
        }
    }

    /// `--plugins`, else `$SUBMITJOB_PLUGINS`, else nil (the cluster's version decides).
    func pluginMode() throws(SubmitJobError) -> PluginMode? {
        if let plugins { return plugins }
        return try Environment.value("SUBMITJOB_PLUGINS").map { (text) throws(SubmitJobError) in try PluginMode(parsing: text) }
    }

    func submissionOptions() throws(SubmitJobError) -> SubmissionOptions {
        var options = SubmissionOptions()
        options.pluginMode = try pluginMode()
        options.jobName = name
        options.parallelism = parallelism
        options.jobID = chosenJobID
        options.savepointPath = savepoint
        options.allowNonRestoredState = allowNonRestoredState
        options.conf = conf.map { ($0.key, $0.value) }
        options.params = param.map { ($0.key, $0.value) }
        options.remoteDistRoot = remoteChunjunDist
        return options
    }

    var deadline: ContinuousClock.Instant { Deadline.from(seconds: timeout) }

    /// Reads and validates the job, then makes every later message mask its secrets.
    func readJob(from fileSystem: some FileSystem) throws(SubmitJobError) -> ChunjunJob {
        let path: String
        if let job {
            path = job
        } else if isatty(STDIN_FILENO) == 0 {
            path = "-"
        } else {
            throw SubmitJobError(.usage, "no job: give --job FILE, or pipe the job on standard input")
        }
        let bytes = try fileSystem.read(path, limit: 64 << 20)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw SubmitJobError(.invalidJob, "the job is not UTF-8 text")
        }
        let job = try ChunjunJob(text: text, type: jobType, secretKeys: SecretKeys(extra: Output.environmentSecretKeys + secretKey))
        Output.redactor = job.redactor(options: conf.map { ($0.key, $0.value) } + param.map { ($0.key, $0.value) })
        return job
    }

    /// Job + dist + options → plan, the pure core's one entry point.
    func plan(job: ChunjunJob, fileSystem: some FileSystem, jobID: String? = nil) throws(SubmitJobError) -> SubmissionPlan {
        var options = try submissionOptions()
        if let jobID { options.jobID = jobID }
        return try PlanBuilder.build(job: job, dist: fileSystem.listDist(at: distRoot), options: options)
    }
}

/// `KEY=VALUE`, split as `KeyValueArgument` does (in the core, where the fuzzer reaches it).
struct KeyValue: ExpressibleByArgument {
    var key: String
    var value: String

    init?(argument: String) {
        guard let pair = KeyValueArgument(argument) else { return nil }
        key = pair.key
        value = pair.value
    }
}

enum Environment {
    static func value(_ name: String) -> String? {
        guard let raw = getenv(name) else { return nil }
        let value = String(cString: raw)
        return value.isEmpty ? nil : value
    }
}
