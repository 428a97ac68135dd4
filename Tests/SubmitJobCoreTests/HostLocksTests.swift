import Foundation
import Synchronization
import Testing
@testable import SubmitJobCore

/// flock(2) between holders: another open of the same lock file conflicts even in this process
/// (a lock belongs to an open file description), so two holders here stand for two processes.
struct HostLocksTests {
    static func folder() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("host-locks-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func aSecondHolderWaitsForTheFirstAndHearsThatItWaited() async throws {
        let locks = FileHostLocks(directory: try Self.folder() + "/locks", log: { _ in })
        let order = Mutex<[String]>([])
        let firstHolds = AsyncStream<Void>.makeStream()
        async let first: Bool = locks.holding("upload a", deadline: .now + .seconds(30)) { waited in
            order.withLock { $0.append("first in") }
            firstHolds.continuation.yield()
            try? await Task.sleep(for: .milliseconds(400))
            order.withLock { $0.append("first out") }
            return waited
        }
        for await _ in firstHolds.stream { break }
        let second = try await locks.holding("upload a", deadline: .now + .seconds(30)) { waited in
            order.withLock { $0.append("second in") }
            return waited
        }
        #expect(try await first == false && second == true)
        #expect(order.withLock { $0 } == ["first in", "first out", "second in"])
    }

    @Test func waitingEndsAtTheDeadlineWithItsError() async throws {
        let locks = FileHostLocks(directory: try Self.folder(), log: { _ in })
        let holding = AsyncStream<Void>.makeStream()
        let release = AsyncStream<Void>.makeStream()
        async let holder: Void = locks.holding("job x", deadline: .now + .seconds(30)) { _ in
            holding.continuation.yield()
            for await _ in release.stream { break }
        }
        for await _ in holding.stream { break }
        let error = await #expect(throws: SubmitJobError.self) {
            try await locks.holding("job x", deadline: .now + .milliseconds(300)) { _ in }
        }
        #expect(error?.code == .timedOut && error?.message.contains("another submitjob on this host") == true)
        release.continuation.yield()
        try await holder
    }

    @Test func keysShareAtMostTwoHundredFiftySixFilesPerKind() {
        let names = Set((0..<5000).map { FileHostLocks.fileName(for: "job http://jm:8081 \($0)") })
        #expect(names.count <= 256 && names.allSatisfy { $0.hasPrefix("job-") && $0.hasSuffix(".lock") })
    }

    @Test func anUnwritableFolderMeansNoCoordinationNotAFailure() async throws {
        let logged = Mutex<[String]>([])
        let locks = FileHostLocks(directory: "/proc/no-such-place/locks", log: { line in logged.withLock { $0.append(line) } })
        let ran = try await locks.holding("upload a", deadline: .now + .seconds(5)) { waited in !waited }
        #expect(ran && logged.withLock { $0 }.contains { $0.contains("without coordinating") })
    }
}
