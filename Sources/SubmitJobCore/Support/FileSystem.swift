import Crypto

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The disk, as submitjob uses it. The planning core never calls this: the executable reads
/// the job and lists the dist, then hands values to the core.
public protocol FileSystem: Sendable {
    /// A whole file; `-` is standard input.
    func read(_ path: String, limit: Int) throws(SubmitJobError) -> [UInt8]
    /// The dist folder as a listing (three levels deep: root, `connector/`, `connector/<x>/`).
    func listDist(at root: String) throws(SubmitJobError) -> ChunjunDist
    /// SHA-256 of a file, hex, read in chunks so memory stays flat whatever the size.
    func sha256(of path: String) throws(SubmitJobError) -> String
    /// Names in a folder (files and folders, sorted); nil when it is not a readable folder.
    func entries(of directory: String) -> [String]?
    /// A regular file this process may execute.
    func isExecutableFile(_ path: String) -> Bool
}

/// The C `read`, which `LocalFileSystem.read` would otherwise shadow.
private func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int { read(fd, buffer, count) }

public struct LocalFileSystem: FileSystem {
    let digestCache: JarDigestCache?

    public init(digestCache: JarDigestCache? = nil) {
        self.digestCache = digestCache
    }

    public func read(_ path: String, limit: Int) throws(SubmitJobError) -> [UInt8] {
        let fd = path == "-" ? STDIN_FILENO : open(path, O_RDONLY)
        guard fd >= 0 else { throw Self.openError(path, errno) }
        defer { if fd != STDIN_FILENO { close(fd) } }
        if path != "-", Self.isDirectory(path) {
            throw SubmitJobError(.missingFile, "\(path) is a folder, not a job file", context: [("path", .string(path))])
        }
        var bytes: [UInt8] = []
        try Self.forEachChunk(of: fd, named: path == "-" ? "standard input" : path) { (chunk) throws(SubmitJobError) in
            bytes.append(contentsOf: chunk)
            if bytes.count > limit {
                throw SubmitJobError(.invalidJob, "\(path == "-" ? "the job on standard input" : path) is larger than \(limit >> 20) MiB")
            }
        }
        return bytes
    }

    public func listDist(at root: String) throws(SubmitJobError) -> ChunjunDist {
        guard Self.isDirectory(root) else {
            throw SubmitJobError(.missingFile, "the chunjun-dist folder \(root) does not exist (set --chunjun-dist or CHUNJUN_DIST)",
                context: [("path", .string(root))])
        }
        var files: [String: [String]] = [:]
        var folders: Set<String> = [""]
        func walk(_ relative: String, depth: Int) {
            for name in entries(of: relative.isEmpty ? root : "\(root)/\(relative)") ?? [] {
                let child = relative.isEmpty ? name : "\(relative)/\(name)"
                // stat, not lstat: a dist assembled from symlinks is still a dist.
                var info = stat()
                guard stat("\(root)/\(child)", &info) == 0 else { continue }
                if info.st_mode & S_IFMT == S_IFDIR {
                    folders.insert(child)
                    if depth < 2 { walk(child, depth: depth + 1) }
                } else if info.st_mode & S_IFMT == S_IFREG {
                    files[relative, default: []].append(name)
                }
            }
        }
        walk("", depth: 0)
        // readdir's order is the file system's: sort, so equal dists make equal plans.
        return ChunjunDist(root: root, files: files.mapValues { $0.sorted() }, folders: folders)
    }

    public func sha256(of path: String) throws(SubmitJobError) -> String {
        if let known = digestCache?.digest(of: path) { return known }
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw Self.openError(path, errno) }
        defer { close(fd) }
        var hasher = SHA256()
        try Self.forEachChunk(of: fd, named: path) { hasher.update(bufferPointer: $0) }
        let digest = hasher.finalize().map { String($0, radix: 16).leftPadded(to: 2) }.joined()
        digestCache?.remember(digest, of: path)
        return digest
    }

    public func entries(of directory: String) -> [String]? {
        guard let dir = opendir(directory) else { return nil }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != ".", name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    public func isExecutableFile(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFREG && access(path, X_OK) == 0
    }

    /// Reads a descriptor to its end in fixed chunks, so nothing but the caller's use grows with the file.
    static func forEachChunk(of fd: Int32, named name: String, _ body: (UnsafeRawBufferPointer) throws(SubmitJobError) -> Void) throws(SubmitJobError) {
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 << 10, alignment: 16)
        defer { chunk.deallocate() }
        while true {
            let n = systemRead(fd, chunk.baseAddress, chunk.count)
            if n < 0 {
                if errno == EINTR { continue }
                throw SubmitJobError(.missingFile, "cannot read \(name): \(reason(errno))")
            }
            if n == 0 { return }
            try body(UnsafeRawBufferPointer(rebasing: chunk[..<n]))
        }
    }

    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR
    }

    static func reason(_ code: Int32) -> String { String(cString: strerror(code)) }

    static func openError(_ path: String, _ code: Int32) -> SubmitJobError {
        SubmitJobError(.missingFile, "cannot open \(path): \(reason(code))", context: [("path", .string(path))])
    }
}
