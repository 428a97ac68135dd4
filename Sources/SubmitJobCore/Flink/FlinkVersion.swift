/// A Flink release as `GET /config` reports it, with what its REST API accepts
/// (reference/flink.md, much of it observed live).
public struct FlinkVersion: Sendable, Comparable, CustomStringConvertible {
    public var major: Int
    public var minor: Int
    public var patch: Int
    /// As the cluster wrote it, e.g. "1.20.3" or "2.1-SNAPSHOT".
    public var text: String

    public init?(_ text: String) {
        let numeric = text.prefix { $0.isNumber || $0 == "." }
        let parts = numeric.split(separator: ".").compactMap { Int($0) }
        guard parts.count >= 2 else { return nil }
        major = parts[0]
        minor = parts[1]
        patch = parts.count > 2 ? parts[2] : 0
        self.text = text
    }

    public var description: String { text }

    public static func < (a: FlinkVersion, b: FlinkVersion) -> Bool {
        (a.major, a.minor, a.patch) < (b.major, b.minor, b.patch)
    }

    func atLeast(_ major: Int, _ minor: Int) -> Bool { (self.major, self.minor) >= (major, minor) }

    /// The version in the name of a Flink home's `lib/flink-dist*.jar`
    /// (`flink-dist_2.11-1.12.5.jar`, `flink-dist-1.20.3.jar`): what `bin/flink` there runs.
    public init?(distJarName name: String) {
        guard name.hasPrefix("flink-dist"), name.hasSuffix(".jar"),
            let dash = name.dropLast(4).lastIndex(of: "-")
        else { return nil }
        self.init(String(name[name.index(after: dash)...].dropLast(4)))
    }

    /// `flinkConfiguration` exists from 1.17, but only 1.20+ honour `pipeline.classpaths` in it.
    public var honoursClasspathsOverREST: Bool { atLeast(1, 20) }
}
