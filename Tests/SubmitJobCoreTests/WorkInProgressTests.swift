import Foundation
import Testing
import SubmitJobCore

/// What a SIGINT/SIGTERM undoes and says, at each stage of a submission.
struct WorkInProgressTests {
    @Test func beforeTheRunNothingWasSubmittedAndNoJobIDIsGiven() {
        let work = WorkInProgress()
        work.submitting("uploading chunjun-core-0123456789abcdef.jar")
        let error = work.interrupt(by: SIGTERM)
        #expect(error.code == .terminated && error.code.exitStatus == 143)
        #expect(error.message == "stopped by SIGTERM while uploading chunjun-core-0123456789abcdef.jar; nothing was submitted")
        #expect(error.context.isEmpty)
    }

    @Test func onceTheRunMayHaveReachedFlinkTheJobIDIsGiven() {
        let work = WorkInProgress()
        work.submitting("asking Flink")
        work.mayHaveReachedFlink(jobID: "ab12")
        work.doing("waiting for Flink's answer to the run of job ab12")
        let error = work.interrupt(by: SIGINT)
        #expect(error.code == .interrupted && error.code.exitStatus == 130)
        #expect(error.message.contains("may have reached Flink") && error.message.contains("--job-id ab12"))
        #expect(error.context.first?.0 == "jobId" && error.context.first?.1 == .string("ab12"))
    }

    @Test func afterTheSubmissionTheJobGoesOn() {
        let work = WorkInProgress()
        work.submitted(jobID: "ab12", now: "waiting for job ab12 to be running")
        let error = work.interrupt(by: SIGINT)
        #expect(error.message == "stopped by SIGINT while waiting for job ab12 to be running; job ab12 was submitted and goes on running")
        #expect(error.context.first?.1 == .string("ab12"))
    }

    @Test func aCommandThatSubmitsNothingDoesNotTalkOfSubmitting() {
        #expect(WorkInProgress().interrupt(by: SIGTERM).message == "stopped by SIGTERM while starting")
    }

    @Test func theChildGroupIsKilledAndPartialFilesRemoved() throws {
        let work = WorkInProgress()
        let partial = FileManager.default.temporaryDirectory.appendingPathComponent("partial-\(UUID().uuidString).tmp").path
        #expect(FileManager.default.createFile(atPath: partial, contents: Data("half".utf8)))
        work.writing(partial)
        // A child leading a group of its own with a grandchild in it, as `flink run` (a script
        // that execs java) does under submitjob; it prints the grandchild's pid once both are up.
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        child.arguments = ["python3", "-c", "import os, subprocess, time; os.setpgid(0, 0); p = subprocess.Popen(['sleep', '300']); print(p.pid, flush=True); time.sleep(300)"]
        let out = Pipe()
        child.standardOutput = out
        try child.run()
        var line = Data()
        while let byte = try out.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data("\n".utf8) { line.append(byte) }
        let grandchild = try #require(Int32(String(decoding: line, as: UTF8.self)))
        work.started(processGroup: child.processIdentifier)
        _ = work.interrupt(by: SIGTERM)
        child.waitUntilExit()
        #expect(child.terminationReason == .uncaughtSignal && child.terminationStatus == SIGKILL)
        #expect(Self.isGone(grandchild), "the grandchild \(grandchild) survived")
        #expect(!FileManager.default.fileExists(atPath: partial))
    }

    /// Gone, or a zombie nobody reaped yet.
    static func isGone(_ pid: Int32) -> Bool {
        for _ in 0..<100 {
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return true }
            if stat.split(separator: ")").last?.split(separator: " ").first == "Z" { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return false
    }
}
