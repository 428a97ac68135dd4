// Both Flink configuration dialects on the same text, and the endpoint each one makes:
// flink-conf.yaml against a model of Flink's own loop (GlobalConfiguration.loadYAMLResource),
// config.yaml for no crash and no hang, and every endpoint a URL of the form promised.
import SubmitJobCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    // Flink reads the file through a UTF-8 reader, which replaces what is not UTF-8; so does this.
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)

    let legacy = FlinkConfiguration.parseLegacy(text, file: "flink-conf.yaml")
    let expected = flinkLoadYAMLResource(text)
    check(legacy.entries.count == expected.count, "flink-conf.yaml: \(legacy.entries.count) keys, Flink reads \(expected.count)")
    for (key, entry) in expected {
        guard let ours = legacy.entries[key] else { trap("flink-conf.yaml: key \(key.debugDescription) missing") }
        check(Array(ours.value.unicodeScalars) == Array(entry.value.unicodeScalars) && ours.line == entry.line,
              "flink-conf.yaml: \(key.debugDescription) = \(ours.value.debugDescription) line \(ours.line); Flink: \(entry.value.debugDescription) line \(entry.line)")
    }
    checkEndpoint(legacy)

    let lines = text.utf8.count(where: { $0 == 0x0A || $0 == 0x0D }) + 1
    do {
        let standard = try FlinkConfiguration.parseStandard(text, file: "config.yaml")
        for (key, entry) in standard.entries {
            check(entry.line >= 0 && entry.line <= lines, "config.yaml: \(key.debugDescription) on line \(entry.line) of \(lines)")
        }
        checkEndpoint(standard)
    } catch {
        check(error.code == .configuration, "config.yaml: \(error.code) \(error.message)")
    }
    return 0
}

/// Flink 1.x's loop, on UTF-16 code units as Java's chars are: lines end at \n, \r or \r\n
/// (BufferedReader.readLine); drop from the first '#'; String.trim (every char up to U+0020);
/// split at the first ": " (String.split(": ", 2)); skip an empty key or value; later lines win.
func flinkLoadYAMLResource(_ text: String) -> [String: (value: String, line: Int)] {
    let chars = Array(text.utf16)
    func trim(_ s: ArraySlice<UInt16>) -> ArraySlice<UInt16> {
        guard let first = s.firstIndex(where: { $0 > 0x20 }), let last = s.lastIndex(where: { $0 > 0x20 }) else { return [] }
        return s[first...last]
    }
    func string(_ s: ArraySlice<UInt16>) -> String { String(decoding: s, as: UTF16.self) }
    var result: [String: (value: String, line: Int)] = [:]
    var lineNumber = 0
    var start = 0
    while start < chars.count {
        var end = start
        while end < chars.count, chars[end] != 0x0A, chars[end] != 0x0D { end += 1 }
        let line = chars[start..<end]
        start = end + (end + 1 < chars.count && chars[end] == 0x0D && chars[end + 1] == 0x0A ? 2 : 1)
        lineNumber += 1
        let conf = trim(line[..<(line.firstIndex(of: 0x23) ?? line.endIndex)])
        if conf.isEmpty { continue }
        guard let colon = conf.indices.first(where: { conf[$0] == 0x3A && $0 + 1 < conf.endIndex && conf[$0 + 1] == 0x20 }) else { continue }
        let key = trim(conf[..<colon]), value = trim(conf[(colon + 2)...])
        if key.isEmpty || value.isEmpty { continue }
        result[string(key)] = (string(value), lineNumber)
    }
    return result
}

/// What a configuration alone makes: a URL submitjob can use, or a configuration error (78).
func checkEndpoint(_ configuration: FlinkConfiguration) {
    let endpoint: FlinkEndpoint
    do {
        endpoint = try FlinkEndpoint.resolve(.init(configuration: configuration))
    } catch {
        check(error.code == .configuration, "endpoint: \(error.code) \(error.message)")
        return
    }
    switch endpoint.target {
    case .remote:
        check(isRESTURL(endpoint.url), "endpoint: not a REST URL: \(endpoint.url.debugDescription)")
    case .kubernetesSession(let clusterID, let namespace):
        check(isDNSLabel(clusterID) && isDNSLabel(namespace), "endpoint: Kubernetes names \(clusterID.debugDescription) \(namespace.debugDescription)")
        check(endpoint.url.hasSuffix("://\(clusterID)-rest.\(namespace).svc:8081"), "endpoint: \(endpoint.url)")
    }
}

/// `http[s]://host:port[/path]`: host a name or a bracketed IPv6 address, port 1-65535 in its
/// plain form, path segments non-empty, of URL path characters, '%' only before two hex digits.
func isRESTURL(_ url: String) -> Bool {
    let s = Array(url.unicodeScalars)
    let rest: ArraySlice<Unicode.Scalar>
    if s.starts(with: "http://".unicodeScalars) { rest = s.dropFirst(7) } else if s.starts(with: "https://".unicodeScalars) { rest = s.dropFirst(8) } else { return false }
    let authority = rest.prefix { $0 != "/" }
    let path = rest.dropFirst(authority.count)
    guard let colon = authority.lastIndex(of: ":") else { return false }
    let host = authority[..<colon]
    let port = authority[(colon + 1)...]
    guard let p = Int(String(String.UnicodeScalarView(port))), (1...65535).contains(p), String(p) == String(String.UnicodeScalarView(port)) else { return false }
    if host.first == "[" {
        guard host.last == "]", host.count > 2 else { return false }
        let inside = host.dropFirst().dropLast()
        guard inside.count(where: { $0 == ":" }) >= 2, inside.allSatisfy({ $0 == ":" || $0 == "." || ($0.isASCII && Character($0).isHexDigit) }) else { return false }
    } else {
        guard !host.isEmpty, host.allSatisfy({ $0.properties.isAlphabetic || ("0"..."9").contains($0) || "-._".unicodeScalars.contains($0) }) else { return false }
    }
    if path.isEmpty { return true }
    let segments = path.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
    guard path.first == "/", segments.allSatisfy({ !$0.isEmpty }) else { return false }
    let pathChars = "-._~!$&'()*+,;=:@%".unicodeScalars
    for segment in segments {
        guard segment.allSatisfy({ ($0.isASCII && $0.properties.isAlphabetic) || ("0"..."9").contains($0) || pathChars.contains($0) }) else { return false }
        var i = segment.startIndex
        while i < segment.endIndex {
            if segment[i] == "%" {
                let hex = segment[(i + 1)...].prefix(2)
                guard hex.count == 2, hex.allSatisfy({ $0.isASCII && Character($0).isHexDigit }) else { return false }
                i += 3
            } else {
                i += 1
            }
        }
    }
    return true
}

func isDNSLabel(_ s: String) -> Bool {
    let b = Array(s.utf8)
    return (1...63).contains(b.count) && b.first != UInt8(ascii: "-") && b.last != UInt8(ascii: "-")
        && b.allSatisfy { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: "-") }
}

func check(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() { trap(message()) }
}

func trap(_ message: String) -> Never {
    fatalError("FuzzFlinkConfig finding: \(message)")
}
