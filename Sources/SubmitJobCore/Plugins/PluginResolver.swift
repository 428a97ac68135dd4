/// Chunjun 1.12.8's rules for which jars a job needs (`PluginUtil`, `ConnectorNameConvertUtil`),
/// applied to a dist listing. Every folder a job names must exist: a job that would fail with
/// ClassNotFoundException inside Flink fails here instead, before it reaches the cluster.
public enum PluginResolver {
    public struct Plugin: Sendable, Equatable {
        /// What needs it: "reader", "writer", "connector", "format", "metrics", "dirty-data", ...
        public var role: String
        /// The folder relative to the dist root, e.g. `connector/mysql`.
        public var folder: String
        /// Jar paths relative to the dist root.
        public var jars: [String]
    }

    public struct Resolution: Sendable, Equatable {
        /// The jar that carries `com.dtstack.chunjun.Main`, relative to the dist root.
        public var coreJar: String
        /// Other `chunjun*.jar` files in the dist root; Chunjun adds them to every job.
        public var extraCoreJars: [String]
        public var plugins: [Plugin]

        /// Every jar besides the core jar, in a stable order without repeats.
        public var classpathJars: [String] {
            var seen = Set<String>()
            return (extraCoreJars + plugins.flatMap(\.jars)).filter { seen.insert($0).inserted }
        }
    }

    /// Name → folder special cases of Chunjun 1.12.8 (master maps `es` to elasticsearch7).
    static let specialNames: [String: String] = [
        "es": "elasticsearch6", "hbase": "hbase14", "tidb": "mysql", "restapi": "http",
        "adbpostgresql": "postgresql", "dorisbatch": "doris", "gbase": "gBase", "protobuf": "pbformat",
    ]

    /// `mysqlreader` → `mysql`, `hbasewriter` → `hbase14`: Java's `String.replace` of each word,
    /// case-sensitive and without lower-casing, then the special cases.
    public static func folderName(forPluginName name: String) -> String {
        var stripped = name
        for word in ["reader", "source", "writer", "sink"] {
            stripped = stripped.replacing(word, with: "")
        }
        return specialNames[stripped] ?? stripped
    }

    /// `chunjun.dirty-data.output-type` → collector folder; `jdbc` writes to MySQL.
    static func dirtyDataFolder(outputType: String) -> String {
        let type = outputType.lowercased()
        return type == "jdbc" ? "mysql" : type
    }

    public static func resolve(_ job: ChunjunJob, in dist: ChunjunDist, confProp: [(String, String)]) throws(SubmitJobError) -> Resolution {
        let rootJars = dist.chunjunJars(in: "")
        // Chunjun takes the first; prefer the one named like the core so a stray jar cannot win.
        guard let coreJar = rootJars.first(where: { $0.lowercased().hasPrefix("chunjun-core") }) ?? rootJars.first else {
            throw SubmitJobError(.missingPlugin, "no chunjun*.jar (the core jar with com.dtstack.chunjun.Main) in \(dist.root)",
                context: [("path", .string(dist.root))])
        }
        var plugins: [Plugin] = []
        func add(_ role: String, _ folder: String, requireJar: Bool = true) throws(SubmitJobError) {
            guard !plugins.contains(where: { $0.folder == folder }) else { return }
            guard dist.folders.contains(folder) else { throw missingFolder(folder, role: role, in: dist) }
            let jars = dist.chunjunJars(in: folder).map { "\(folder)/\($0)" }
            if requireJar, jars.isEmpty {
                throw SubmitJobError(.missingPlugin, "the \(role) plugin folder \(dist.root)/\(folder) has no chunjun*.jar",
                    context: [("path", .string("\(dist.root)/\(folder)"))])
            }
            plugins.append(Plugin(role: role, folder: folder, jars: jars))
        }

        let confValue = { (key: String) in confProp.last(where: { $0.0 == key })?.1 }
        switch job.content {
        case .sync(let sync):
            let formats = dist.chunjunJars(in: "formats").map { "formats/\($0)" }
            if !formats.isEmpty { plugins.append(Plugin(role: "formats", folder: "formats", jars: formats)) }
            try add("reader", "connector/\(folderName(forPluginName: sync.readerName))")
            try add("writer", "connector/\(folderName(forPluginName: sync.writerName))")
            try add("metrics", "metrics/\(sync.metricPluginName ?? "prometheus")")
            if let outputType = confValue("chunjun.dirty-data.output-type"), !outputType.isEmpty {
                try add("dirty-data collector", "dirty-data-collector/\(dirtyDataFolder(outputType: outputType))")
            }
            if let cache = sync.restorationCacheType, !cache.isEmpty {
                try add("restore", "restore-plugins/\(cache.lowercased())")
            }
            if let ddl = sync.restorationDDLType, !ddl.isEmpty {
                try add("ddl", "ddl-plugins/\(ddl.lowercased())")
            }
        case .sql(let script):
            for connector in script.chunjunConnectors {
                try add("connector \(connector)-x", "connector/\(folderName(forPluginName: connector))")
            }
            for format in script.chunjunFormats {
                try add("format \(format)-x", "formats/\(folderName(forPluginName: format))")
            }
        }
        return Resolution(coreJar: coreJar, extraCoreJars: rootJars.filter { $0 != coreJar }, plugins: plugins)
    }

    static func missingFolder(_ folder: String, role: String, in dist: ChunjunDist) -> SubmitJobError {
        let parent = String(folder.split(separator: "/").dropLast().joined(separator: "/"))
        let wanted = String(folder.split(separator: "/").last ?? "")
        let candidates = dist.subfolders(of: parent)
        let closest = candidates
            .map { ($0, editDistance($0.lowercased(), wanted.lowercased())) }
            .sorted { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }
            .prefix(3).map(\.0)
        let hint = closest.isEmpty ? "\(dist.root)/\(parent) has no folders" : "closest: " + closest.joined(separator: ", ")
        return SubmitJobError(.missingPlugin, "no \(role) plugin folder \(dist.root)/\(folder) (\(hint))",
            context: [("path", .string("\(dist.root)/\(folder)")), ("closest", .array(closest.map { .string($0) }))])
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
