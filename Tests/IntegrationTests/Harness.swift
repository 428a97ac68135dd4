import Foundation
import SubmitJobCore
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// What scripts/test.sh hands the integration tests: the release binary, the fixture dist
/// (compiled with javac) and the URLs of the real Flink clusters it started.
enum Harness {
    static let environment = ProcessInfo.processInfo.environment
    static let binary = environment["SUBMITJOB_IT_BINARY"] ?? ""
    static let dist = environment["SUBMITJOB_IT_DIST"] ?? ""
    static let work = environment["SUBMITJOB_IT_WORK"] ?? ""
    static var configured: Bool { !binary.isEmpty && !dist.isEmpty && !work.isEmpty && !clusters.isEmpty }
    /// Enough for the tests that need no cluster (plan, the fault server, a stand-in bin/flink).
    static var offlineConfigured: Bool { !binary.isEmpty && !dist.isEmpty && !work.isEmpty }
    /// An integration run was meant (any SUBMITJOB_IT_ variable is set): from then on a missing
    /// variable fails a test instead of skipping it.
    static var integrationRun: Bool { environment.contains { $0.key.hasPrefix("SUBMITJOB_IT_") && !$0.value.isEmpty } }

    /// The fixture dist compiled for Flink 2.x (its legacy source and sink moved packages).
    static let dist2 = environment["SUBMITJOB_IT_DIST_2"] ?? ""

    /// 1.20 and 2.2 with nothing of Chunjun under lib/ (classpaths by default); 1.12 twice: with the
    /// dist under lib/ (the standalone image) and with nothing of Chunjun (the session image; the
    /// same cluster the 1.12 `--via cli` tests use), both served by a bundle by default.
    static let clusters: [Cluster] = [
        ("1.20", "SUBMITJOB_IT_FLINK_1_20", false), ("1.12", "SUBMITJOB_IT_FLINK_1_12", true),
        ("1.12", "SUBMITJOB_IT_FLINK_1_12_CLI", false), ("2.2", "SUBMITJOB_IT_FLINK_2_2", false),
    ].compactMap { version, key, distOnClasspath in
        environment[key].map { Cluster(version: version, url: $0, dist: version.hasPrefix("2.") ? dist2 : dist, distOnClasspath: distOnClasspath) }
    }
    static var cluster120: Cluster? { clusters.first { $0.version == "1.20" } }
    /// 1.12.5 with chunjun-dist under lib/.
    static var cluster112Lib: Cluster? { clusters.first { $0.version == "1.12" && $0.distOnClasspath } }
    /// 1.12.5 with nothing of Chunjun on its class path.
    static var cluster112Bare: Cluster? { clusters.first { $0.version == "1.12" && !$0.distOnClasspath } }
    /// Every version make test covers must be there: a missing cluster is a failure, not a skip.
    static var allClustersConfigured: Bool { clusters.count == 4 && !dist2.isEmpty }

    /// Flink homes whose bin/flink --via cli runs, each with a cluster that does NOT have the
    /// dist under lib/ (so only -C can bring the plugins) and whose conf/ names its REST port.
    static let flinkHomes: [FlinkHome] = [
        ("1.20", "SUBMITJOB_IT_FLINK_HOME_1_20", "SUBMITJOB_IT_FLINK_1_20", "config.yaml"),
        ("1.12", "SUBMITJOB_IT_FLINK_HOME_1_12", "SUBMITJOB_IT_FLINK_1_12_CLI", "flink-conf.yaml"),
    ].compactMap { version, homeKey, urlKey, dialect in
        guard let path = environment[homeKey], let url = environment[urlKey] else { return nil }
        return FlinkHome(version: version, path: path, cluster: Cluster(version: version, url: url, dist: dist, distOnClasspath: false), dialect: dialect)
    }
    static var cliConfigured: Bool { configured && flinkHomes.count == 2 }

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let fixtureJobURL = repository.appendingPathComponent("Tests/Fixtures/jobs/stream-sync.json")
    static let faultServer = repository.appendingPathComponent("Tests/Fixtures/faults/fault_server.py").path
    static var fixtureJob: Data { (try? Data(contentsOf: fixtureJobURL)) ?? Data() }
    /// The fixture job's password, as it stands in the job once its JSON escapes are read.
    static let password = "p+a%2Bs&s w=o,r\"d\\ é😀 $HOME '`"
    static var sqlScript: Data { (try? Data(contentsOf: repository.appendingPathComponent("Tests/Fixtures/jobs/stream-sql.sql"))) ?? Data() }
    static let sqlPassword = "p+a%2Bs&s w=o,r'd é😀;--x"

