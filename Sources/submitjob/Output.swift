import SubmitJobCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The output contract: one JSON document on stdout, messages for people on stderr, and
/// every text that leaves the process scrubbed of the job's secrets first.
enum Output {
    /// Set once the job is read, so later messages and errors are scrubbed of its secrets.
    nonisolated(unsafe) static var redactor = SecretRedactor()
    nonisolated(unsafe) static var verbose = false

    static func succeed(_ fields: [(String, JSONValue)]) -> Never {
        writeStdout(JSONValue.object([("ok", true)] + fields))
        exit(0)
    }

    static func fail(_ error: SubmitJobError, usage: String? = nil) -> Never {
        var errorFields: [(String, JSONValue)] = [
            ("code", .string(error.code.rawValue)),
            ("message", .string(error.message)),
            ("exitCode", .number(Int(error.code.exitStatus))),
        ]
        errorFields += error.context
        log(usage ?? "error: \(error.message)")
        // Flink's traces and a child's output: free text that may hold secrets no job told us of.
        if verbose, let detail = error.detail { log(SecretRedactor.maskingAssignments(in: detail)) }
        writeStdout(.object([("ok", false), ("error", .object(errorFields))] + error.fields))
        exit(error.code.exitStatus)
    }

    static func log(_ message: String) {
        let line = redactor.scrub(message) + (message.hasSuffix("\n") ? "" : "\n")
        write(STDERR_FILENO, "submitjob: " + line)
    }

    private static func writeStdout(_ value: JSONValue) {
        // Scrub values, not the serialised text: a short secret must not be able to break the JSON.
        write(STDOUT_FILENO, scrubbed(value).prettyPrinted() + "\n")
    }

    /// Straight to the descriptor: no stdio buffer to lose at exit, no shared FILE state.
    private static func write(_ fd: Int32, _ text: String) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { systemWrite(fd, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue } else { return } }
            bytes = bytes.dropFirst(n)
        }
    }

    private static func scrubbed(_ value: JSONValue) -> JSONValue {
        switch value {
        case .string(let s): .string(redactor.scrub(s))
        case .array(let items): .array(items.map(scrubbed))
        case .object(let members): .object(members.map { ($0.0, scrubbed($0.1)) })
        default: value
        }
    }
}

private func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int { write(fd, buffer, count) }
