import Foundation
import Testing
@testable import SubmitJobCore

@Suite struct JavaURLEncoderTests {
    static let tricky = [
        "", "plain", "a b", "+", "%", "&", "=", "a+b%20c&d=e", "line\nbreak\r\ttab", "é", "中文密码", "😀", "p@ss:w/rd?#[]",
        "*._-~!'()", "{\"password\": \"p+w%d&x y\"}", "\u{0}", "\u{7F}", "\u{FEFF}bom", "🏳️‍🌈 family 👨‍👩‍👧",
    ]

    @Test func knownEncodings() {
        #expect(JavaURLEncoder.encode("a b+c") == "a+b%2Bc")
        #expect(JavaURLEncoder.encode("*._-") == "*._-")
        #expect(JavaURLEncoder.encode("~") == "%7E")
        #expect(JavaURLEncoder.encode("é") == "%C3%A9")
        #expect(JavaURLEncoder.encode("😀") == "%F0%9F%98%80")
    }

    /// The reference is Java's own URLEncoder, run on the same inputs.
    @Test func matchesJavasURLEncoder() throws {
        let java = try JavaRunner.run(source: """
            import java.io.*; import java.net.URLEncoder; import java.nio.charset.StandardCharsets;
            public class Encode { public static void main(String[] a) throws Exception {
              BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
              for (String line; (line = in.readLine()) != null; ) {
                byte[] b = new byte[line.length() / 2];
                for (int i = 0; i < b.length; i++) b[i] = (byte) Integer.parseInt(line.substring(2 * i, 2 * i + 2), 16);
                System.out.println(URLEncoder.encode(new String(b, StandardCharsets.UTF_8), "UTF-8"));
              } } }
            """, className: "Encode", input: Self.tricky.map { $0.utf8.map { String(format: "%02x", $0) }.joined() }.joined(separator: "\n") + "\n")
        let expected = java.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
        #expect(expected.count == Self.tricky.count)
        for (input, javaEncoded) in zip(Self.tricky, expected) {
            #expect(JavaURLEncoder.encode(input) == javaEncoded, "input: \(input.debugDescription)")
        }
    }
}

/// Runs a single-file Java program with the JDK on the machine (`java File.java`).
enum JavaRunner {
    static func run(source: String, className: String, input: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("submitjob-java-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("\(className).java")
        try source.write(to: file, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["java", file.path]
        let stdin = Pipe(), stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        try process.run()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw JavaError.failed(process.terminationStatus) }
        return String(decoding: output, as: UTF8.self)
    }

    enum JavaError: Error { case failed(Int32) }
}
