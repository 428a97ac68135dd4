/// Line and column (1-based, columns counted in characters) of a byte offset in UTF-8 text:
/// how the job's JSON and SQL errors point at the problem.
struct TextPosition: CustomStringConvertible {
    var line = 1
    var column = 1

    init(of offset: Int, in bytes: [UInt8]) {
        for b in bytes[..<min(offset, bytes.count)] {
            if b == 0x0A { line += 1; column = 1 } else if b & 0xC0 != 0x80 { column += 1 }
        }
    }

    var description: String { "line \(line), column \(column)" }
}