    /// A dist with a plugin folder that exists (so planning passes) but whose jar lacks the
    /// reader's class, and a job that reads through it: Flink itself must fail it.
    static func jobWhoseReaderClassIsMissing(from original: String = Harness.dist) throws -> (dist: String, job: Data) {
        let dist = try newFolder("dist-nothing") + "/chunjun-dist"
        try FileManager.default.copyItem(atPath: original, toPath: dist)
        try FileManager.default.createDirectory(atPath: "\(dist)/connector/nothing", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: "\(dist)/formats/chunjun-format-fixture.jar", toPath: "\(dist)/connector/nothing/chunjun-connector-nothing.jar")
        let job = String(decoding: fixtureJob, as: UTF8.self).replacing("streamreader", with: "nothingreader")
        return (dist, Data(job.utf8))
    }

    /// A fresh folder for one test's evidence (the fixture Main writes job.txt, args.txt, part-* there).
    static func newFolder(_ label: String) throws -> String {
        let path = "\(work)/\(label)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}

struct Cluster: Sendable, CustomTestStringConvertible {
    var version: String
    var url: String
    /// The fixture dist built for this version.
    var dist: String
    /// The fixture dist sits under the cluster's lib/, as in the platform's standalone image.
    var distOnClasspath = false
    var testDescription: String { "Flink \(version)\(version.hasPrefix("1.12") ? distOnClasspath ? " (dist under lib/)" : " (nothing of Chunjun)" : "")" }
    /// What submitjob uses when no --plugins is given: classpaths from 1.20, a bundle below.
    var defaultPluginMode: String { version.hasPrefix("1.") && version != "1.20" ? "bundle" : "classpaths" }
}

struct FlinkHome: Sendable, CustomTestStringConvertible {
    var version: String
    var path: String
    var cluster: Cluster
    /// The configuration file that Flink version reads (both dialects are covered).
    var dialect: String
    var testDescription: String { "Flink \(version) home" }
    var port: String { String(cluster.url.split(separator: ":").last ?? "") }
}

/// What the fixture Main left in its output folder for a submission that must succeed.
struct Evidence {
    var jobID: String
    var jobText: Data
    var rows: Int
    var args: String
    var classes: String
    /// The fixture sink's taskmanager-classes-0.txt: where the TaskManager loaded it from.
    var taskManagerClasses: String

    /// Expects `run` to have succeeded and its job to finish on `cluster`, then reads the evidence.
    static func ofFinishedRun(_ run: Run, on cluster: Cluster, in out: String) async throws -> Evidence {
        #expect(run.status == 0, "\(run)")
        let jobID = try #require(run.json?["jobId"]?.stringValue, "\(run)")
        #expect(try await FlinkREST.waitFor(cluster, jobID, ["FINISHED", "FAILED", "CANCELED"]) == "FINISHED")
        func text(_ name: String) throws -> String { try String(contentsOfFile: "\(out)/\(name)", encoding: .utf8) }
        return Evidence(jobID: jobID, jobText: try Data(contentsOf: URL(fileURLWithPath: "\(out)/job.txt")),
            rows: try text("part-0").split(separator: "\n").count, args: try text("args.txt"), classes: try text("classes.txt"),
            taskManagerClasses: try text("taskmanager-classes-0.txt"))
    }
}

/// One run of the release binary.
struct Run: CustomStringConvertible {
    var status: Int32
    var stdout: String
    var stderr: String
    var json: JSONValue? { try? JSONParser.parse(stdout).value }
    var ok: Bool { json?["ok"] == .bool(true) }
    var errorCode: String? { json?["error"]?["code"]?.stringValue }
    var errorMessage: String { json?["error"]?["message"]?.stringValue ?? "" }
    var description: String { "exit \(status)\nstdout: \(stdout)\nstderr: \(stderr)" }

    /// The secrets of the fixture job must appear in no form in anything submitjob prints.
    func leaks(_ secret: String = Harness.password) -> [String] {
        var escaped = ""
        JSONValue.string(secret).serialized().dropFirst().dropLast().forEach { escaped.append($0) }
        let forms = [secret, escaped, JavaURLEncoder.encode(secret), "p+a%2Bs&s", "w=o,r"]
        return forms.filter { stdout.contains($0) || stderr.contains($0) }
    }
}

enum Submitjob {
    /// Runs the binary with the job on stdin (as the platform's backend does) unless --job is given.
    static func run(_ arguments: [String], stdin: Data? = nil, environment: [String: String] = [:], limit: TimeInterval = 180) throws -> Run {
        try start(arguments, stdin: stdin, environment: environment).finish(limit: limit)
    }

    /// Starts the binary and returns at once; `finish` collects it.
    /// `wrapper`: a command that runs the binary (its path and `arguments` follow it).
    static func start(_ arguments: [String], stdin: Data? = nil, environment: [String: String] = [:], wrapper: [String] = []) throws -> Running {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: wrapper.isEmpty ? Harness.binary : "/usr/bin/env")
        process.arguments = wrapper.isEmpty ? arguments : wrapper + [Harness.binary] + arguments
        // The test's own environment minus the variables submitjob reads, plus what the test sets.
        var inherited = ProcessInfo.processInfo.environment
        for name in ["CHUNJUN_DIST", "CHUNJUN_HOME", "FLINK_REST_URL", "FLINK_HOME", "FLINK_CONF_DIR"] { inherited[name] = nil }
        process.environment = inherited.merging(environment) { $1 }
        let folder = try Harness.newFolder("run")
        let out = URL(fileURLWithPath: "\(folder)/stdout"), err = URL(fileURLWithPath: "\(folder)/stderr")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        let input = Pipe()
        process.standardInput = stdin == nil ? FileHandle.nullDevice : input
        try process.run()
        if let stdin {
            input.fileHandleForWriting.write(stdin)
            try input.fileHandleForWriting.close()
        }
        return Running(process: process, arguments: arguments, out: out, err: err)
    }

    struct Running {
        let process: Process
        let arguments: [String]
        let out: URL
        let err: URL

        /// Polls the binary's stderr until it holds `text` (false if the binary ended or `limit` passed first).
        func waitForStderr(containing text: String, limit: TimeInterval = 60) -> Bool {
            let deadline = Date().addingTimeInterval(limit)
            while Date() < deadline {
                if let seen = try? String(contentsOf: err, encoding: .utf8), seen.contains(text) { return true }
                guard process.isRunning else { return false }
                Thread.sleep(forTimeInterval: 0.02)
            }
            return false
        }

        func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }

        /// Waits for the end; past `limit` the binary is stopped and the test fails (a watchdog, not
        /// a timing assertion: a hung binary must fail the test, not hang the suite).
        func finish(limit: TimeInterval = 180) throws -> Run {
            let deadline = Date().addingTimeInterval(limit)
            while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
            if process.isRunning {
                process.terminate()
                process.waitUntilExit()
                Issue.record("submitjob \(arguments.first ?? "") ran longer than \(limit) s and was stopped")
            }
            process.waitUntilExit()
            return Run(status: process.terminationStatus, stdout: try String(contentsOf: out, encoding: .utf8), stderr: try String(contentsOf: err, encoding: .utf8))
        }
    }
}

