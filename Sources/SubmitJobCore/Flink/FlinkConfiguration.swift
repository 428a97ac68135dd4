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
    /// Read by scalars as Java reads chars, not by Characters: "\r\n" is one Character (a file
    /// with CRLF endings would be one line), and so is a '#' or ' ' with a combining mark.
    public static func parseLegacy(_ text: String, file: String) -> FlinkConfiguration {
        var configuration = FlinkConfiguration(file: file, dialect: .legacy)
        let scalars = Array(text.unicodeScalars)
        // Java's String.trim: every char up to U+0020, and nothing else.
        func trim(_ s: ArraySlice<Unicode.Scalar>) -> ArraySlice<Unicode.Scalar> {
            var s = s
            while let first = s.first, first.value <= 0x20 { s.removeFirst() }
            while let last = s.last, last.value <= 0x20 { s.removeLast() }
            return s
        }
        // BufferedReader.readLine: a line ends at "\n", "\r" or "\r\n".
        var lines: [ArraySlice<Unicode.Scalar>] = []
        var start = 0
        var i = 0
        while i < scalars.count {
            if scalars[i] == "\n" || scalars[i] == "\r" {
                lines.append(scalars[start..<i])
                if scalars[i] == "\r", i + 1 < scalars.count, scalars[i + 1] == "\n" { i += 1 }
                start = i + 1
            }
            i += 1
        }
        if start < scalars.count { lines.append(scalars[start...]) }
        for (index, line) in lines.enumerated() {
            let content = trim(line.prefix { $0 != "#" })
            guard let separator = content.indices.first(where: { content[$0] == ":" && $0 + 1 < content.endIndex && content[$0 + 1] == " " }) else { continue }
            let key = trim(content[..<separator])
            let value = trim(content[(separator + 2)...])
            guard !key.isEmpty, !value.isEmpty else { continue }
            configuration.entries[String(String.UnicodeScalarView(key))] = Entry(value: String(String.UnicodeScalarView(value)), line: index + 1)
        }
        return configuration
    }

    /// Flink 1.19+'s `config.yaml`: standard YAML whose nested maps flatten to dotted keys
    /// (`rest: {port: 8081}` is `rest.port`); flat dotted keys may be mixed in. Lists become
    /// Flink's `;`-separated form. Errors name line and column only: the text may hold secrets.
    public static func parseStandard(_ text: String, file: String) throws(SubmitJobError) -> FlinkConfiguration {
        var configuration = FlinkConfiguration(file: file, dialect: .standard)
        func failure(_ message: String) -> SubmitJobError {
            SubmitJobError(.configuration, "\(file)\(message)", context: [("file", .string(file))])
        }
        let root: YAMLNode?
        do {
            root = try YAMLNode.compose(text, maxNodes: maxExpandedNodes)
        } catch .tooLarge(let limit) {
            throw failure(": its aliases expand to more than \(limit) values")
        } catch {
            throw failure(": not valid YAML: \(error.description)")
        }
        guard let root else { return configuration }
        guard case .mapping(let pairs, _) = root else {
            throw failure(": the top level must be a mapping of keys to values")
        }
        // Depth is bounded by the composer, so this recursion is too.
        func flatten(_ pairs: [(key: YAMLNode, value: YAMLNode)], prefix: String) throws(SubmitJobError) {
            for (keyNode, valueNode) in pairs {
                guard let name = keyNode.scalar else { throw failure(" line \(keyNode.line): keys must be plain text") }
                let key = prefix + name
                switch valueNode {
                case .mapping(let nested, _):
                    try flatten(nested, prefix: key + ".")
                case .scalar(let value, _):
                    configuration.entries[key] = Entry(value: value, line: keyNode.line)
                case .sequence(let items, _):
                    configuration.entries[key] = Entry(value: items.map { $0.scalar ?? "" }.joined(separator: ";"), line: keyNode.line)
                }
            }
        }
        try flatten(pairs, prefix: "")
        return configuration
    }

    /// Far above any real configuration, far below what takes noticeable time.
    static let maxExpandedNodes = 100_000
}
