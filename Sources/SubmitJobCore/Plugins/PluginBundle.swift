import Crypto

/// The jar `--plugins bundle` uploads, as a value: chunjun-core's entries first, then every plugin
/// jar the job needs, stored under `lib/` at its path in the dist (`lib/connector/mysql/x.jar`:
/// unique by construction; Flink takes any `lib/**.jar` entry). Its name is a digest of its inputs,
/// so the same core and plugins are one bundle, built once and uploaded once.
public struct PluginBundle: Sendable, Equatable {
    public struct Member: Sendable, Equatable {
        /// The entry's name inside the bundle, e.g. `lib/connector/stream/chunjun-connector-stream.jar`.
        public var entry: String
        /// The jar on this machine.
        public var path: String
    }

    /// The local chunjun-core jar whose entries (manifest and Main included) open the bundle.
    public var coreJar: String
    public var members: [Member]

    public init(coreJar: String, members: [Member]) {
        self.coreJar = coreJar
        self.members = members
    }

    /// Members for jars given relative to the dist root.
    public init(coreJar: String, distRoot: String, jars: [String]) {
        self.init(coreJar: coreJar, members: jars.map { Member(entry: "lib/\($0)", path: "\(distRoot)/\($0)") })
    }

    static let namePrefix = "chunjun-bundle-"
    /// Part of every name: a change to how bundles are laid out must change every name.
    static let layoutVersion = "submitjob plugin bundle 1"

    /// `chunjun-bundle-<16 hex>.jar` from the SHA-256 of each input (core first, then members in
    /// order), with the entry names: equal inputs, equal name, equal bytes.
    public static func name(coreDigest: String, memberDigests: [String], entries: [String]) -> String {
        var hasher = SHA256()
        hasher.update(data: Array("\(layoutVersion)\n\(coreDigest)\n".utf8))
        for (entry, digest) in zip(entries, memberDigests) {
            hasher.update(data: Array("\(entry)\u{0}\(digest)\n".utf8))
        }
        let hex = hasher.finalize().prefix(8).map { String($0, radix: 16).leftPadded(to: 2) }.joined()
        return "\(namePrefix)\(hex).jar"
    }

    /// A name `name(coreDigest:...)` gives.
    public static func isName(_ name: String) -> Bool { isDigestJarName(name, prefix: namePrefix) }
}

/// `<prefix><16 lower-case hex digits>.jar`: how submitjob names what it uploads.
func isDigestJarName(_ name: String, prefix: String) -> Bool {
    guard name.hasPrefix(prefix), name.hasSuffix(".jar") else { return false }
    let digest = name.dropFirst(prefix.count).dropLast(".jar".count)
    return digest.count == 16 && digest.allSatisfy { ("0"..."9").contains($0) || ("a"..."f").contains($0) }
}

/// Where bundles come from: their names (hashing the inputs) and their files (cached or built).
/// The REST submitter asks the cluster by name first, so a bundle it already has is never built.
public protocol PluginBundleStore: Sendable {
    func name(of bundle: PluginBundle) throws(SubmitJobError) -> String
    /// The bundle's file on this machine, built (and cached) when missing.
    func file(of bundle: PluginBundle, named name: String, deadline: ContinuousClock.Instant) throws(SubmitJobError) -> String
}