/// Read-only questions to Flink's REST API, to check what submitjob did.
enum FlinkREST {
    static func get(_ url: String) async throws -> JSONValue {
        let (data, _) = try await URLSession.shared.data(from: URL(string: url)!)
        return try JSONParser.parse(String(decoding: data, as: UTF8.self)).value
    }

    static func state(_ cluster: Cluster, _ jobID: String) async throws -> String? {
        try await get("\(cluster.url)/jobs/\(jobID)")["state"]?.stringValue
    }

    /// Polls until the job reaches one of `states`; returns the last state seen.
    static func waitFor(_ cluster: Cluster, _ jobID: String, _ states: Set<String>, seconds: Double = 90) async throws -> String? {
        let deadline = Date().addingTimeInterval(seconds)
        var last: String?
        while Date() < deadline {
            last = try await state(cluster, jobID)
            if let last, states.contains(last) { return last }
            try await Task.sleep(for: .milliseconds(250))
        }
        return last
    }

    static func jobs(_ cluster: Cluster, id: String) async throws -> Int {
        guard case .array(let jobs)? = try await get("\(cluster.url)/jobs/overview")["jobs"] else { return 0 }
        return jobs.filter { $0["jid"]?.stringValue == id }.count
    }

    static func jarCount(_ cluster: Cluster) async throws -> Int {
        guard case .array(let files)? = try await get("\(cluster.url)/jars")["files"] else { return -1 }
        return files.count
    }

