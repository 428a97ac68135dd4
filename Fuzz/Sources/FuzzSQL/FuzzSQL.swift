// The SQL reader (SQLScript, through ChunjunJob as submitjob reads a job), and the sync reader
// when the text is a JSON object: no crash, no hang, and what they report about the text is
// true of the text.
import SubmitJobCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    // submitjob refuses a job that is not UTF-8 before reading it (readJob).
    guard let text = String(validating: bytes, as: UTF8.self) else { return 0 }

    do {
        let job = try ChunjunJob(text: text, type: .sql)
        guard case .sql(let script) = job.content else { trap("a SQL job read as \(job.type)") }
        checkScript(script, bytes: bytes)
        check(job.text == text, "the job text is kept as read")
    } catch {
        check(error.code == .invalidJob, "SQL: \(error.code) \(error.message)")
    }

    // The type submitjob picks by itself: a sync job when the text starts with '{'.
    do {
        let job = try ChunjunJob(text: text)
        if case .sync = job.content {
            // plan prints the job with its secrets masked: it must still be JSON, with the same shape.
            guard let original = try? JSONParser.parse(text).value else { trap("a sync job that is not JSON") }
            guard let masked = try? JSONParser.parse(job.redactedText).value else {
                trap("the masked job is not JSON: \(job.redactedText.debugDescription)")
            }
            check(sameShape(original, masked), "masking changed the job's shape")
        }
    } catch {
        check(error.code == .invalidJob, "auto: \(error.code) \(error.message)")
    }
    return 0
}

func checkScript(_ script: SQLScript, bytes: [UInt8]) {
    // Statements end at ';' (the last one may not), and a statement has at least one token.
    let semicolons = bytes.count(where: { $0 == UInt8(ascii: ";") })
    check(script.statementCount >= 1 && script.statementCount <= semicolons + 1, "\(script.statementCount) statements, \(semicolons) ';'")
    check(script.insertCount >= 1 && script.insertCount <= script.statementCount, "\(script.insertCount) inserts of \(script.statementCount)")
    // Each option's value range is its quoted literal in the text, '' standing for '.
    for option in script.options + script.commentedOptions {
        let r = option.valueRange
        check(r.lowerBound >= 0 && r.upperBound <= bytes.count && r.count >= 2, "option range \(r) of \(bytes.count)")
        let literal = Array(bytes[r])
        check(literal.first == UInt8(ascii: "'") && literal.last == UInt8(ascii: "'"), "option range is not a literal")
        // Undone on bytes: a quote followed by a combining mark is one Character.
        var value: [UInt8] = []
        var i = 1
        while i < literal.count - 1 {
            value.append(literal[i])
            i += literal[i] == UInt8(ascii: "'") ? 2 : 1
        }
        check(Array(option.value.utf8) == value, "option value \(option.value.debugDescription) vs its literal")
    }
    for name in script.chunjunConnectors + script.chunjunFormats {
        check(!name.isEmpty, "empty plugin name")
    }
}

/// The same containers, keys and scalar kinds; masked strings differ only in content.
func sameShape(_ a: JSONValue, _ b: JSONValue) -> Bool {
    switch (a, b) {
    case (.array(let x), .array(let y)): x.count == y.count && zip(x, y).allSatisfy { sameShape($0, $1) }
    case (.object(let x), .object(let y)): x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && sameShape($0.1, $1.1) }
    // A secret key's whole value becomes the string "******", whatever it was.
    case (_, .string): true
    case (.array, _), (.object, _): false
    default: a == b
    }
}

func check(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() { trap(message()) }
}

func trap(_ message: String) -> Never {
    fatalError("FuzzSQL finding: \(message)")
}
