import Foundation
import Testing
@testable import SubmitJobCore

/// The real process runner, with real (small) processes: capture, bounds, deadlines.
@Suite struct SubprocessRunnerTests {
    let runner = SubprocessRunner()

    func sh(_ script: String, environment: [String: String?] = [:], limit: Int = 1 << 20, seconds: Int = 30) async throws -> ProcessOutcome {
        try await runner.run(ProcessCommand(executable: "/bin/sh", arguments: ["-c", script], environment: environment, outputLimit: limit),
            deadline: .now + .seconds(seconds))
    }

    @Test func capturesBothStreamsAndTheStatus() async throws {
        let outcome = try await sh("echo out; echo err >&2; echo \"$ADDED|${HOME:-removed}\"; exit 3", environment: ["ADDED": "yes", "HOME": nil])
        #expect(outcome.termination == .exited(3))
        #expect(outcome.standardOutput == "out\nyes|removed\n")
        #expect(outcome.standardError == "err\n")
    }

    @Test func keepsHeadAndTailWithinTheLimit() async throws {
        let outcome = try await sh("echo FIRST; head -c 3000000 /dev/zero | tr '\\0' a; echo; echo LAST", limit: 1000)
        #expect(outcome.termination == .exited(0))
        #expect(outcome.standardOutput.hasPrefix("FIRST\naaaa"))
        #expect(outcome.standardOutput.hasSuffix("aaaa\nLAST\n"))
        #expect(outcome.standardOutput.contains("bytes not kept"))
        #expect(outcome.standardOutput.utf8.count < 1100)
    }

    @Test func theDeadlineKillsTheWholeProcessGroup() async throws {
        let pidFile = FileManager.default.temporaryDirectory.appendingPathComponent("submitjob-grandchild-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: pidFile) }
        let started = ContinuousClock.now
        // The grandchild keeps the pipes open: without a group kill the run would never end.
        let outcome = try await sh("sleep 300 & echo $! > \(pidFile); echo started; sleep 300", seconds: 1)
        #expect(outcome.termination == .timedOut)
        #expect(outcome.standardOutput == "started\n")
        #expect(ContinuousClock.now - started < .seconds(20))
        let grandchild = try #require(Int32(String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        var alive = true
        for _ in 0..<50 where alive {
            alive = Self.isRunning(grandchild)
            if alive { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(!alive, "the grandchild \(grandchild) survived the deadline")
    }

    @Test func aMissingExecutableIsAMissingFile() async {
        await #expect {
            _ = try await runner.run(ProcessCommand(executable: "/nonexistent/bin/flink", arguments: []), deadline: .now + .seconds(5))
        } throws: { ($0 as? SubmitJobError)?.code == .missingFile }
    }

    /// Alive and not a zombie waiting to be reaped.
    static func isRunning(_ pid: Int32) -> Bool {
        guard kill(pid, 0) == 0, let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
        let state = stat.split(separator: ")").last?.split(separator: " ").first
        return state != "Z"
    }
}
