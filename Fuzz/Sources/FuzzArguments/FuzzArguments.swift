// --conf and --param values: split as the executable splits them (KeyValueArgument), put into
// Chunjun's arguments as the plan puts them, then read back as Chunjun's Main reads them
// (URLDecoder, then JSON for -confProp; ',' then the first '=' for -p). Every key and value must
// come back byte for byte.
import SubmitJobCore

/// A sync job and a dist that resolve, so every accepted option set makes a plan.
enum Fixture {
    static let job = try! ChunjunJob(text: #"{"job": {"content": [{"reader": {"name": "streamreader", "parameter": {}}, "writer": {"name": "streamwriter", "parameter": {}}}]}}"#)
    static let dist = ChunjunDist(root: "/dist", paths: [
        "chunjun-core.jar", "connector/stream/chunjun-connector-stream.jar",
        "metrics/prometheus/chunjun-metrics-prometheus.jar", "dirty-data-collector/log/chunjun-dirty-log.jar",
    ])
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    // One argument per NUL-separated piece: argv cannot hold a NUL. Swift repairs an argument
    // that is not UTF-8 as it reads argv; so does this.
    let arguments = UnsafeBufferPointer(start: data, count: size)
        .split(separator: 0, omittingEmptySubsequences: false)
        .map { String(decoding: $0, as: UTF8.self) }

    var pairs: [(String, String)] = []
    for argument in arguments {
        let bytes = Array(argument.utf8)
        guard let pair = KeyValueArgument(argument) else {
            check(bytes.first == UInt8(ascii: "=") || !bytes.contains(UInt8(ascii: "=")), "refused \(argument.debugDescription)")
            continue
        }
        let key = Array(pair.key.utf8), value = Array(pair.value.utf8)
        check(!key.isEmpty && !key.contains(UInt8(ascii: "=")) && key + [UInt8(ascii: "=")] + value == bytes,
              "split \(argument.debugDescription) as \(pair.key.debugDescription) = \(pair.value.debugDescription)")
        pairs.append((pair.key, pair.value))
    }

    // -confProp as PlanBuilder writes it, straight from the pairs (duplicates and all).
    if !pairs.isEmpty {
        let encoded = JavaURLEncoder.encode(JSONValue.object(pairs.map { ($0.0, .string($0.1)) }).serialized())
        check(readConfProp(encoded).map(bytes) == pairs.map(bytes), "-confProp does not read back: \(encoded)")
    }

    // The same through the plan, which keeps the last of a repeated key. Chunjun splits -p at
    // ',' and each part at its first '=': the plan must refuse a ',' anywhere (an '=' cannot
    // be in a key: the split is at the first one), and a blank --conf key.
    let comma = UInt8(ascii: ",")
    let blankKey = pairs.contains { $0.0.allSatisfy(\.isWhitespace) }
    let commaInParam = pairs.contains { $0.0.utf8.contains(comma) || $0.1.utf8.contains(comma) }
    var options = SubmissionOptions()
    options.conf = pairs
    options.params = pairs
    do {
        let args = try PlanBuilder.build(job: Fixture.job, dist: Fixture.dist, options: options).programArgs
        check(!blankKey, "plan took a blank --conf key")
        let expected = lastWins(pairs)
        if let i = args.firstIndex(of: "-confProp") {
            check(readConfProp(args[i + 1]).map(bytes) == expected.map(bytes), "plan's -confProp does not read back: \(args[i + 1])")
        } else {
            check(expected.isEmpty, "no -confProp for \(expected.count) --conf")
        }
        check(!commaInParam, "plan took a ',' in a --param (Fuzz/Regressions/FuzzArguments/comma-before-combining-mark)")
        if let i = args.firstIndex(of: "-p") {
            let read: [[[UInt8]]] = args[i + 1].utf8.split(separator: comma, omittingEmptySubsequences: false).map { part in
                let part = Array(part)
                guard let equals = part.firstIndex(of: UInt8(ascii: "=")) else { return [part] }
                return [Array(part[..<equals]), Array(part[(equals + 1)...])]
            }
            check(read == expected.map(bytes), "-p does not read back: \(args[i + 1].debugDescription)")
        } else {
            check(expected.isEmpty, "no -p for \(expected.count) --param")
        }
    } catch {
        switch error.code {
        case .usage: check(blankKey || commaInParam, "plan: \(error.message)")
        case .missingPlugin: check(pairs.contains { $0.0 == "chunjun.dirty-data.output-type" }, "plan: \(error.message)")
        default: trap("plan: \(error.code) \(error.message)")
        }
    }
    return 0
}

/// Java's URLDecoder.decode(s, "UTF-8"), then the JSON object Chunjun's Main reads.
func readConfProp(_ encoded: String) -> [(String, String)] {
    var out: [UInt8] = []
    let b = Array(encoded.utf8)
    var i = 0
    while i < b.count {
        switch b[i] {
        case UInt8(ascii: "+"): out.append(0x20); i += 1
        case UInt8(ascii: "%"):
            guard i + 2 < b.count, let byte = UInt8(String(decoding: b[i + 1...i + 2], as: UTF8.self), radix: 16) else { trap("URLDecoder would throw at \(i): \(encoded)") }
            out.append(byte); i += 3
        default:
            // URLEncoder's output is ASCII; anything else would reach Chunjun as it stands.
            check(b[i] < 0x80, "non-ASCII byte in URL-encoded text")
            out.append(b[i]); i += 1
        }
    }
    guard let json = String(validating: out, as: UTF8.self) else { trap("URL-decoded -confProp is not UTF-8") }
    guard let parsed = try? JSONParser.parse(json), case .object(let members) = parsed.value else { trap("-confProp is not a JSON object: \(json.debugDescription)") }
    return members.map { key, value in
        guard case .string(let s) = value else { trap("-confProp value is not a string") }
        return (key, s)
    }
}

func lastWins(_ pairs: [(String, String)]) -> [(String, String)] {
    var result: [(String, String)] = []
    for (key, value) in pairs {
        if let i = result.firstIndex(where: { Array($0.0.utf8) == Array(key.utf8) }) { result[i].1 = value } else { result.append((key, value)) }
    }
    return result
}

func bytes(_ pair: (String, String)) -> [[UInt8]] { [Array(pair.0.utf8), Array(pair.1.utf8)] }

func check(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() { trap(message()) }
}

func trap(_ message: String) -> Never {
    fatalError("FuzzArguments finding: \(message)")
}
