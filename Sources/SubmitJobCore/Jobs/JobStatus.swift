/// What `status` reports about one job, read from Flink's answers (pure: JSON in, value out).
/// The shapes differ by version (reference/flink.md, Golden/flink-rest/); the differences are
/// absorbed here so the caller sees one value.
public struct JobStatus: Sendable, Equatable {
    public struct Vertex: Sendable, Equatable {
        public var name: String
        public var parallelism: Int
        public var state: String
        /// Subtasks per state (`tasks`), the non-zero counts. A vertex is RUNNING as soon as one
        /// subtask runs, while others may still wait for a slot (seen live on 1.12, 1.20, 2.2).
        public var tasks: [(String, Int)]

        public static func == (a: Vertex, b: Vertex) -> Bool {
            a.name == b.name && a.parallelism == b.parallelism && a.state == b.state && a.tasks.map(\.0) == b.tasks.map(\.0) && a.tasks.map(\.1) == b.tasks.map(\.1)
        }

        /// Every subtask RUNNING or FINISHED (the vertex's own state where Flink gave no counts).
        public var isRunning: Bool {
            guard !tasks.isEmpty else { return state == "RUNNING" || state == "FINISHED" }
            return tasks.allSatisfy { $0.0 == "RUNNING" || $0.0 == "FINISHED" }
        }
    }

    /// A completed checkpoint or savepoint.
    public struct Checkpoint: Sendable, Equatable {
        public var id: Int
        /// When it completed (the last acknowledgement), epoch milliseconds.
        public var time: Int?
        public var externalPath: String?
    }

    public var jobID: String
    public var name: String
    /// Live where Flink tells it live (see `JobInspector`), else from the cached job.
    public var state: String
    /// The state in Flink's cached copy of the job, which everything else here comes from; it
    /// catches up with `state` within `web.refresh-interval` (3 s).
    public var cachedState: String
    /// Epoch milliseconds; nil when Flink says -1 (not started, not ended).
    public var startTime: Int?
    public var endTime: Int?
    public var durationMilliseconds: Int?
    public var vertices: [Vertex]
    public var lastCheckpoint: Checkpoint?
    public var lastSavepoint: Checkpoint?
    public var counters: JobCounters
    /// The innermost cause of the failure, for a FAILED job (scrubbed of secret-looking values).
    public var rootCause: String?

    /// States after which Flink never runs the job again (SUSPENDED is not one: another
    /// JobManager may take the job over).
    public static let terminalStates: Set<String> = ["FINISHED", "FAILED", "CANCELED"]

    public static let knownStates = ["INITIALIZING", "CREATED", "RUNNING", "FAILING", "FAILED", "CANCELLING", "CANCELED",
                                     "FINISHED", "RESTARTING", "SUSPENDED", "RECONCILING"]

    public var hasEnded: Bool { Self.terminalStates.contains(state) }

    /// The error code for a job that has ended where a command needed it alive (exit 3).
    public static func code(forEnded state: String) -> SubmitJobError.Code {
        switch state {
        case "FAILED": .jobFailed
        case "CANCELED": .jobCanceled
        default: .jobNotRunning
        }
    }

    /// The cached parts (tasks, counters, checkpoints, exceptions) are as current as the state.
    public var isSettled: Bool { cachedState == state }

    /// "Really running": the job is RUNNING and so is every subtask of every vertex (RUNNING or
    /// FINISHED). A RUNNING job whose subtasks wait for slots (CREATED, SCHEDULED, DEPLOYING,
    /// INITIALIZING) is not.
    public var isRunning: Bool {
        state == "RUNNING" && !vertices.isEmpty && vertices.allSatisfy(\.isRunning)
    }

    /// Subtasks RUNNING or FINISHED, and all subtasks.
    public var subtaskCounts: (running: Int, all: Int) {
        vertices.reduce((0, 0)) { sum, vertex in
            guard !vertex.tasks.isEmpty else { return (sum.0 + (vertex.isRunning ? vertex.parallelism : 0), sum.1 + vertex.parallelism) }
            let running = vertex.tasks.filter { $0.0 == "RUNNING" || $0.0 == "FINISHED" }.reduce(0) { $0 + $1.1 }
            return (sum.0 + running, sum.1 + vertex.tasks.reduce(0) { $0 + $1.1 })
        }
    }

    // MARK: Reading Flink's answers

    /// `GET /jobs/:id` (cached by Flink for up to 3 s) and the job's live state when known; the
    /// other parts are optional (each is a call that may fail alone).
    public static func parse(details: JSONValue, liveState: String? = nil, accumulators: JSONValue? = nil, checkpoints: JSONValue? = nil, exceptions: JSONValue? = nil) throws(SubmitJobError) -> JobStatus {
        guard let cachedState = details["state"]?.stringValue, let id = details["jid"]?.stringValue else {
            throw SubmitJobError(.unexpectedResponse, "Flink's answer about the job has no jid or state")
        }
        let state = liveState ?? cachedState
        var vertices: [Vertex] = []
        if case .array(let items)? = details["vertices"] {
            vertices = items.map { item in
                var tasks: [(String, Int)] = []
                if case .object(let counts)? = item["tasks"] {
                    tasks = counts.compactMap { name, count in count.intValue.flatMap { $0 > 0 ? (name, $0) : nil } }.sorted { $0.0 < $1.0 }
                }
                return Vertex(name: item["name"]?.stringValue ?? "", parallelism: item["parallelism"]?.intValue ?? 0,
                              state: item["status"]?.stringValue ?? item["state"]?.stringValue ?? "", tasks: tasks)
            }
        }
        var status = JobStatus(
            jobID: id, name: details["name"]?.stringValue ?? "", state: state, cachedState: cachedState,
            startTime: time(details["start-time"]), endTime: time(details["end-time"]),
            durationMilliseconds: details["duration"]?.intValue.flatMap { $0 >= 0 ? $0 : nil },
            vertices: vertices, lastCheckpoint: nil, lastSavepoint: nil,
            counters: accumulators.map(JobCounters.init(accumulators:)) ?? JobCounters(), rootCause: nil)
        if let latest = checkpoints?["latest"] {
            status.lastCheckpoint = checkpoint(latest["completed"])
            status.lastSavepoint = checkpoint(latest["savepoint"])
        }
        if state == "FAILED", let exceptions {
            status.rootCause = rootCause(exceptions)
        }
        return status
    }

