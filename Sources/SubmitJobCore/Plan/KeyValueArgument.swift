/// A `--conf` or `--param` value, `KEY=VALUE`, split at the first '=' byte. The key is never
/// empty; the value may be empty or hold '=' itself. Split on UTF-8 rather than on Characters:
/// an '=' followed by a combining mark is one Character, and the split would miss it.
public struct KeyValueArgument: Sendable, Equatable {
    public var key: String
    public var value: String

    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }

    public init?(_ argument: String) {
        let utf8 = argument.utf8
        guard let equals = utf8.firstIndex(of: UInt8(ascii: "=")), equals != utf8.startIndex else { return nil }
        // '=' is ASCII, so both sides are whole scalars and the split keeps every byte.
        key = String(argument[..<equals])
        value = String(argument[utf8.index(after: equals)...])
    }
}
