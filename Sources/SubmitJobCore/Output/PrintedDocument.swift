/// What submitjob prints, as text: the one JSON document for stdout and the lines for stderr.
///
/// The document keeps free text apart from structured values.
/// - Structured values are what submitjob builds itself: job id, jar id and name, URLs, plugin
///   paths, classpaths, versions, endpoint settings, the job's name, states, times. They are
///   printed untouched: a password `1` must not turn `1.20.3` into `******.20.3`. Those that
///   embed the job (`programArgs`, `flinkRequest`, `command`) are built from the job with its
///   secrets masked by position (`SubmissionPlan.redactedProgramArgs`), never from the raw job.
/// - Free text can echo the job: Flink's errors, `flink run`'s output, traces. It is scrubbed:
///   secret-looking assignments masked (`password=…`), then every form of every secret the
///   redactor knows. Free text is every stderr line (messages, `--verbose` detail, progress) and,
///   in the document, the values under `freeTextKeys`.
public struct PrintedDocument: Sendable {
    /// The keys whose values are free text wherever they stand in the document (a string, or
    /// strings inside arrays and objects):
    /// - `message`: an error's one line (Flink's reason, `flink run`'s innermost cause, an answer
    ///   that is not Flink's);
    /// - `rootCause`: a failed job's innermost `Caused by:` (`status`, `wait`, `submit --wait`,
    ///   and their errors);
    /// - `warnings`: they may quote Flink (`flink run exited … after the job had been submitted:
    ///   <reason>`, `the job's exceptions could not be read: <error>`).
    /// Every other value is structured.
    public static let freeTextKeys: Set<String> = ["message", "rootCause", "warnings"]

    public var redactor: SecretRedactor

    public init(redactor: SecretRedactor) {
        self.redactor = redactor
    }

    /// stdout of a success.
    public func success(_ fields: [(String, JSONValue)]) -> String {
        rendered(.object([("ok", true)] + fields)).prettyPrinted() + "\n"
    }

    /// stdout of a failure: `error` (code, message, exit code, its context), then the fields
    /// of what happened before it.
    public func failure(_ error: SubmitJobError) -> String {
        let errorFields: [(String, JSONValue)] = [
            ("code", .string(error.code.rawValue)),
            ("message", .string(error.message)),
            ("exitCode", .number(Int(error.code.exitStatus))),
        ] + error.context
        return rendered(.object([("ok", false), ("error", .object(errorFields))] + error.fields)).prettyPrinted() + "\n"
    }

    /// stderr of a failure: the message (or ArgumentParser's usage text), and with `--verbose`
    /// the whole detail (Flink's trace, `flink run`'s output).
    public func failureLog(_ error: SubmitJobError, usage: String? = nil, verbose: Bool) -> String {
        var text = logLine(usage ?? "error: \(error.message)")
        if verbose, let detail = error.detail { text += logLine(detail) }
        return text
    }

    /// One message for people on stderr.
    public func logLine(_ message: String) -> String {
        let line = freeText(message)
        return "submitjob: " + line + (line.hasSuffix("\n") ? "" : "\n")
    }

    /// Assignments first: once a secret named `password` were masked, `password=x` would no
    /// longer be recognised.
    public func freeText(_ text: String) -> String {
        redactor.scrub(SecretRedactor.maskingAssignments(in: text, keys: redactor.keys))
    }

    /// Scrubs the free-text values, keeps the rest. Strings are scrubbed, never the serialised
    /// text: a mask can then never break the JSON.
    func rendered(_ value: JSONValue, free: Bool = false) -> JSONValue {
        switch value {
        case .string(let s): free ? .string(freeText(s)) : value
        case .array(let items): .array(items.map { rendered($0, free: free) })
        case .object(let members): .object(members.map { ($0.0, rendered($0.1, free: free || Self.freeTextKeys.contains($0.0))) })
        case .null, .bool, .number: value
        }
    }
}
