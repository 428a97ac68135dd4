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

    static let clusters: [Cluster] = [("1.20", "SUBMITJOB_IT_FLINK_1_20"), ("1.12", "SUBMITJOB_IT_FLINK_1_12")].compactMap { version, key in
        environment[key].map { Cluster(version: version, url: $0) }
    }
    static var cluster120: Cluster? { clusters.first { $0.version == "1.20" } }

    /// Flink homes whose bin/flink --via cli runs, each with a cluster that does NOT have the
    /// dist under lib/ (so only -C can bring the plugins) and whose conf/ names its REST port.
    static let flinkHomes: [FlinkHome] = [
        ("1.20", "SUBMITJOB_IT_FLINK_HOME_1_20", "SUBMITJOB_IT_FLINK_1_20", "config.yaml"),
        ("1.12", "SUBMITJOB_IT_FLINK_HOME_1_12", "SUBMITJOB_IT_FLINK_1_12_CLI", "flink-conf.yaml"),
    ].compactMap { version, homeKey, urlKey, dialect in
        guard let path = environment[homeKey], let url = environment[urlKey] else { return nil }
        return FlinkHome(version: version, path: path, cluster: Cluster(version: version, url: url), dialect: dialect)
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
    static func jobWhoseReaderClassIsMissing() throws -> (dist: String, job: Data) {
        let dist = try newFolder("dist-nothing") + "/chunjun-dist"
        try FileManager.default.copyItem(atPath: self.dist, toPath: dist)
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
    var testDescription: String { "Flink \(version)" }
    /// On 1.12 the fixture dist sits under lib/ as in the platform's image; 1.20 gets it through pipeline.classpaths.
    var distOnClasspath: Bool { version == "1.12" }
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

    /// Expects `run` to have succeeded and its job to finish on `cluster`, then reads the evidence.
    static func ofFinishedRun(_ run: Run, on cluster: Cluster, in out: String) async throws -> Evidence {
        #expect(run.status == 0, "\(run)")
        let jobID = try #require(run.json?["jobId"]?.stringValue, "\(run)")
        #expect(try await FlinkREST.waitFor(cluster, jobID, ["FINISHED", "FAILED", "CANCELED"]) == "FINISHED")
        func text(_ name: String) throws -> String { try String(contentsOfFile: "\(out)/\(name)", encoding: .utf8) }
        return Evidence(jobID: jobID, jobText: try Data(contentsOf: URL(fileURLWithPath: "\(out)/job.txt")),
            rows: try text("part-0").split(separator: "\n").count, args: try text("args.txt"), classes: try text("classes.txt"))
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
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Harness.binary)
        process.arguments = arguments
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
        // A watchdog, not a timing assertion: a hung binary must fail the test, not hang the suite.
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

    init(_ mode: String, upstream: String? = nil) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Harness.faultServer, mode] + (upstream.map { [$0] } ?? [])
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
