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
        mkdir(directory, 0o700)
        let entry = entryPath(for: path)
        let temporary = "\(entry).\(getpid()).tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { return }
        let line = Array("\(key) \(digest)".utf8)
        let written = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        // Rename is atomic: a concurrent reader sees the old entry or the new one, never half of one.
        if written != line.count || rename(temporary, entry) != 0 { unlink(temporary) }
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
