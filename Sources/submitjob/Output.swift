import SubmitJobCore
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The output contract: one JSON document on stdout, messages for people on stderr. What is
/// printed, and what of it is scrubbed, is `PrintedDocument`'s; this only writes it.
enum Output {
    /// `$SUBMITJOB_SECRET_KEYS`: the platform's own secret names, for every command.
    static let environmentSecretKeys = SecretKeys.names(fromList: Environment.value("SUBMITJOB_SECRET_KEYS") ?? "")

    /// Set once the job is read, so later messages and errors are scrubbed of its secrets.
    nonisolated(unsafe) static var redactor = SecretRedactor(keys: SecretKeys(extra: environmentSecretKeys))
    nonisolated(unsafe) static var verbose = false

    static var document: PrintedDocument { PrintedDocument(redactor: redactor) }

    static func succeed(_ fields: [(String, JSONValue)]) -> Never {
        claimTheEnd()
        write(STDOUT_FILENO, document.success(fields))
        exit(0)
    }

    static func fail(_ error: SubmitJobError, usage: String? = nil) -> Never {
        claimTheEnd()
        let document = document
        write(STDERR_FILENO, document.failureLog(error, usage: usage, verbose: verbose))
        write(STDOUT_FILENO, document.failure(error))
        exit(error.code.exitStatus)
    }

    private static let ended = Atomic<Bool>(false)

    /// One document per run: a signal's error and the command's own end may race; the loser
    /// waits for the winner's exit instead of printing a second document.
    private static func claimTheEnd() {
        guard ended.compareExchange(expected: false, desired: true, ordering: .sequentiallyConsistent).exchanged else {
            while true { pause() }
        }
    }

    static func log(_ message: String) {
        write(STDERR_FILENO, document.logLine(message))
    }

    /// Progress of long work on stderr: a redrawn line on a terminal, a line every few seconds otherwise.
    static let progress = ProgressMeter(
        terminal: isatty(STDERR_FILENO) == 1,
        decorate: { "submitjob: " + document.freeText($0) },
        write: { write(STDERR_FILENO, $0) },
        now: { ContinuousClock.now - started })
    private static let started = ContinuousClock.now

    static func reportProgress(_ activity: String, _ done: Int64, _ total: Int64) {
        progress.update(activity, done: done, total: total)
    }

    /// Straight to the descriptor: no stdio buffer to lose at exit, no shared FILE state.
    private static func write(_ fd: Int32, _ text: String) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { systemWrite(fd, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue } else { return } }
            bytes = bytes.dropFirst(n)
        }
    }
}

private func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int { write(fd, buffer, count) }
