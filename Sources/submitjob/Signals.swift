import SubmitJobCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// SIGINT and SIGTERM end a command with its JSON error (`interrupted` 130, `terminated` 143) instead of a silent
/// death: the `flink run` group is killed, partial files removed, and a job id that may have
/// reached Flink printed. The handler only writes the signal's number to a pipe (all it may do);
/// a thread of our own reads it, so no Swift code runs inside the handler. A handler, unlike
/// SIG_IGN, resets to the default in `exec`, so `flink run` keeps the usual dispositions.
enum Signals {
    nonisolated(unsafe) private static var pipeEnds: (read: Int32, write: Int32) = (-1, -1)

    static func install() {
        // A parent may hand SIGINT and SIGTERM down blocked (a child spawned from a libdispatch
        // thread inherits its mask, which blocks them): blocked, they would never reach the handler
        // and the process would run on. The async main's dispatch_main used to unblock them for
        // the main thread; the synchronous entry point must. Done before any thread exists, so every
        // thread started later inherits it (libdispatch's own block them again, as they should).
        var wanted = sigset_t()
        sigemptyset(&wanted)
        for signo in [SIGINT, SIGTERM] { sigaddset(&wanted, signo) }
        pthread_sigmask(SIG_UNBLOCK, &wanted, nil)
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { return }
        // Not inherited by `flink run`.
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        pipeEnds = (ends[0], ends[1])
        var thread = pthread_t()
        guard pthread_create(&thread, nil, { _ in Signals.waitForSignal() }, nil) == 0 else { return }
        pthread_detach(thread)
        for signo in [SIGINT, SIGTERM] {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { signo in
                var byte = UInt8(truncatingIfNeeded: signo)
                _ = write(Signals.pipeEnds.write, &byte, 1)
            }
            sigemptyset(&action.sa_mask)
            action.sa_flags = SA_RESTART
            sigaction(signo, &action, nil)
        }
    }

    private static func waitForSignal() -> Never {
        var byte: UInt8 = 0
        while read(pipeEnds.read, &byte, 1) != 1 {}
        let signo = Int32(byte)
        Output.fail(WorkInProgress.shared.interrupt(by: signo))
    }
}
