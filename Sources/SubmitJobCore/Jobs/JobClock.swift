/// Time as the polling loops see it: the real clock in the binary, a clock that jumps in tests,
/// so a wait of minutes is tested in microseconds.
public struct JobClock: Sendable {
    public var now: @Sendable () -> ContinuousClock.Instant
    public var sleep: @Sendable (Duration) async throws -> Void

    public init(now: @escaping @Sendable () -> ContinuousClock.Instant, sleep: @escaping @Sendable (Duration) async throws -> Void) {
        self.now = now
        self.sleep = sleep
    }

    public static let continuous = JobClock(now: { .now }, sleep: { try await Task.sleep(for: $0) })

    /// How long to wait before asking Flink again, `elapsed` into a poll: often while an answer
    /// is likely soon (a cancel, a stop, tasks being deployed take about a second), rarely
    /// during a long wait (a batch job's hours). Flink answers these GETs from memory.
    public static func pollInterval(after elapsed: Duration) -> Duration {
        if elapsed < .seconds(10) { return .milliseconds(250) }
        if elapsed < .seconds(60) { return .seconds(1) }
        return .seconds(2)
    }

    /// Sleeps `duration`, but never past `deadline`.
    func sleep(_ duration: Duration, notPast deadline: ContinuousClock.Instant) async {
        let remaining = now().duration(to: deadline)
        guard remaining > .zero else { return }
        try? await sleep(min(duration, remaining))
    }
}