    static func cancel(_ cluster: Cluster, _ jobID: String) async throws {
        var request = URLRequest(url: URL(string: "\(cluster.url)/jobs/\(jobID)?mode=cancel")!)
        request.httpMethod = "PATCH"
        _ = try await URLSession.shared.data(for: request)
    }
}

/// A fault_server.py process started by a test and ended by it, by its PID.
final class FaultServer {
    let process = Process()
    let url: String

    init(_ mode: String, upstream: String? = nil, environment: [String: String] = [:]) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Harness.faultServer, mode] + (upstream.map { [$0] } ?? [])
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        var line = Data()
        while let byte = try out.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data("\n".utf8) { line.append(byte) }
        url = "http://127.0.0.1:\(String(decoding: line, as: UTF8.self))"
    }

    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    deinit { stop() }
}

extension Harness {
    /// A copy of `dist` whose core jar has other content (so another name on the cluster).
    static func distWithAnotherCore(from dist: String, label: String) throws -> String {
        let copy = try newFolder(label) + "/chunjun-dist"
        try FileManager.default.copyItem(atPath: dist, toPath: copy)
        let core = try FileHandle(forWritingTo: URL(fileURLWithPath: "\(copy)/chunjun-core.jar"))
        try core.seekToEnd()
        try core.write(contentsOf: Data("trailing bytes change the hash: \(label)".utf8))
        try core.close()
        return copy
    }

    static func jobFile(_ name: String) -> Data {
        (try? Data(contentsOf: repository.appendingPathComponent("Tests/Fixtures/jobs/\(name)"))) ?? Data()
    }
}

