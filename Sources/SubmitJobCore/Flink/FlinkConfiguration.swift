import CYaml
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
        if expandedSize(ofYAML: text) > maxExpandedNodes {
            throw SubmitJobError(.configuration, "\(file): its aliases expand to more than \(maxExpandedNodes) values", context: [("file", .string(file))])
        }
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

    /// Far above any real configuration, far below what takes noticeable time.
    static let maxExpandedNodes = 100_000

    /// How many nodes the document has with every alias replaced by what it names, counted on
    /// libyaml's events before Yams composes it. An alias shares its node, so a short file can
    /// stand for billions of values ("billion laughs"): flattening them, or Yams hashing one
    /// such node as a key, would not end. Saturates just above the bound; a syntax error stops
    /// the count (Yams reports it).
    static func expandedSize(ofYAML text: String) -> Int {
        let limit = maxExpandedNodes + 1
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return 0 }
        defer { yaml_parser_delete(&parser) }
        var bytes = Array(text.utf8)
        return bytes.withUnsafeMutableBufferPointer { buffer in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
            var anchors: [String: Int] = [:]
            // Open collections: their anchor and the size so far (themselves included).
            var open: [(anchor: String?, size: Int)] = []
            var total = 0
            func add(_ size: Int) {
                if open.isEmpty { total = min(limit, total + size) } else { open[open.count - 1].size = min(limit, open[open.count - 1].size + size) }
            }
            func name(_ anchor: UnsafeMutablePointer<yaml_char_t>?) -> String? {
                anchor.map { String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self)) }
            }
            var event = yaml_event_t()
            while total < limit, yaml_parser_parse(&parser, &event) == 1 {
                defer { yaml_event_delete(&event) }
                switch event.type {
                case YAML_STREAM_END_EVENT:
                    return total
                case YAML_SCALAR_EVENT:
                    if let anchor = name(event.data.scalar.anchor) { anchors[anchor] = 1 }
                    add(1)
                case YAML_ALIAS_EVENT:
                    add(name(event.data.alias.anchor).flatMap { anchors[$0] } ?? 1)
                case YAML_SEQUENCE_START_EVENT:
                    open.append((name(event.data.sequence_start.anchor), 1))
                case YAML_MAPPING_START_EVENT:
                    open.append((name(event.data.mapping_start.anchor), 1))
                case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                    guard let closed = open.popLast() else { return total }
                    if let anchor = closed.anchor { anchors[anchor] = closed.size }
                    add(closed.size)
                default:
                    continue
                }
            }
            return total
        }
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
