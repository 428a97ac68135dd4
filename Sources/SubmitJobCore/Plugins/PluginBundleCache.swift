#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Bundles on this machine: `<cache>/bundles/chunjun-bundle-<16 hex>.jar`, each built once into a
/// temporary file and renamed into place (two submitters building the same bundle at once each
/// write their own file and the same bytes land under the name; neither ever reads half of one).
/// The folder is bounded: after a build, the least recently used bundles go until the rest fit.
public struct PluginBundleCache: PluginBundleStore {
    public let directory: String
    public let limitBytes: Int64
    let fileSystem: any FileSystem
    let progress: @Sendable (_ activity: String, _ done: Int64, _ total: Int64) -> Void
    let log: @Sendable (String) -> Void

    public static let defaultLimitBytes: Int64 = 2 << 30

    public init(directory: String, limitBytes: Int64 = defaultLimitBytes, fileSystem: any FileSystem,
                progress: @escaping @Sendable (String, Int64, Int64) -> Void = { _, _, _ in },
                log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.directory = directory
        self.limitBytes = limitBytes
        self.fileSystem = fileSystem
        self.progress = progress
        self.log = log
    }

    /// `bundles/` in submitjob's cache folder, bounded by `$SUBMITJOB_BUNDLE_CACHE_MAX`
    /// (bytes, or with K, M, G; default 2G).
    public static func standard(environment: (String) -> String?, fileSystem: any FileSystem,
                                progress: @escaping @Sendable (String, Int64, Int64) -> Void,
                                log: @escaping @Sendable (String) -> Void) throws(SubmitJobError) -> PluginBundleCache {
        var limit = defaultLimitBytes
        if let text = environment("SUBMITJOB_BUNDLE_CACHE_MAX") {
            guard let parsed = parseSize(text) else {
                throw SubmitJobError(.usage, "$SUBMITJOB_BUNDLE_CACHE_MAX must be a size such as 2G, 500M or 1073741824, not \"\(text)\"")
            }
            limit = parsed
        }
        return PluginBundleCache(directory: JarDigestCache.standard(environment: environment).directory + "/bundles",
                                 limitBytes: limit, fileSystem: fileSystem, progress: progress, log: log)
    }

    static func parseSize(_ text: String) -> Int64? {
        var digits = text.trimmingWhitespace.uppercased()
        if digits.hasSuffix("B") { digits.removeLast() }
        var factor: Int64 = 1
        if let unit = digits.last, let shift = ["K": 10, "M": 20, "G": 30, "T": 40][String(unit)] {
            factor = 1 << shift
            digits.removeLast()
        }
        guard let value = Int64(digits), value >= 0, value <= Int64.max / factor else { return nil }
        return value * factor
    }

    public func name(of bundle: PluginBundle) throws(SubmitJobError) -> String {
        let core = try fileSystem.sha256(of: bundle.coreJar)
        var digests: [String] = []
        for member in bundle.members { digests.append(try fileSystem.sha256(of: member.path)) }
        return PluginBundle.name(coreDigest: core, memberDigests: digests, entries: bundle.members.map(\.entry))
    }

    public func file(of bundle: PluginBundle, named name: String, deadline: ContinuousClock.Instant) throws(SubmitJobError) -> String {
        let path = "\(directory)/\(name)"
        if Self.size(of: path) != nil {
            // Used now: the last to be evicted.
            _ = utimensat(AT_FDCWD, path, nil, 0)
            return path
        }
        try Self.makeFolders(directory)
        var generator = SystemRandomNumberGenerator()
        let temporary = "\(directory)/.\(name).\(getpid()).\(String(generator.next(), radix: 16)).tmp"
        let activity = "building \(name)"
        WorkInProgress.shared.doing(activity)
        WorkInProgress.shared.writing(temporary)
        defer { WorkInProgress.shared.finished(temporary) }
        do {
            try BundleJarWriter.write(bundle, to: temporary, deadline: deadline) { done, total in progress(activity, done, total) }
        } catch {
            unlink(temporary)
            throw error
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw SubmitJobError(.internal, "cannot put the bundle in place at \(path): \(reason)", context: [("path", .string(path))])
        }
        log("built \(path) (\(Self.megabytes(Self.size(of: path) ?? 0)) MB: chunjun-core and \(bundle.members.count) plugin jar(s))")
        evict(keeping: name)
        return path
    }

    /// Removes the least recently used bundles until the folder fits the limit; never `kept`,
    /// the one in use. Leftover temporary files of builds that died an hour ago go too.
    func evict(keeping kept: String) {
        var bundles: [(name: String, size: Int64, used: Int)] = []
        let now = time(nil)
        for name in fileSystem.entries(of: directory) ?? [] {
            var info = stat()
            guard stat("\(directory)/\(name)", &info) == 0, info.st_mode & S_IFMT == S_IFREG else { continue }
            if name.hasPrefix("."), name.hasSuffix(".tmp"), now - info.st_mtim.tv_sec > 3600 {
                unlink("\(directory)/\(name)")
            } else if PluginBundle.isName(name) {
                bundles.append((name, Int64(info.st_size), info.st_mtim.tv_sec))
            }
        }
        var total = bundles.reduce(0) { $0 + $1.size }
        for bundle in bundles.sorted(by: { ($0.used, $0.name) < ($1.used, $1.name) }) where total > limitBytes && bundle.name != kept {
            if unlink("\(directory)/\(bundle.name)") == 0 {
                total -= bundle.size
                log("removed \(bundle.name) from the bundle cache (least recently used; the cache keeps \(Self.megabytes(limitBytes)) MB)")
            }
        }
    }

    static func size(of path: String) -> Int64? {
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return nil }
        return Int64(info.st_size)
    }

    static func makeFolders(_ path: String) throws(SubmitJobError) {
        var prefix = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            prefix += "/" + part
            if mkdir(prefix, 0o700) != 0, errno != EEXIST {
                throw SubmitJobError(.internal, "cannot create the bundle cache folder \(prefix): \(String(cString: strerror(errno)))", context: [("path", .string(prefix))])
            }
        }
    }

    static func megabytes(_ bytes: Int64) -> String {
        let tenths = (bytes * 10 + (1 << 19)) >> 20
        return "\(tenths / 10).\(tenths % 10)"
    }
}
