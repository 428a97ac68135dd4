import Foundation
import Synchronization
import Testing
@testable import SubmitJobCore

/// Bundles built from jars the JDK's own `jar` tool and Python's zipfile made, read back by
/// Python's zipfile and Info-ZIP's unzip (readers that share no code with ours).
@Suite struct PluginBundleTests {
    /// A folder with a core jar (JDK `jar`: deflated entries with data descriptors, a manifest
    /// naming Main) and three plugin jars, one of them 3 MiB of random bytes.
    static func inputs(_ label: String) throws -> (dir: String, bundle: PluginBundle) {
        let dir = try temporaryFolder(label)
        try shell("""
            set -e
            cd '\(dir)'
            mkdir -p core/com/dtstack/chunjun core/META-INF p1/a p2/b
            printf 'class bytes %s\\n' $(seq 1 400) > core/com/dtstack/chunjun/Main.class
            printf 'readme\\n' > core/README.txt
            printf 'Main-Class: com.dtstack.chunjun.Main\\n' > manifest.txt
            jar --create --file chunjun-core.jar --manifest manifest.txt -C core .
            printf 'connector\\n' > p1/a/Source.class
            jar --create --file chunjun-connector-a.jar -C p1 .
            printf 'metrics\\n' > p2/b/Report.class
            jar --create --file chunjun-metrics-b.jar -C p2 .
            head -c 3145728 /dev/urandom > chunjun-format-big.jar
            """)
        let bundle = PluginBundle(coreJar: "\(dir)/chunjun-core.jar", distRoot: dir,
                                  jars: ["chunjun-connector-a.jar", "chunjun-metrics-b.jar", "chunjun-format-big.jar"])
        return (dir, bundle)
    }