struct Failure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A cluster a test lays out and starts for itself with scripts/flink.sh (under the folder
/// scripts/test.sh stops whatever happens), for faults that would break the shared ones.
final class PrivateCluster: @unchecked Sendable {
    let instance: String
    let url: String
    let version: String
    private let ports: [String]
    private let conf: [String]
    private let slots: Int
    private var stopped = false

    /// `conf`: KEY=VALUE lines for the instance's Flink configuration (flink.sh --conf).
    init(version: String, conf: [String] = [], slots: Int = 2) async throws {
        let root = Harness.environment["SUBMITJOB_IT_PRIVATE_CLUSTERS"] ?? ""
        guard !root.isEmpty else { throw Failure("SUBMITJOB_IT_PRIVATE_CLUSTERS is not set (run through make test)") }
        instance = "\(root)/flink-\(version)-\(UUID().uuidString.prefix(8))"
        let ports = try await Self.output(["/usr/bin/env", "python3", Harness.repository.appendingPathComponent("scripts/free-ports.py").path, "2"])
            .split(whereSeparator: \.isWhitespace).map(String.init)
        (self.version, self.ports, self.conf, self.slots) = (version, ports, conf, slots)
        url = try await Self.start(version, instance, ports, conf, slots)
    }

    private static func start(_ version: String, _ instance: String, _ ports: [String], _ conf: [String], _ slots: Int) async throws -> String {
        try await output([flinkSH, "start", version, instance, "--rest-port", ports[0], "--rpc-port", ports[1], "--slots", String(slots)]
                         + conf.flatMap { ["--conf", $0] })
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Stops what is left of the cluster and starts it again on the same ports: a JobManager
    /// restart without HA, which forgets ended jobs. Uploaded jars survive it when web.upload.dir
    /// is set and kept (as flink.sh sets it); `freshDisk` empties it, as a replaced pod has it.
    func restart(freshDisk: Bool = false) async throws {
        _ = try await Self.output([Self.flinkSH, "stop", instance])
        if freshDisk { try? FileManager.default.removeItem(atPath: "\(instance)/web-upload") }
        _ = try await Self.start(version, instance, ports, conf, slots)
    }

    var cluster: Cluster { Cluster(version: String(version.prefix(4)), url: url, dist: Harness.dist, distOnClasspath: false) }

    static var flinkSH: String { Harness.environment["SUBMITJOB_IT_FLINK_SH"] ?? Harness.repository.appendingPathComponent("scripts/flink.sh").path }

    func killJobManager() async throws { _ = try await Self.output([Self.flinkSH, "kill-jobmanager", instance]) }

    func stop() async {
        guard !stopped else { return }
        stopped = true
        _ = try? await Self.output([Self.flinkSH, "stop", instance])
    }

    /// Runs a command to its end and returns its stdout. Through submitjob's own runner: Foundation's
    /// Process never sees the end of a script that leaves daemons behind (they inherit its descriptors).
    static func output(_ command: [String]) async throws -> String {
        let outcome = try await SubprocessRunner().run(ProcessCommand(executable: command[0], arguments: Array(command.dropFirst())),
                                                       deadline: .now + .seconds(300))
        guard outcome.termination == .exited(0) else {
            throw Failure("\(command.joined(separator: " ")): \(outcome.termination)\n\(outcome.standardError)")
        }
        return outcome.standardOutput
    }
}

extension FlinkREST {
    /// A jar uploaded the way any other tool would (multipart, one file part); returns its id.
    static func upload(_ cluster: Cluster, name: String, contents: Data) async throws -> String {
        let boundary = "it-\(UUID().uuidString)"
        var body = Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"jarfile\"; filename=\"\(name)\"\r\nContent-Type: application/java-archive\r\n\r\n".utf8)
        body.append(contents)
        body.append(Data("\r\n--\(boundary)--\r\n".utf8))
        var request = URLRequest(url: URL(string: "\(cluster.url)/jars/upload")!)
        request.httpMethod = "POST"
        request.setValue("multipart/form-data; boundary=\(boundary)", forHTTPHeaderField: "Content-Type")
        let (data, _) = try await URLSession.shared.upload(for: request, from: body)
        let filename = try JSONParser.parse(String(decoding: data, as: UTF8.self)).value["filename"]?.stringValue ?? ""
        return String(filename.split(separator: "/").last ?? "")
    }

    static func jarIDs(_ cluster: Cluster) async throws -> [String: String] {
        guard case .array(let files)? = try await get("\(cluster.url)/jars")["files"] else { return [:] }
        return Dictionary(files.compactMap { file in file["id"]?.stringValue.map { ($0, file["name"]?.stringValue ?? "") } }, uniquingKeysWith: { a, _ in a })
    }

    static func deleteJar(_ cluster: Cluster, _ id: String) async throws {
        var request = URLRequest(url: URL(string: "\(cluster.url)/jars/\(id)")!)
        request.httpMethod = "DELETE"
        _ = try await URLSession.shared.data(for: request)
    }
}

/// A real nginx in front of a Flink (scripts/gateway.sh), under the folder scripts/test.sh
/// stops whatever happens.
final class PrivateGateway: @unchecked Sendable {
    let instance: String
    let url: String
    private var stopped = false

    /// `mode`: ["--basic", "user:pass"], ["--bearer", token] or ["--open"], plus any ["--tls-cert", pem, "--tls-key", key].
    init(upstream: String, _ mode: [String]) async throws {
        let root = Harness.environment["SUBMITJOB_IT_PRIVATE_CLUSTERS"] ?? ""
        guard !root.isEmpty else { throw Failure("SUBMITJOB_IT_PRIVATE_CLUSTERS is not set (run through make test)") }
        instance = "\(root)/gateways/\(UUID().uuidString.prefix(8))"
        let port = try await PrivateCluster.output(["/usr/bin/env", "python3", Harness.repository.appendingPathComponent("scripts/free-ports.py").path, "1"])
            .trimmingCharacters(in: .whitespacesAndNewlines)
        url = try await PrivateCluster.output([Self.script, "start", instance, "--port", port, "--upstream", upstream] + mode)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static var script: String { Harness.repository.appendingPathComponent("scripts/gateway.sh").path }

    func stop() async {
        guard !stopped else { return }
        stopped = true
        _ = try? await PrivateCluster.output([Self.script, "stop", instance])
    }
}
