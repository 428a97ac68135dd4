import Foundation
import SubmitJobCore
import Testing

/// `plan` where the cluster cannot be reached, and what `--version`, help and `plan` touch, seen
/// by strace: the kernel's own record of every file and network call the binary made.
@Suite(.serialized, .enabled(if: Harness.cliConfigured, "run through `make test`, which provides the Flink home"))
struct OfflinePlanTests {
    /// Flink 1.20.3's home, as scripts/flink.sh laid it out (its lib/ has flink-dist-1.20.3.jar).
    static var home: String { Harness.flinkHomes.first { $0.version == "1.20" }?.path ?? "" }
    /// A port nobody listens on: connecting is refused.
    static let nowhere = "http://127.0.0.1:9"

    static func distJar(in home: String) throws -> String {
        let names = try FileManager.default.contentsOfDirectory(atPath: "\(home)/lib").filter { $0.hasPrefix("flink-dist") && $0.hasSuffix(".jar") }
        try #require(names.count == 1, "\(names)")
        return "\(home)/lib/\(names[0])"
    }

    @Test func withoutTheClusterTheInstallationTellsTheVersion() throws {
        let jar = try Self.distJar(in: Self.home)
        let run = try Submitjob.run(["plan", "--chunjun-dist", Harness.dist, "--flink", Self.nowhere, "--flink-home", Self.home, "--param", "outDir=/x"],
                                    stdin: Harness.fixtureJob)
        #expect(run.status == 0, "\(run)")
        #expect(run.json?["flinkVersion"]?.stringValue == "1.20.3")
        #expect(run.json?["flinkVersionFrom"]?.stringValue == jar)
        #expect(run.json?["jar"]?["present"] == .null, "nobody asked the cluster")
        #expect(run.json?["pluginMode"]?.stringValue == "classpaths")
        #expect(run.json?["flinkRequest"]?["flinkConfiguration"]?["pipeline.classpaths"] != nil)
        let warning = run.json?["warnings"]?[0]?.stringValue ?? ""
        #expect(warning.contains("127.0.0.1:9") && warning.contains("1.20.3") && warning.contains(jar), "\(run)")
        #expect(run.stderr.contains("warning: ") && run.stderr.contains(jar), "\(run)")
        #expect(run.leaks().isEmpty, "\(run)")
    }

    @Test func aKubernetesSessionPlansFromOutsideIt() throws {
        let run = try Submitjob.run(["plan", "--target", "kubernetes-session", "--cluster-id", "etl", "--namespace", "data", "--flink-home", Self.home,
                                     "--chunjun-dist", Harness.dist, "--param", "outDir=/x"], stdin: Harness.fixtureJob)
        #expect(run.status == 0, "\(run)")
        #expect(run.json?["flink"]?.stringValue == "http://etl-rest.data.svc:8081")
        #expect(run.json?["flinkVersionFrom"]?.stringValue == (try Self.distJar(in: Self.home)))
        #expect(run.json?["warnings"]?[0]?.stringValue?.contains("etl-rest.data.svc") == true, "\(run)")
    }

    @Test func withNoVersionAnywhereItSaysWhichFlagToGive() throws {
        let emptyHome = try Harness.newFolder("home-without-lib")
        let run = try Submitjob.run(["plan", "--chunjun-dist", Harness.dist, "--flink", Self.nowhere, "--flink-home", emptyHome, "--param", "outDir=/x"],
                                    stdin: Harness.fixtureJob)
        #expect(run.status == 69 && run.errorCode == "flink_unreachable", "\(run)")
        #expect(run.errorMessage.contains("--flink-version") && run.errorMessage.contains("\(emptyHome)/lib"), "\(run)")
    }

    @Test func theFlagWinsAndNamesItself() throws {
        let run = try Submitjob.run(["plan", "--chunjun-dist", Harness.dist, "--flink", Self.nowhere, "--flink-home", Self.home, "--flink-version", "1.12.7",
                                     "--param", "outDir=/x"], stdin: Harness.fixtureJob)
        #expect(run.status == 0 && run.json?["flinkVersion"]?.stringValue == "1.12.7" && run.json?["flinkVersionFrom"]?.stringValue == "--flink-version", "\(run)")
        #expect(run.json?["warnings"] == .array([]))
    }

    // MARK: - strace

    /// One system call from strace's output: `PID name(args) = result`.
    struct Call {
        var name: String
        var line: String
        /// The first quoted argument: the path of a file call.
        var path: String? {
            guard let open = line.firstIndex(of: "\""), let close = line[line.index(after: open)...].firstIndex(of: "\"") else { return nil }
            return String(line[line.index(after: open)..<close])
        }
        var writes: Bool {
            ["mkdir", "mkdirat", "unlink", "unlinkat", "rename", "renameat", "renameat2", "rmdir", "link", "linkat", "symlink", "symlinkat", "truncate",
             "chmod", "fchmodat", "utimensat"].contains(name)
                || (name.hasPrefix("open") && ["O_WRONLY", "O_RDWR", "O_CREAT", "O_TRUNC"].contains { line.contains($0) })
        }
    }

