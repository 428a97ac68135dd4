import NIOConcurrencyHelpers

/// Reports long work (building a bundle, uploading a jar) on stderr: bytes done of total and
/// MB/s. On a terminal one line redraws itself; otherwise (a log) a line at most every
/// `logInterval`, and a last line with the total time. Work under `threshold` stays silent.
public final class ProgressMeter: Sendable {
    public static let threshold: Int64 = 8 << 20
    public static let logInterval: Duration = .seconds(5)
    static let redrawInterval: Duration = .milliseconds(200)

    struct Activity {
        var started: Duration
        var lastShown: Duration
    }

    let terminal: Bool
    let decorate: @Sendable (String) -> String
    let write: @Sendable (String) -> Void
    let now: @Sendable () -> Duration
    private let activities = NIOLockedValueBox<[String: Activity]>([:])

    /// `decorate` turns a line into what stderr shows (prefix, scrubbing); `write` gets whole
    /// pieces of text (ending in "\n", or starting with "\r" to redraw on a terminal); `now` is
    /// a monotonic clock.
    public init(terminal: Bool, decorate: @escaping @Sendable (String) -> String = { $0 },
                write: @escaping @Sendable (String) -> Void, now: @escaping @Sendable () -> Duration) {
        self.terminal = terminal
        self.decorate = decorate
        self.write = write
        self.now = now
    }

    public func update(_ activity: String, done: Int64, total: Int64) {
        guard total >= Self.threshold else { return }
        let time = now()
        let text: String? = activities.withLockedValue { all in
            var state = all[activity] ?? Activity(started: time, lastShown: time)
            let elapsed = time - state.started
            if done >= total {
                // Gone once done: the same work again (a re-upload) reports afresh.
                all[activity] = nil
                let line = decorate("\(activity): \(Self.megabytes(total)) MB in \(Self.seconds(elapsed)) s (\(Self.rate(total, elapsed)) MB/s)")
                return terminal ? "\r\u{1B}[2K\(line)\n" : "\(line)\n"
            }
            let interval = terminal ? Self.redrawInterval : Self.logInterval
            defer { all[activity] = state }
            guard time - state.lastShown >= interval else { return nil }
            state.lastShown = time
            let percent = done * 100 / max(total, 1)
            let line = decorate("\(activity): \(Self.megabytes(done)) of \(Self.megabytes(total)) MB (\(percent)%), \(Self.rate(done, elapsed)) MB/s")
            return terminal ? "\r\u{1B}[2K\(line)" : "\(line)\n"
        }
        if let text { write(text) }
    }

    static func megabytes(_ bytes: Int64) -> String { PluginBundleCache.megabytes(bytes) }

    static func seconds(_ d: Duration) -> String {
        let tenths = Int64(d.components.seconds) * 10 + Int64(d.components.attoseconds / 100_000_000_000_000_000)
        return "\(tenths / 10).\(tenths % 10)"
    }

    static func rate(_ bytes: Int64, _ d: Duration) -> String {
        let nanos = Double(d.components.seconds) * 1e9 + Double(d.components.attoseconds) / 1e9
        guard nanos > 0 else { return "-" }
        let tenths = Int64((Double(bytes) / 1_048_576 / (nanos / 1e9) * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }
}
