import Crypto

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Mutual exclusion between the submitjob processes of one host: those uploading the same jar to
/// the same cluster (so it is uploaded once, not once per process), and those submitting the same
/// job id (so a retry sees the first attempt's job instead of racing it). Other hosts are not
/// covered: their duplicate uploads are reconciled after the fact (see `RESTSubmitter.upload`).
public protocol HostLocks: Sendable {
    /// Runs `body` holding the lock named `key`, waiting for it until `deadline`. `body` hears
    /// whether it had to wait: only then may another process have done its work meanwhile.
    func holding<T: Sendable>(_ key: String, deadline: ContinuousClock.Instant,
                              _ body: (_ waited: Bool) async throws(SubmitJobError) -> T) async throws(SubmitJobError) -> T
}

/// No coordination: tests, and hosts whose cache folder cannot be written.
public struct NoHostLocks: HostLocks {
    public init() {}
    public func holding<T: Sendable>(_ key: String, deadline: ContinuousClock.Instant,
                                     _ body: (_ waited: Bool) async throws(SubmitJobError) -> T) async throws(SubmitJobError) -> T {
        try await body(false)
    }
}

/// `flock(2)` on files under `<cache>/locks`. The kernel drops a lock when its holder dies, even
/// by SIGKILL, so a killed submitter never blocks the next. Keys hash into 256 files, so the
/// folder stays small whatever the number of job ids (two keys sharing a file only wait on each
/// other); the files are never deleted, as deleting a lock file races with its next user.
public struct FileHostLocks: HostLocks {
    let directory: String
    let log: @Sendable (String) -> Void

    public init(directory: String, log: @escaping @Sendable (String) -> Void) {
        self.directory = directory
        self.log = log
    }

    public static func standard(environment: (String) -> String?, log: @escaping @Sendable (String) -> Void) -> FileHostLocks {
        FileHostLocks(directory: JarDigestCache.standard(environment: environment).directory + "/locks", log: log)
    }

    static let pollInterval: Duration = .milliseconds(50)

    public func holding<T: Sendable>(_ key: String, deadline: ContinuousClock.Instant,
                                     _ body: (_ waited: Bool) async throws(SubmitJobError) -> T) async throws(SubmitJobError) -> T {
        let path = "\(directory)/\(Self.fileName(for: key))"
        // O_CLOEXEC: a `flink run` child must not inherit, and so hold, the lock.
        var fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        if fd < 0, errno == ENOENT, (try? PluginBundleCache.makeFolders(directory)) != nil {
            fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        }
        guard fd >= 0 else {
            log("warning: cannot open the lock \(path) (\(String(cString: strerror(errno)))); going on without coordinating with other submitjob processes on this host")
            return try await body(false)
        }
        defer { close(fd) }
        var told = false
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR else {
                log("warning: cannot lock \(path) (\(String(cString: strerror(errno)))); going on without it")
                return try await body(told)
            }
            if !told {
                log("waiting for another submitjob on this host (\(key))")
                told = true
            }
            guard ContinuousClock.now + Self.pollInterval < deadline else {
                throw SubmitJobError(.timedOut, "another submitjob on this host held the lock for \(key) until the deadline; nothing was submitted")
            }
            try? await Task.sleep(for: Self.pollInterval)
        }
        defer { flock(fd, LOCK_UN) }
        return try await body(told)
    }

    /// `job-3f.lock`, `upload-a0.lock`: the kind of key, then its SHA-256's first byte.
    static func fileName(for key: String) -> String {
        let kind = key.prefix { $0 != " " }
        let byte = SHA256.hash(data: Array(key.utf8)).withUnsafeBytes { $0[0] }
        return "\(kind)-\(String(byte, radix: 16).leftPadded(to: 2)).lock"
    }
}