    static let networkCalls: Set<String> = ["socket", "socketpair", "connect", "bind", "listen", "accept", "accept4", "sendto", "sendmsg",
                                            "sendmmsg", "recvfrom", "recvmsg", "recvmmsg", "getsockopt", "setsockopt", "getsockname", "getpeername", "shutdown"]

    /// Runs the binary under strace (every thread) and returns its run and the calls it made.
    static func traced(_ arguments: [String], environment: [String: String] = [:]) throws -> (Run, [Call]) {
        let trace = try Harness.newFolder("strace") + "/trace"
        let run = try Submitjob.start(arguments, stdin: nil, environment: environment,
                                      wrapper: ["strace", "-f", "-qq", "-e", "trace=%network,%file", "-o", trace]).finish()
        let calls = try String(contentsOfFile: trace, encoding: .utf8).split(separator: "\n").compactMap { line -> Call? in
            // "12345 openat(AT_FDCWD, ..." or "12345 <... connect resumed> ..."
            let text = line.drop { $0.isNumber }.drop { $0 == " " }
            if text.hasPrefix("<... ") {
                return Call(name: String(text.dropFirst(5).prefix { $0 != " " }), line: String(line))
            }
            guard let paren = text.firstIndex(of: "("), !text.hasPrefix("+++"), !text.hasPrefix("---") else { return nil }
            return Call(name: String(text[..<paren]), line: String(line))
        }
        return (run, calls)
    }

    /// What the Swift runtime itself looks at when any Swift program starts: its own folder (where
    /// the crash backtracer `swift-backtrace` would be), /proc/self (maps, exe), the CPU count.
    static func isRuntimeStartup(_ path: String) -> Bool {
        let binaryFolder = URL(fileURLWithPath: Harness.binary).resolvingSymlinksInPath().deletingLastPathComponent().path
        return path.isEmpty || path.hasPrefix("/proc/self/") || path.hasPrefix("/sys/devices/system/cpu/") || path.hasPrefix(binaryFolder)
            || path == Harness.binary
    }

    @Test func versionHelpAndPlanDoNoNetworkWorkAndTouchOnlyTheirInputs() throws {
        let cache = try Harness.newFolder("strace-cache")
        let job = Harness.fixtureJobURL.path
        let planInputs = [Harness.dist, job, Self.home, FlinkInstallation.defaultHome, cache]
        let commands: [(arguments: [String], inputs: [String])] = [
            (["--version"], []),
            (["--help"], []),
            (["help", "plan"], []),
            (["plan", "--help"], []),
            (["plan", "--job", job, "--chunjun-dist", Harness.dist, "--flink-version", "1.20.3", "--param", "outDir=/x"], planInputs),
            (["plan", "--job", job, "--chunjun-dist", Harness.dist, "--flink-home", Self.home, "--flink-version", "1.20.3"], planInputs),
            (["plan", "--via", "cli", "--job", job, "--chunjun-dist", Harness.dist, "--flink-home", Self.home], planInputs),
        ]
        for command in commands {
            let (run, calls) = try Self.traced(command.arguments, environment: ["SUBMITJOB_CACHE_DIR": cache])
            #expect(run.status == 0, "\(command.arguments): \(run)")
            #expect(!calls.isEmpty, "strace recorded nothing for \(command.arguments)")
            let network = calls.filter { Self.networkCalls.contains($0.name) }
            #expect(network.isEmpty, "\(command.arguments) made network calls: \(network.map(\.line).prefix(5))")
            let strangers = calls.compactMap(\.path).filter { path in
                !Self.isRuntimeStartup(path) && !command.inputs.contains { path == $0 || path.hasPrefix($0 + "/") }
            }
            #expect(strangers.isEmpty, "\(command.arguments) touched \(Set(strangers).sorted())")
            // Only the digest cache may be written (the core jar's SHA-256, kept for the next run).
            let writes = calls.filter { $0.writes && !($0.path ?? "").hasPrefix(cache) }
            #expect(writes.isEmpty, "\(command.arguments) wrote: \(writes.map(\.line).prefix(5))")
        }
        // The same tracing sees a plan that does ask the cluster: the checks above can fail.
        let (asking, calls) = try Self.traced(["plan", "--job", job, "--chunjun-dist", Harness.dist, "--flink", Self.nowhere, "--flink-home", Self.home],
                                              environment: ["SUBMITJOB_CACHE_DIR": cache])
        #expect(asking.status == 0, "\(asking)")
        #expect(calls.contains { $0.name == "connect" && $0.line.contains("127.0.0.1") }, "strace saw no connect of a plan that asks the cluster")
    }
}
