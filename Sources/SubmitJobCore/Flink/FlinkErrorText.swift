/// Flink answers a failed run with `{"errors": ["<stack trace>", ...]}`; the reason a person
/// needs is the innermost `Caused by:` line.
public enum FlinkErrorText {
    public static func errors(in body: [UInt8]) -> [String] {
        guard let parsed = try? JSONParser.parse(String(decoding: body, as: UTF8.self)).value,
            case .array(let items)? = parsed["errors"]
        else { return [] }
        return items.compactMap(\.stringValue)
    }

    /// The innermost cause of the whole text, else its most telling first line; secret-looking
    /// assignments in it masked (the text may echo a connector's URL or properties).
    public static func reason(from errors: [String]) -> String {
        SecretRedactor.maskingAssignments(in: unmaskedReason(from: errors))
    }

    static func unmaskedReason(from errors: [String]) -> String {
        let lines = errors.joined(separator: "\n").split(whereSeparator: { $0 == "\n" || $0 == "\r" }).map { $0.trimmingWhitespace }
        if let cause = lines.last(where: { $0.hasPrefix("Caused by:") }) {
            return unwrapped(String(cause.dropFirst("Caused by:".count)).trimmingWhitespace)
        }
        // Flink puts "Internal server error." first and the trace second.
        let telling = lines.filter { !$0.isEmpty && $0 != "Internal server error." && !$0.hasPrefix("<Exception on server side:") && !$0.hasPrefix("at ") }
        return unwrapped(telling.first ?? lines.first ?? "no reason given")
    }

    /// Drops wrappers that say nothing ("java.util.concurrent.CompletionException: ...").
    static func unwrapped(_ line: String) -> String {
        var line = line
        for wrapper in ["java.util.concurrent.CompletionException: ", "java.util.concurrent.ExecutionException: "] where line.hasPrefix(wrapper) {
            line = String(line.dropFirst(wrapper.count))
        }
        return line
    }

    public static func contains(_ errors: [String], _ needle: String) -> Bool {
        errors.contains { $0.contains(needle) }
    }
}
