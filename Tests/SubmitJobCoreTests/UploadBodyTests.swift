import Foundation
import Testing
@testable import SubmitJobCore

/// The multipart body of a jar upload checks the bytes it sent against the digest the jar's name
/// carries; the digest here is sha256sum's, not ours.
struct UploadBodyTests {
    static func file(_ bytes: Int) throws -> (path: String, sha256: String) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("upload-\(UUID().uuidString).jar").path
        var generator = SystemRandomNumberGenerator()
        try Data((0..<bytes).map { _ in UInt8.random(in: 0...255, using: &generator) }).write(to: URL(fileURLWithPath: path))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["sha256sum", path]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (path, String(text.prefix(64)))
    }

    static func send(_ upload: MultipartFileUpload) async throws -> Int {
        var sent = 0
        for try await buffer in upload { sent += buffer.readableBytes }
        return sent
    }

    @Test func bytesThatHashToTheNameGoWhole() async throws {
        let (path, digest) = try Self.file(700_000)
        let upload = try MultipartFileUpload(field: "jarfile", fileName: "a.jar", path: path, sha256: digest)
        #expect(try await Self.send(upload) == Int(upload.length))
    }

    @Test func bytesThatDoNotBreakOffBeforeThePartEnds() async throws {
        let (path, digest) = try Self.file(700_000)
        let upload = try MultipartFileUpload(field: "jarfile", fileName: "a.jar", path: path, sha256: String(digest.reversed()))
        await #expect(throws: TransportError.self) { try await Self.send(upload) }
    }

    @Test func aFileRewrittenInPlaceDuringTheUploadIsCaught() async throws {
        let (path, digest) = try Self.file(700_000)
        let upload = try MultipartFileUpload(field: "jarfile", fileName: "a.jar", path: path, sha256: digest)
        var iterator = upload.makeAsyncIterator()
        _ = try await iterator.next()  // the part's head
        _ = try await iterator.next()  // the first chunk, as it was
        // Same size, other bytes: what `cp new.jar chunjun-core.jar` does to an open file.
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seek(toOffset: 600_000)
        try handle.write(contentsOf: Data(repeating: 7, count: 1000))
        try handle.close()
        var failure: (any Error)?
        do {
            while try await iterator.next() != nil {}
        } catch {
            failure = error
        }
        guard case .sourceChanged(let reason)? = failure as? TransportError else {
            Issue.record("expected sourceChanged, got \(String(describing: failure))")
            return
        }
        #expect(reason.contains("changed during the upload"))
    }
}
