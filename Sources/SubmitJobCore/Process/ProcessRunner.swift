/// Spawning a program, behind one method so the CLI submitter is tested without processes.
public protocol ProcessRunner: Sendable {
    /// Runs the command to completion or to the deadline, when its whole process group is
    /// killed. Throws only when it cannot be started.
    func run(_ command: ProcessCommand, deadline: ContinuousClock.Instant) async throws(SubmitJobError) -> ProcessOutcome
}

public struct ProcessCommand: Sendable, Equatable {
    public var executable: String
    public var arguments: [String]
    /// Set (or, with nil, removed) on top of the inherited environment.
    public var environment: [String: String?]
    /// Bytes kept of each output stream: the first half and the last half of this.
    public var outputLimit: Int

    public init(executable: String, arguments: [String], environment: [String: String?] = [:], outputLimit: Int = 1 << 20) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.outputLimit = outputLimit
    }
}

public struct ProcessOutcome: Sendable, Equatable {
    public enum Termination: Sendable, Equatable {
        case exited(Int32)
        case signaled(Int32)
        /// The deadline passed and the process group was killed.
        case timedOut
    }

    public var termination: Termination
    public var standardOutput: String
    public var standardError: String

    public init(termination: Termination, standardOutput: String = "", standardError: String = "") {
        self.termination = termination
        self.standardOutput = standardOutput
        self.standardError = standardError
    }
}

/// Keeps the head and the tail of a stream within a fixed number of bytes: a chatty child
/// cannot grow submitjob's memory, and both the first lines (Flink's exception header) and
/// the last ones (the job id) survive.
public struct BoundedCapture: Sendable {
    public let limit: Int
    private(set) var head: [UInt8] = []
    private var tail: [UInt8] = []
    private var tailStart = 0
    public private(set) var dropped = 0

    public init(limit: Int) {
        self.limit = max(limit, 2)
    }

    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        var rest = bytes[...]
        let headRoom = limit / 2 - head.count
        if headRoom > 0 {
            head += rest.prefix(headRoom)
            rest = rest.dropFirst(headRoom)
        }
        let tailLimit = limit - limit / 2
        for byte in rest {
            if tail.count < tailLimit {
                tail.append(byte)
            } else {
                tail[tailStart] = byte
                tailStart = (tailStart + 1) % tailLimit
                dropped += 1
            }
        }
    }

    public var text: String {
        let ordered = Array(tail[tailStart...] + tail[..<tailStart])
        let marker = dropped > 0 ? Array("\n[... \(dropped) bytes not kept ...]\n".utf8) : []
        return String(decoding: head + marker + ordered, as: UTF8.self)
    }
}
