import Crypto

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Remembers the SHA-256 of big jars between runs, keyed by what `stat` says of the file, so a
/// submission does not re-read a 100 MB chunjun-core.jar to find it on the cluster again.
/// Only an optimisation: any failure to read or write it just means hashing the file.
public struct JarDigestCache: Sendable {
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    /// `$SUBMITJOB_CACHE_DIR`, else `$XDG_CACHE_HOME/submitjob`, else `$HOME/.cache/submitjob`, else
    /// a per-user folder under /tmp.
    public static func standard(environment: (String) -> String?) -> JarDigestCache {
        if let dir = environment("SUBMITJOB_CACHE_DIR") { return JarDigestCache(directory: dir) }
        if let xdg = environment("XDG_CACHE_HOME") { return JarDigestCache(directory: "\(xdg)/submitjob") }
        if let home = environment("HOME") { return JarDigestCache(directory: "\(home)/.cache/submitjob") }
        return JarDigestCache(directory: "/tmp/submitjob-\(getuid())")
    }

    /// Identity of the file's content as far as the kernel tells: device, inode, size, and both
    /// modification and change times (ctime cannot be set back by tools that preserve mtimes).
    static func key(of path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return "\(info.st_dev):\(info.st_ino):\(info.st_size):\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec):\(info.st_ctim.tv_sec).\(info.st_ctim.tv_nsec)"
    }

    func entryPath(for path: String) -> String {
        let name = SHA256.hash(data: Array(path.utf8)).prefix(12).map { String($0, radix: 16).leftPadded(to: 2) }.joined()
        return "\(directory)/jar-sha256-\(name)"
    }

    public func digest(of path: String) -> String? {
        guard let key = Self.key(of: path), let text = Self.readSmallFile(entryPath(for: path)) else { return nil }
        let parts = text.split(separator: " ")
        guard parts.count == 2, parts[0] == key, parts[1].count == 64 else { return nil }
        return String(parts[1])
    }

    public func remember(_ digest: String, of path: String) {
        guard let key = Self.key(of: path) else { return }
        Self.writeEntry(Array("\(key) \(digest)".utf8), to: entryPath(for: path), in: directory)
    }

    /// Writes a cache entry (0600, in a 0700 folder) through a temporary file and a rename, which
    /// is atomic: a concurrent reader sees the old entry or the new one, never half of one.
    static func writeEntry(_ bytes: [UInt8], to entry: String, in directory: String) {
        mkdir(directory, 0o700)
        let temporary = "\(entry).\(getpid()).tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { return }
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        if written != bytes.count || rename(temporary, entry) != 0 { unlink(temporary) }
    }

    private static func readSmallFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 512)
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        return n > 0 ? String(decoding: buffer[..<n], as: UTF8.self) : nil
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}

/// Remembers the certificates keytool read out of a truststore, so a command does not start a
/// JVM each time (~0.4 s) for a store that has not changed. Keyed by the SHA-256 of the store's
/// bytes, its password and its type: a changed file or a wrong password never hits. Holds only
/// certificates (public); entries are 0600 in the 0700 cache folder and must be the user's own.
public struct TruststoreCache: Sendable {
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    public static func standard(environment: (String) -> String?) -> TruststoreCache {
        TruststoreCache(directory: JarDigestCache.standard(environment: environment).directory)
    }

    static func key(storeBytes: [UInt8], password: String, type: String?) -> String {
        var hasher = SHA256()
        hasher.update(data: storeBytes)
        hasher.update(data: [0] + Array(password.utf8) + [0] + Array((type ?? "").utf8))
        return hasher.finalize().map { String($0, radix: 16).leftPadded(to: 2) }.joined()
    }

    func entryPath(_ key: String) -> String { "\(directory)/truststore-\(key.prefix(32)).pem" }

    public func certificatesPEM(forKey key: String) -> String? {
        let path = entryPath(key)
        var info = stat()
        guard stat(path, &info) == 0, info.st_uid == getuid(), info.st_size < 4 << 20 else { return nil }
        return try? String(decoding: LocalFileSystem().read(path, limit: 4 << 20), as: UTF8.self)
    }

    public func remember(_ pem: String, forKey key: String) {
        JarDigestCache.writeEntry(Array(pem.utf8), to: entryPath(key), in: directory)
    }
}
