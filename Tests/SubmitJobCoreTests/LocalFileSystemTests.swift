import Foundation
import Testing
@testable import SubmitJobCore

@Suite struct LocalFileSystemTests {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("submitjob-fs-\(UUID().uuidString)").path

    func write(_ relative: String, _ contents: String) throws {
        let url = URL(fileURLWithPath: "\(root)/\(relative)")
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try contents.write(to: url, atomically: true, encoding: .utf8)
    }

    @Test func hashesAFileInChunks() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        try write("abc.jar", "abc")
        // Larger than one chunk, so the chunk boundary is crossed.
        try write("big.jar", String(repeating: "0123456789abcdef", count: 40_000))
        let fs = LocalFileSystem()
        #expect(try fs.sha256(of: "\(root)/abc.jar") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let shell = Process()
        shell.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        shell.arguments = ["sha256sum", "\(root)/big.jar"]
        let out = Pipe()
        shell.standardOutput = out
        try shell.run()
        shell.waitUntilExit()
        let expected = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).prefix(64)
        #expect(try fs.sha256(of: "\(root)/big.jar") == String(expected))
    }

    @Test func remembersDigestsUntilTheFileChanges() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        try write("core.jar", "abc")
        let cache = JarDigestCache(directory: "\(root)/cache")
        let fs = LocalFileSystem(digestCache: cache)
        #expect(try fs.sha256(of: "\(root)/core.jar") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(cache.digest(of: "\(root)/core.jar") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        // The remembered digest is what is returned while the file is unchanged (proved by planting one)...
        let entry = cache.entryPath(for: "\(root)/core.jar")
        let planted = String(repeating: "0", count: 64)
        let line = try String(contentsOfFile: entry, encoding: .utf8).split(separator: " ")[0] + " " + planted
        try line.write(toFile: entry, atomically: false, encoding: .utf8)
        #expect(try fs.sha256(of: "\(root)/core.jar") == planted)
        // ...and a rewritten file of the same size is hashed again.
        try write("core.jar", "abd")
        #expect(try fs.sha256(of: "\(root)/core.jar") == "a52d159f262b2c6ddb724a61840befc36eb30c88877a4030b65cbe86298449c9")
    }

    @Test func listsADistThreeLevelsDeep() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        for path in ["chunjun-core.jar", "connector/mysql/chunjun-connector-mysql.jar", "connector/mysql/mysql-driver.jar",
                     "formats/chunjun-format.jar", "metrics/prometheus/chunjun-metrics-prometheus.jar"] {
            try write(path, "x")
        }
        try FileManager.default.createDirectory(atPath: "\(root)/connector/empty", withIntermediateDirectories: true)
        let dist = try LocalFileSystem().listDist(at: root)
        #expect(dist == ChunjunDist(root: root, paths: [
            "chunjun-core.jar", "connector/mysql/chunjun-connector-mysql.jar", "connector/mysql/mysql-driver.jar",
            "formats/chunjun-format.jar", "metrics/prometheus/chunjun-metrics-prometheus.jar", "connector/empty/",
        ]))
        #expect(throws: SubmitJobError.self) { try LocalFileSystem().listDist(at: "\(root)/nope") }
    }

    @Test func refusesAJobLargerThanTheLimit() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        try write("job.json", String(repeating: "x", count: 1000))
        #expect(try LocalFileSystem().read("\(root)/job.json", limit: 1000).count == 1000)
        let error = #expect(throws: SubmitJobError.self) { try LocalFileSystem().read("\(root)/job.json", limit: 999) }
        #expect(error?.code == .invalidJob)
    }
}
