import CLibYAML

/// One YAML document as libyaml composes it, for `config.yaml`. Scalars keep their text as
/// written (Flink's values are strings until an option parses them, so no tags are resolved),
/// and an alias stands for a copy of the node it names. Lines count from 1.
indirect enum YAMLNode: Sendable {
    case scalar(String, line: Int)
    case sequence([YAMLNode], line: Int)
    case mapping([(key: YAMLNode, value: YAMLNode)], line: Int)

    var line: Int {
        switch self {
        case .scalar(_, let line), .sequence(_, let line), .mapping(_, let line): line
        }
    }

    var scalar: String? {
        if case .scalar(let text, _) = self { text } else { nil }
    }

    /// Why a text is no document we read. Never holds the text: a configuration may hold secrets,
    /// and libyaml's problems are fixed phrases.
    enum Failure: Error, Equatable {
        case syntax(problem: String, line: Int, column: Int)
        /// Not UTF-8, or a control character: libyaml's reader names no line.
        case unreadable(problem: String)
        case undefinedAlias(line: Int, column: Int)
        case secondDocument(line: Int, column: Int)
        /// Keys that appear twice in one mapping, sorted.
        case duplicateKeys([String], line: Int)
        /// The document with every alias replaced by what it names has more nodes than allowed.
        case tooLarge(limit: Int)
        case tooDeep(limit: Int)
        case outOfMemory

        var description: String {
            switch self {
            case .syntax(let problem, let line, let column): "\(problem) at line \(line), column \(column)"
            case .unreadable(let problem): problem
            case .undefinedAlias(let line, let column): "found undefined alias at line \(line), column \(column)"
            case .secondDocument(let line, let column): "more than one document: another starts at line \(line), column \(column)"
            case .duplicateKeys(let keys, let line): "duplicated keys \(keys.joined(separator: ", ")) in the mapping at line \(line)"
            case .tooLarge(let limit): "its aliases expand to more than \(limit) values"
            case .tooDeep(let limit): "nested more than \(limit) levels deep"
            case .outOfMemory: "out of memory"
            }
        }
    }

    /// The document in `text`, nil when it has none. More than one document is a failure, as is a
    /// document that would have more than `maxNodes` nodes with its aliases expanded: an alias
    /// shares its node, so a few lines can stand for billions of values ("billion laughs").
    /// Composed with a stack of our own, not by recursion, so deep nesting cannot overflow ours.
    static func compose(_ text: String, maxNodes: Int, maxDepth: Int = 256) throws(Failure) -> YAMLNode? {
        var bytes = Array(text.utf8)
        if bytes.isEmpty { return nil }
        // libyaml keeps a pointer to its parser (the input's read handler), so it must not move.
        let parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
        defer { parser.deallocate() }
        guard yaml_parser_initialize(parser) == 1 else { throw .outOfMemory }
        defer { yaml_parser_delete(parser) }
        let result: Result<YAMLNode?, Failure> = bytes.withUnsafeMutableBufferPointer { buffer in
            yaml_parser_set_input_string(parser, buffer.baseAddress, buffer.count)
            yaml_parser_set_encoding(parser, YAML_UTF8_ENCODING)
            var composer = Composer(parser: parser, maxNodes: maxNodes, maxDepth: maxDepth)
            return Result { () throws(Failure) in try composer.document() }
        }
        return try result.get()
    }

    /// What composing needs of one libyaml event, copied out so the event is freed at once.
    private enum Event {
        case scalar(String, anchor: String?, line: Int)
        case alias(String, line: Int, column: Int)
        case sequenceStart(anchor: String?, line: Int)
        case mappingStart(anchor: String?, line: Int)
        case collectionEnd
        case documentStart(line: Int, column: Int)
        case documentEnd
        case streamEnd
        case streamStart
    }

    private struct Composer {
        let parser: UnsafeMutablePointer<yaml_parser_t>
        let maxNodes: Int
        let maxDepth: Int
        /// Each anchor's node and its size with aliases expanded; a later anchor of the same name wins.
        var anchors: [String: (node: YAMLNode, size: Int)] = [:]
        /// Nodes so far, aliases expanded.
        var expanded = 0

        /// A collection being composed: its items (keys and values alternate in a mapping).
        struct Open {
            var isMapping: Bool
            var anchor: String?
            var line: Int
            var nodesBefore: Int
            var items: [YAMLNode] = []
        }

        init(parser: UnsafeMutablePointer<yaml_parser_t>, maxNodes: Int, maxDepth: Int) {
            self.parser = parser
            self.maxNodes = maxNodes
            self.maxDepth = maxDepth
        }

        mutating func document() throws(Failure) -> YAMLNode? {
            guard case .streamStart = try next() else { return nil }
            guard case .documentStart = try next() else { return nil }
            let root = try node()
            guard case .documentEnd = try next() else { return root }
            switch try next() {
            case .documentStart(let line, let column): throw .secondDocument(line: line, column: column)
            default: return root
            }
        }

        /// The node whose first event comes next, with everything inside it.
        mutating func node() throws(Failure) -> YAMLNode {
            var open: [Open] = []
            while true {
                var finished: (node: YAMLNode, anchor: String?, size: Int)
                switch try next() {
                case .scalar(let text, let anchor, let line):
                    finished = (.scalar(text, line: line), anchor, 1)
                    try count(1)
                case .alias(let name, let line, let column):
                    guard let named = anchors[name] else { throw .undefinedAlias(line: line, column: column) }
                    finished = (named.node, nil, named.size)
                    try count(named.size)
                case .sequenceStart(let anchor, let line):
                    try start(Open(isMapping: false, anchor: anchor, line: line, nodesBefore: expanded), in: &open)
                    continue
                case .mappingStart(let anchor, let line):
                    try start(Open(isMapping: true, anchor: anchor, line: line, nodesBefore: expanded), in: &open)
                    continue
                case .collectionEnd:
                    guard let closed = open.popLast() else { throw .syntax(problem: "unexpected end of a collection", line: 0, column: 0) }
                    finished = (try Self.collection(closed), closed.anchor, expanded - closed.nodesBefore)
                default:
                    throw .syntax(problem: "unexpected event", line: 0, column: 0)
                }
                if let anchor = finished.anchor { anchors[anchor] = (finished.node, finished.size) }
                guard !open.isEmpty else { return finished.node }
                open[open.count - 1].items.append(finished.node)
            }
        }

        mutating func start(_ collection: Open, in open: inout [Open]) throws(Failure) {
            guard open.count < maxDepth else { throw .tooDeep(limit: maxDepth) }
            open.append(collection)
            try count(1)
        }

        static func collection(_ open: Open) throws(Failure) -> YAMLNode {
            guard open.isMapping else { return .sequence(open.items, line: open.line) }
            var pairs: [(key: YAMLNode, value: YAMLNode)] = []
            pairs.reserveCapacity(open.items.count / 2)
            var index = 0
            while index + 1 < open.items.count {
                pairs.append((open.items[index], open.items[index + 1]))
                index += 2
            }
            // Two keys of the same text would flatten to one Flink key: refuse rather than pick one.
            // (Keys are compared by text, so `1` and `"1"` are the same key here.)
            var seen: Set<String> = []
            var duplicates: Set<String> = []
            for pair in pairs {
                guard let key = pair.key.scalar else { continue }
                if !seen.insert(key).inserted { duplicates.insert(key) }
            }
            if !duplicates.isEmpty { throw .duplicateKeys(duplicates.sorted(), line: open.line) }
            return .mapping(pairs, line: open.line)
        }

        mutating func count(_ nodes: Int) throws(Failure) {
            expanded += nodes
            if expanded > maxNodes { throw .tooLarge(limit: maxNodes) }
        }

        mutating func next() throws(Failure) -> Event {
            var event = yaml_event_t()
            guard yaml_parser_parse(parser, &event) == 1 else { throw failure() }
            defer { yaml_event_delete(&event) }
            let line = Int(event.start_mark.line) + 1
            let column = Int(event.start_mark.column) + 1
            switch event.type {
            case YAML_STREAM_START_EVENT: return .streamStart
            case YAML_STREAM_END_EVENT: return .streamEnd
            case YAML_DOCUMENT_START_EVENT: return .documentStart(line: line, column: column)
            case YAML_DOCUMENT_END_EVENT: return .documentEnd
            case YAML_SCALAR_EVENT:
                let scalar = event.data.scalar
                // A scalar may hold NUL characters: its length, not a C string.
                let text = String(decoding: UnsafeBufferPointer(start: scalar.value, count: scalar.length), as: UTF8.self)
                return .scalar(text, anchor: Self.string(scalar.anchor), line: line)
            case YAML_ALIAS_EVENT:
                return .alias(Self.string(event.data.alias.anchor) ?? "", line: line, column: column)
            case YAML_SEQUENCE_START_EVENT:
                return .sequenceStart(anchor: Self.string(event.data.sequence_start.anchor), line: line)
            case YAML_MAPPING_START_EVENT:
                return .mappingStart(anchor: Self.string(event.data.mapping_start.anchor), line: line)
            case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT: return .collectionEnd
            default: throw .unreadable(problem: "no event")
            }
        }

        func failure() -> Failure {
            let state = parser.pointee
            let problem = state.problem.map { String(cString: $0) } ?? "unreadable"
            switch state.error {
            case YAML_MEMORY_ERROR: return .outOfMemory
            case YAML_READER_ERROR: return .unreadable(problem: problem)
            default: return .syntax(problem: problem, line: Int(state.problem_mark.line) + 1, column: Int(state.problem_mark.column) + 1)
            }
        }

        static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
            pointer.map { String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self)) }
        }
    }
}
