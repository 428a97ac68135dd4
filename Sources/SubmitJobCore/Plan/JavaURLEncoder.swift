/// `java.net.URLEncoder.encode(s, "UTF-8")`, byte for byte: Chunjun's Main decodes `-job` and
/// `-confProp` with `URLDecoder`, so any other encoding corrupts passwords holding `+`, `%` or `&`.
public enum JavaURLEncoder {
    private static let hex = Array("0123456789ABCDEF".utf8)

    public static func encode(_ s: String) -> String {
        percentEncoded(s, spaceAsPlus: true) { b in
            isAlphanumeric(b) || b == UInt8(ascii: ".") || b == UInt8(ascii: "-") || b == UInt8(ascii: "*") || b == UInt8(ascii: "_")
        }
    }

    static func isAlphanumeric(_ b: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(b) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(b)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b)
    }

    /// UTF-8 bytes that `keeps` are copied, every other byte becomes `%XX` (upper-case hex).
    static func percentEncoded(_ s: String, spaceAsPlus: Bool = false, keeps: (UInt8) -> Bool) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count * 3)
        for b in s.utf8 {
            if keeps(b) {
                out.append(b)
            } else if spaceAsPlus, b == UInt8(ascii: " ") {
                out.append(UInt8(ascii: "+"))
            } else {
                // Three appends, not `+= [...]`: an array per byte made a 10 MB job cost seconds.
                out.append(UInt8(ascii: "%"))
                out.append(hex[Int(b >> 4)])
                out.append(hex[Int(b & 0x0F)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