    /// Flink writes -1 for a time that has not come.
    static func time(_ value: JSONValue?) -> Int? {
        guard let ms = value?.intValue, ms > 0 else { return nil }
        return ms
    }

    static func checkpoint(_ value: JSONValue?) -> Checkpoint? {
        guard let value, value.isObject, let id = value["id"]?.intValue else { return nil }
        let path = value["external_path"]?.stringValue
        // Flink writes "<checkpoint-not-externally-addressable>" where a checkpoint has no path.
        return Checkpoint(id: id, time: time(value["latest_ack_timestamp"]) ?? time(value["trigger_timestamp"]),
                          externalPath: path.flatMap { $0.hasPrefix("<") ? nil : $0 })
    }

    /// 1.12 has `root-exception` (the whole trace); 2.x only `exceptionHistory.entries`, newest
    /// first; 1.16–1.20 both. The reason is the innermost `Caused by:`, as for a failed submit.
    static func rootCause(_ exceptions: JSONValue) -> String? {
        var trace = exceptions["root-exception"]?.stringValue
        if trace == nil, let entry = exceptions["exceptionHistory"]?["entries"]?[0] {
            trace = entry["stacktrace"]?.stringValue ?? entry["exceptionName"]?.stringValue
        }
        guard let trace, !trace.trimmingWhitespace.isEmpty else { return nil }
        return FlinkErrorText.reason(from: [trace])
    }

    // MARK: Printing

    /// The document `status` prints (and `wait`, and `submit --wait` under "status").
    public var fields: [(String, JSONValue)] {
        func time(_ ms: Int?) -> JSONValue { Timestamp.json(epochMilliseconds: ms) }
        func checkpoint(_ c: Checkpoint?) -> JSONValue {
            guard let c else { return .null }
            return .object([("id", .number(c.id)), ("time", time(c.time)), ("externalPath", c.externalPath.map { .string($0) } ?? .null)])
        }
        var fields: [(String, JSONValue)] = [
            ("jobId", .string(jobID)),
            ("name", .string(name)),
            ("state", .string(state)),
            ("running", .bool(isRunning)),
            ("startTime", time(startTime)),
            ("endTime", time(endTime)),
            ("durationMs", durationMilliseconds.map { .number($0) } ?? .null),
            ("vertices", .array(vertices.map { vertex in
                .object([("name", .string(vertex.name)), ("parallelism", .number(vertex.parallelism)), ("state", .string(vertex.state)),
                         ("tasks", .object(vertex.tasks.map { ($0.0, .number($0.1)) }))])
            })),
            ("lastCheckpoint", checkpoint(lastCheckpoint)),
            ("lastSavepoint", checkpoint(lastSavepoint)),
            ("counters", counters.json),
        ]
        if let rootCause { fields.append(("rootCause", .string(rootCause))) }
        return fields
    }

    /// One line for people while waiting: state, tasks, rows.
    public var progressLine: String {
        var line = "job \(jobID) \(state)"
        if !vertices.isEmpty, !hasEnded { line += ", \(subtaskCounts.running)/\(subtaskCounts.all) tasks running" }
        if let read = counters.integer("numRead") { line += ", \(read) rows read" }
        if let written = counters.integer("numWrite") { line += ", \(written) written" }
        return line
    }
}

/// Chunjun's own counters, from the job's user accumulators: the well-known ones (Chunjun
/// 1.12.8's `Metrics` names) first under their stable keys, then any other accumulator under
/// its own name. Values are numbers where Flink's text is one.
public struct JobCounters: Sendable, Equatable {
    public static let wellKnown = ["numRead", "numWrite", "nErrors", "byteRead", "byteWrite",
                                   "conversionErrors", "nullErrors", "duplicateErrors", "otherErrors"]

    public private(set) var entries: [(String, JSONValue)] = []

    public init() {}

    /// `GET /jobs/:id/accumulators` → `user-task-accumulators: [{name, type, value}]`, values as text.
    public init(accumulators: JSONValue) {
        guard case .array(let items)? = accumulators["user-task-accumulators"] else { return }
        var values: [String: JSONValue] = [:]
        for item in items {
            guard let name = item["name"]?.stringValue, let text = item["value"]?.stringValue else { continue }
            values[name] = Self.number(text) ?? .string(text)
        }
        entries = Self.wellKnown.compactMap { name in values[name].map { (name, $0) } }
            + values.keys.filter { !Self.wellKnown.contains($0) }.sorted().map { ($0, values[$0]!) }
    }

    public static func == (a: JobCounters, b: JobCounters) -> Bool { a.json == b.json }

    public var json: JSONValue { .object(entries) }

    public func integer(_ name: String) -> Int? { entries.first { $0.0 == name }?.1.intValue }

    /// A JSON number for Flink's text of one (a LongCounter's "123", a DoubleCounter's "1.5").
    static func number(_ text: String) -> JSONValue? {
        if let n = Int(text) { return .number(n) }
        // Kept as Flink wrote it when it is a JSON number; anything else stays text.
        guard case .number? = try? JSONParser.parse(text).value else { return nil }
        return .number(text)
    }
}