    /// Python's zipfile and unzip check a bundle against its inputs; nil when they agree.
    static func independentCheck(_ bundlePath: String, _ bundle: PluginBundle) throws -> String? {
        let script = #"""
        import sys, zipfile, subprocess
        bundle, core, members = sys.argv[1], sys.argv[2], sys.argv[3:]
        z = zipfile.ZipFile(bundle)
        bad = z.testzip()
        if bad: sys.exit("CRC or data error in " + bad)
        c = zipfile.ZipFile(core)
        entries = [m.split("=", 1)[0] for m in members]
        expected = [n for n in c.namelist() if n not in entries] + entries
        if z.namelist() != expected: sys.exit("names %r != %r" % (z.namelist()[:5], expected[:5]))
        for n in c.namelist():
            if n not in entries and z.read(n) != c.read(n): sys.exit("core entry differs: " + n)
        for m in members:
            entry, path = m.split("=", 1)
            info = z.getinfo(entry)
            if info.compress_type != zipfile.ZIP_STORED: sys.exit("not stored: " + entry)
            if z.read(entry) != open(path, "rb").read(): sys.exit("member differs: " + entry)
        if b"Main-Class: com.dtstack.chunjun.Main" not in z.read("META-INF/MANIFEST.MF"): sys.exit("manifest lost Main-Class")
        r = subprocess.run(["unzip", "-tqq", bundle], capture_output=True, text=True)
        if r.returncode != 0: sys.exit("unzip -t: " + r.stdout + r.stderr)
        print("ok")
        """#
        let result = try run(["python3", "-c", script, bundlePath, bundle.coreJar] + bundle.members.map { "\($0.entry)=\($0.path)" })
        return result.status == 0 && result.output == "ok\n" ? nil : result.output + result.error
    }

    func cache(_ dir: String, limit: Int64 = PluginBundleCache.defaultLimitBytes, log: @escaping @Sendable (String) -> Void = { _ in }) -> PluginBundleCache {
        PluginBundleCache(directory: "\(dir)/cache/bundles", limitBytes: limit, fileSystem: LocalFileSystem(), log: log)
    }

    static let deadline = ContinuousClock.now + .seconds(300)

    @Test func aBundleIsTheCoresEntriesThenEachPluginJarStoredUnderLib() throws {
        let (dir, bundle) = try Self.inputs("bundle")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let cache = cache(dir)
        let name = try cache.name(of: bundle)
        #expect(PluginBundle.isName(name))
        let path = try cache.file(of: bundle, named: name, deadline: Self.deadline)
        #expect(path == "\(dir)/cache/bundles/\(name)")
        #expect(try Self.independentCheck(path, bundle) == nil)
        #expect(bundle.members.map(\.entry) == ["lib/chunjun-connector-a.jar", "lib/chunjun-metrics-b.jar", "lib/chunjun-format-big.jar"])
    }

    @Test func theSameInputsGiveTheSameBytesAndNameAndAChangedJarANewName() throws {
        let (dir, bundle) = try Self.inputs("determinism")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for copy in ["one", "two"] {
            try BundleJarWriter.write(bundle, to: "\(dir)/\(copy).jar", deadline: Self.deadline) { _, _ in }
        }
        let one = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/one.jar"))
        #expect(one == (try Data(contentsOf: URL(fileURLWithPath: "\(dir)/two.jar"))))
        let before = try cache(dir).name(of: bundle)
        #expect(try cache(dir).name(of: bundle) == before)
        try Self.shell("printf 'connector v2\\n' > '\(dir)/p1/a/Source.class' && cd '\(dir)' && jar --create --file chunjun-connector-a.jar -C p1 .")
        #expect(try cache(dir).name(of: bundle) != before)
    }

    @Test func aCoreOfMoreThan65535EntriesMakesAZip64BundleOthersRead() throws {
        let (dir, small) = try Self.inputs("zip64")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // Python writes the ZIP64 end records a count above 65535 needs.
        try Self.shell("""
            python3 -c '
            import zipfile
            with zipfile.ZipFile("\(dir)/huge-core.jar", "w", zipfile.ZIP_DEFLATED) as z:
                z.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\\nMain-Class: com.dtstack.chunjun.Main\\n")
                for i in range(70000): z.writestr("c/C%d.class" % i, "class %d" % i)
            '
            """)
        let bundle = PluginBundle(coreJar: "\(dir)/huge-core.jar", members: small.members)
        try BundleJarWriter.write(bundle, to: "\(dir)/huge-bundle.jar", deadline: Self.deadline) { _, _ in }
        #expect(try Self.independentCheck("\(dir)/huge-bundle.jar", bundle) == nil)
    }

    @Test func progressCountsEveryByteCopied() throws {
        let (dir, bundle) = try Self.inputs("progress")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let seen = Mutex<[(Int64, Int64)]>([])
        try BundleJarWriter.write(bundle, to: "\(dir)/b.jar", deadline: Self.deadline) { done, total in seen.withLock { $0.append((done, total)) } }
        let updates = seen.withLock { $0 }
        let last = try #require(updates.last)
        #expect(last.0 == last.1 && last.1 > 3_145_728)
        #expect(zip(updates, updates.dropFirst()).allSatisfy { $0.0 <= $1.0 })
    }

    @Test func crc32MatchesTheStandardCheckValue() {
        var crc = CRC32()
        crc.update(Array("123456789".utf8)[...])
        #expect(crc.value == 0xCBF4_3926)
    }

    @Test func concurrentBuildersOfOneBundleLeaveOneWholeFile() async throws {
        let (dir, bundle) = try Self.inputs("concurrent")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let cache = cache(dir)
        let name = try cache.name(of: bundle)
        let paths = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<4 { group.addTask { try cache.file(of: bundle, named: name, deadline: Self.deadline) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(Set(paths) == ["\(dir)/cache/bundles/\(name)"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(dir)/cache/bundles") == [name], "no temporary file is left")
        #expect(try Self.independentCheck(paths[0], bundle) == nil)
    }

    @Test func theLeastRecentlyUsedBundlesGoWhenTheCacheIsFull() throws {
        let (dir, bundle) = try Self.inputs("lru")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let folder = "\(dir)/cache/bundles"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        // Three older bundles of 1 MiB, used an hour, two hours and three hours ago, and an old
        // leftover of a build that died.
        let old = ["chunjun-bundle-00000000000000a1.jar", "chunjun-bundle-00000000000000a2.jar", "chunjun-bundle-00000000000000a3.jar"]
        for (i, name) in old.enumerated() {
            try Data(count: 1 << 20).write(to: URL(fileURLWithPath: "\(folder)/\(name)"))
            try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -3600 * Double(i + 1))], ofItemAtPath: "\(folder)/\(name)")
        }
        try Data(count: 10).write(to: URL(fileURLWithPath: "\(folder)/.dead.jar.1.tmp"))
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -7200)], ofItemAtPath: "\(folder)/.dead.jar.1.tmp")
        try Data(count: 10).write(to: URL(fileURLWithPath: "\(folder)/other-file"))

        // Room for the new bundle (a little over 3 MiB) and one old one.
        let logged = Mutex<[String]>([])
        let cache = cache(dir, limit: 5 << 20, log: { line in logged.withLock { $0.append(line) } })
        let name = try cache.name(of: bundle)
        _ = try cache.file(of: bundle, named: name, deadline: Self.deadline)
        let left = Set(try FileManager.default.contentsOfDirectory(atPath: folder))
        #expect(left == [name, old[0], "other-file"])
        #expect(logged.withLock { $0 }.filter { $0.hasPrefix("removed chunjun-bundle-") }.count == 2)

        // A bundle used again counts as new: with room for one, the other goes.
        let again = PluginBundleCache(directory: folder, limitBytes: 4 << 20, fileSystem: LocalFileSystem())
        _ = try again.file(of: bundle, named: name, deadline: Self.deadline)
        again.evict(keeping: name)
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: folder)) == [name, "other-file"])
    }

    @Test func theCacheLimitIsASize() throws {
        #expect(PluginBundleCache.parseSize("2G") == 2 << 30)
        #expect(PluginBundleCache.parseSize(" 500m ") == 500 << 20)
        #expect(PluginBundleCache.parseSize("64KB") == 64 << 10)
        #expect(PluginBundleCache.parseSize("1073741824") == 1 << 30)
        #expect(PluginBundleCache.parseSize("lots") == nil)
        #expect(PluginBundleCache.parseSize("-1G") == nil)
        let error = #expect(throws: SubmitJobError.self) {
            _ = try PluginBundleCache.standard(environment: { $0 == "SUBMITJOB_BUNDLE_CACHE_MAX" ? "huge" : nil }, fileSystem: LocalFileSystem(), progress: { _, _, _ in }, log: { _ in })
        }
        #expect(error?.code == .usage)
        let standard = try PluginBundleCache.standard(environment: { ["SUBMITJOB_CACHE_DIR": "/c", "SUBMITJOB_BUNDLE_CACHE_MAX": "1G"][$0] }, fileSystem: LocalFileSystem(), progress: { _, _, _ in }, log: { _ in })
        #expect(standard.directory == "/c/bundles" && standard.limitBytes == 1 << 30)
    }

    @Test func aMissingPluginJarIsNamed() throws {
        let (dir, bundle) = try Self.inputs("missing")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var broken = bundle
        broken.members.append(.init(entry: "lib/gone.jar", path: "\(dir)/gone.jar"))
        let error = #expect(throws: SubmitJobError.self) { try BundleJarWriter.write(broken, to: "\(dir)/b.jar", deadline: Self.deadline) { _, _ in } }
        #expect(error?.code == .missingPlugin && error?.message.contains("\(dir)/gone.jar") == true)
        var notAJar = bundle
        notAJar.coreJar = "\(dir)/chunjun-format-big.jar"
        let second = #expect(throws: SubmitJobError.self) { try BundleJarWriter.write(notAJar, to: "\(dir)/c.jar", deadline: Self.deadline) { _, _ in } }
        #expect(second?.message.hasSuffix("is not a usable jar: no end of central directory record (not a jar?)") == true)
    }

    // MARK: Helpers

    static func temporaryFolder(_ label: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("submitjob-\(label)-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    static func shell(_ script: String) throws {
        let result = try run(["bash", "-c", script])
        guard result.status == 0 else { throw Failure("\(script)\nfailed: \(result.error)") }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    static func run(_ arguments: [String]) throws -> (status: Int32, output: String, error: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        let jdk = environment["JAVA_HOME"] ?? "/usr/lib/jvm/java-17-openjdk-amd64"
        environment["PATH"] = "\(jdk)/bin:" + (environment["PATH"] ?? "/usr/bin:/bin")
        process.environment = environment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let error = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self), String(decoding: error, as: UTF8.self))
    }
}

@Suite struct ProgressMeterTests {
    final class Capture: Sendable {
        let text = Mutex<[String]>([])
        let clock = Mutex<Duration>(.zero)
        func meter(terminal: Bool) -> ProgressMeter {
            ProgressMeter(terminal: terminal, decorate: { "submitjob: " + $0 }, write: { piece in self.text.withLock { $0.append(piece) } },
                          now: { self.clock.withLock { $0 } })
        }
        func at(_ seconds: Double) { clock.withLock { $0 = .milliseconds(Int64(seconds * 1000)) } }
    }

    static let total: Int64 = 100 << 20

    @Test func inALogALineEveryFiveSecondsAtMostAndOneAtTheEnd() {
        let capture = Capture()
        let meter = capture.meter(terminal: false)
        for second in 0...12 {
            capture.at(Double(second))
            meter.update("uploading b.jar", done: Int64(second) * (5 << 20), total: Self.total)
        }
        capture.at(20)
        meter.update("uploading b.jar", done: Self.total, total: Self.total)
        #expect(capture.text.withLock { $0 } == [
            "submitjob: uploading b.jar: 25.0 of 100.0 MB (25%), 5.0 MB/s\n",
            "submitjob: uploading b.jar: 50.0 of 100.0 MB (50%), 5.0 MB/s\n",
            "submitjob: uploading b.jar: 100.0 MB in 20.0 s (5.0 MB/s)\n",
        ])
    }

    @Test func onATerminalOneLineRedrawsItself() {
        let capture = Capture()
        let meter = capture.meter(terminal: true)
        capture.at(0)
        meter.update("building x.jar", done: 0, total: Self.total)
        capture.at(0.5)
        meter.update("building x.jar", done: 50 << 20, total: Self.total)
        capture.at(0.6)
        meter.update("building x.jar", done: 60 << 20, total: Self.total)
        capture.at(1)
        meter.update("building x.jar", done: Self.total, total: Self.total)
        #expect(capture.text.withLock { $0 } == [
            "\r\u{1B}[2Ksubmitjob: building x.jar: 50.0 of 100.0 MB (50%), 100.0 MB/s",
            "\r\u{1B}[2Ksubmitjob: building x.jar: 100.0 MB in 1.0 s (100.0 MB/s)\n",
        ])
    }

    @Test func smallWorkIsSilent() {
        let capture = Capture()
        let meter = capture.meter(terminal: false)
        capture.at(30)
        meter.update("uploading core.jar", done: 1 << 20, total: 2 << 20)
        meter.update("uploading core.jar", done: 2 << 20, total: 2 << 20)
        #expect(capture.text.withLock { $0 }.isEmpty)
    }
}

@Suite struct PluginModeTests {
    @Test func theDefaultFollowsTheVersion() throws {
        #expect(PluginMode.defaultMode(for: FlinkVersion("1.12.7")!) == .bundle)
        #expect(PluginMode.defaultMode(for: FlinkVersion("1.19.1")!) == .bundle)
        #expect(PluginMode.defaultMode(for: FlinkVersion("1.20.0")!) == .classpaths)
        #expect(PluginMode.defaultMode(for: FlinkVersion("2.2.1")!) == .classpaths)
        #expect(try PluginMode.resolve(.cluster, for: FlinkVersion("1.12.7")!) == .cluster)
        #expect(try PluginMode.resolve(.bundle, for: FlinkVersion("2.2.1")!) == .bundle)
        #expect(throws: SubmitJobError.self) { try PluginMode.resolve(.classpaths, for: FlinkVersion("1.19.1")!) }
        #expect(try PluginMode(parsing: " Bundle ") == .bundle)
        #expect(throws: SubmitJobError.self) { try PluginMode(parsing: "shipfile") }
    }

    @Test func onlyTheClasspathsModeSendsClasspaths() throws {
        let plan = try PlanBuilder.build(job: try ChunjunJob(text: Fixtures.streamJob), dist: Fixtures.releaseDist(), options: SubmissionOptions())
        let version = FlinkVersion("1.20.3")!
        #expect(JarRunRequest.body(for: plan, version: version, mode: .classpaths)["flinkConfiguration"] != nil)
        #expect(JarRunRequest.body(for: plan, version: version, mode: .bundle)["flinkConfiguration"] == nil)
        #expect(JarRunRequest.body(for: plan, version: version, mode: .cluster)["flinkConfiguration"] == nil)
        #expect(plan.bundle.members.map(\.entry) == plan.plugins.map { "lib/" + $0.dropFirst("/opt/flink/lib/chunjun-dist/".count) })
        #expect(plan.bundle.coreJar == plan.coreJar)
    }

    @Test func mainIsNeverPointedAtADistItCouldScan() throws {
        for text in [Fixtures.streamJob, "CREATE TABLE s (id INT) WITH ('connector' = 'stream-x'); INSERT INTO s SELECT * FROM s;"] {
            let plan = try PlanBuilder.build(job: try ChunjunJob(text: text), dist: Fixtures.releaseDist(), options: SubmissionOptions())
            for flag in ["-chunjunDistDir", "-remoteChunJunDistDir"] {
                guard let i = plan.programArgs.firstIndex(of: flag) else { continue }
                #expect(plan.programArgs[i + 1] == "/dev/null/chunjun-dist")
            }
        }
        #expect(!FileManager.default.fileExists(atPath: SubmissionPlan.distDirForMain))
    }

    @Test func pruningCountsCoreJarsAndBundlesApart() {
        let core = ["chunjun-core-00000000000000c1.jar", "chunjun-core-00000000000000c2.jar"]
        let bundles = ["chunjun-bundle-00000000000000b1.jar", "chunjun-bundle-00000000000000b2.jar", "chunjun-bundle-00000000000000b3.jar"]
        let jars = (core + bundles + ["someone-else.jar"]).enumerated().map { FlinkRESTClient.Jar(id: "\($0.offset)_\($0.element)", name: $0.element, uploaded: Int64($0.offset)) }
        let pruning = JarHousekeeping.prune(jars, keep: 1, keepBundles: 2)
        #expect(pruning.keep.map(\.name) == [bundles[2], bundles[1], core[1]])
        #expect(pruning.delete.map(\.name) == [bundles[0], core[0]])
        #expect(JarHousekeeping.kind(of: bundles[0]) == "bundle" && JarHousekeeping.kind(of: core[0]) == "core" && JarHousekeeping.kind(of: "someone-else.jar") == nil)
    }
}
