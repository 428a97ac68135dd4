import Yams

/// Flink's own configuration file, read the way that Flink version reads it. Every value keeps
/// where it came from, so `submitjob config` can say why it chose what it chose.
public struct FlinkConfiguration: Sendable {
    public enum Dialect: String, Sendable {
        /// `flink-conf.yaml`: Flink's own line format (not YAML), the only one before 1.19.
        case legacy = "flink-conf.yaml"
        /// `config.yaml`: standard YAML, nested or flat dotted keys (1.19+; the only one in 2.x).
        case standard = "config.yaml"
    }

    public struct Entry: Sendable, Equatable {
        public var value: String
        public var line: Int
    }

    /// The file the values came from; nil when there was none.
    public var file: String?
    public var dialect: Dialect?
    public private(set) var entries: [String: Entry] = [:]

    public init(file: String? = nil, dialect: Dialect? = nil, entries: [String: Entry] = [:]) {
        self.file = file
        self.dialect = dialect
        self.entries = entries
    }

    public subscript(key: String) -> String? { entries[key]?.value }

    /// "config.yaml line 3", for messages and `submitjob config`.
    public func origin(of key: String) -> String? {
        guard let entry = entries[key] else { return nil }
        return "\(file ?? "configuration") line \(entry.line)"
    }

    /// The first of `keys` that is set, as a setting named after the first one; a fallback key
    /// is named in its origin ("config.yaml line 4 (security.ssl.truststore)").
    public func firstSetting(of keys: [String]) -> FlinkEndpoint.Setting? {
        for key in keys {
            guard let value = self[key], let origin = origin(of: key) else { continue }
            return FlinkEndpoint.Setting(key: keys[0], value: value, from: origin + (key == keys[0] ? "" : " (\(key))"))
        }
        return nil
    }

    /// Flink's REST SSL switch and its deprecated predecessor (`SecurityOptions.isRestSSLEnabled`).
    public static let restSSLEnabledKeys = ["security.ssl.rest.enabled", "security.ssl.enabled"]

    /// Which file Flink reads when a conf dir holds one or both. 1.19 and 1.20 prefer a
    /// `flink-conf.yaml` when one exists; 2.x reads only `config.yaml`. With the version unknown
    /// and both present, 1.x's choice is the safer guess: it is what the platform runs.
    public static func dialect(hasLegacy: Bool, hasStandard: Bool, version: FlinkVersion?) -> Dialect? {
        switch (hasLegacy, hasStandard) {
        case (false, false): return nil
        case (true, false): return (version?.major ?? 1) >= 2 ? nil : .legacy
        case (false, true): return version.map { !$0.atLeast(1, 19) } == true ? nil : .standard
        case (true, true): return (version?.major ?? 1) >= 2 ? .standard : .legacy
        }
    }

    /// Flink's `GlobalConfiguration.loadYAMLResource`: per line, drop everything from the first
    /// `#`, split at the first ": ", trim both sides; no quoting, no nesting; later lines win.
    /// A real YAML parser would differ (it unquotes `"x"`, and `a:b` is a key there).
    public static func parseLegacy(_ text: String, file: String) -> FlinkConfiguration {
        var configuration = FlinkConfiguration(file: file, dialect: .legacy)
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let content = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let line = content.trimmingWhitespace
            guard !line.isEmpty, let separator = line.firstRange(of: ": ") else { continue }
            let key = line[..<separator.lowerBound].trimmingWhitespace
            let value = line[separator.upperBound...].trimmingWhitespace
            guard !key.isEmpty, !value.isEmpty else { continue }
            configuration.entries[key] = Entry(value: value, line: index + 1)
        }
        return configuration
    }

    /// Flink 1.19+'s `config.yaml`: standard YAML whose nested maps flatten to dotted keys
    /// (`rest: {port: 8081}` is `rest.port`); flat dotted keys may be mixed in. Lists become
    /// Flink's `;`-separated form. Errors name line and column only: the text may hold secrets.
    public static func parseStandard(_ text: String, file: String) throws(SubmitJobError) -> FlinkConfiguration {
        var configuration = FlinkConfiguration(file: file, dialect: .standard)
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw SubmitJobError(.configuration, "\(file): not valid YAML: \(describe(error))", context: [("file", .string(file))])
        } catch {
            throw SubmitJobError(.configuration, "\(file): not valid YAML", context: [("file", .string(file))])
        }
        guard let root else { return configuration }
        guard case .mapping(let mapping) = root else {
            throw SubmitJobError(.configuration, "\(file): the top level must be a mapping of keys to values", context: [("file", .string(file))])
        }
        func flatten(_ mapping: Node.Mapping, prefix: String) throws(SubmitJobError) {
            for (keyNode, valueNode) in mapping {
                guard let name = keyNode.scalar?.string else {
                    throw SubmitJobError(.configuration, "\(file) line \(line(of: keyNode)): keys must be plain text", context: [("file", .string(file))])
                }
                let key = prefix + name
                switch valueNode {
                case .mapping(let nested):
                    try flatten(nested, prefix: key + ".")
                case .scalar(let scalar):
                    configuration.entries[key] = Entry(value: scalar.string, line: line(of: keyNode))
                case .sequence(let sequence):
                    let items = sequence.map { $0.scalar?.string ?? "" }
                    configuration.entries[key] = Entry(value: items.joined(separator: ";"), line: line(of: keyNode))
                case .alias:
                    continue
                }
            }
        }
        try flatten(mapping, prefix: "")
        return configuration
    }

    private static func line(of node: Node) -> Int { node.mark?.line ?? 0 }

    private static func describe(_ error: YamlError) -> String {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return "\(problem) at line \(mark.line), column \(mark.column)"
        case .reader(let problem, _, _, _):
            return problem
        case .duplicatedKeysInMapping(let duplicates, _):
            return "duplicated keys \(duplicates.joined(separator: ", "))"
        default:
            return "unreadable"
        }
    }
}
