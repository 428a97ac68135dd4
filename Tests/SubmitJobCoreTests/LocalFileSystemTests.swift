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
