import Foundation
import Testing
@testable import SubmitJobCore

/// Every real Chunjun job file plans against a dist with all the 1.12.8 folders, or fails
/// with the code that says why (a connector 1.12.8 does not ship → 66).
@Suite struct CorpusTests {
    /// Connectors the examples use that Chunjun 1.12.8 does not ship.
    static let unshipped: Set<String> = ["phoenix5", "kingbase", "elasticsearch5", "gBase"]

    static var files: [URL] {
        let enumerator = FileManager.default.enumerator(at: TestPaths.corpus, includingPropertiesForKeys: nil)
        let all = (enumerator?.allObjects as? [URL]) ?? []
        return all.filter { ["json", "sql"].contains($0.pathExtension) }.sorted { $0.path < $1.path }
    }

    @Test func theCorpusIsThere() {
        #expect(Self.files.count == 213, "expected the 213 job files of ../shared/chunjun-examples")
    }

    @Test func everyFilePlansOrFailsForTheRightReason() throws {
        var planned = 0, missing: [String] = [], missingFolders: Set<String> = []
        for file in Self.files {
            let text = try String(contentsOf: file, encoding: .utf8)
            let name = file.path.replacingOccurrences(of: TestPaths.corpus.path + "/", with: "")
            do {
                let job = try ChunjunJob(text: text)
                #expect(job.type == (file.pathExtension == "json" ? .sync : .sql), "\(name)")
                let plan = try PlanBuilder.build(job: job, dist: Fixtures.releaseDist(), options: SubmissionOptions())
                #expect(plan.programArgs[1] == JavaURLEncoder.encode(text), "\(name)")
                #expect(!plan.classpaths.isEmpty || job.type == .sql, "\(name)")
                planned += 1
            } catch {
                let folder = (error.context.first { $0.0 == "path" }?.1.stringValue ?? "").split(separator: "/").last.map(String.init) ?? ""
                #expect(error.code == .missingPlugin && Self.unshipped.contains(folder), "\(name): \(error.code) \(error.message) [\(folder)]")
                missing.append(name)
                missingFolders.insert(folder)
            }
        }
        #expect(planned + missing.count == Self.files.count)
        #expect(missingFolders == Self.unshipped)
        #expect(planned >= 190, "only \(planned) files planned; missing: \(missing)")
        print("corpus: \(planned) planned, \(missing.count) need a connector 1.12.8 does not ship")
    }

    /// Every file plans (the connectors 1.12.8 lacks are added to the dist) and is printed by
    /// the renderer with its own secrets: every structured value as the plan built it, every
    /// secret masked where the independent walk below finds one and nothing else changed, no
    /// distinctive secret anywhere in the text, and no secret in free text that echoes the job.
    @Test func everyFilePrintsWithItsPathsIntactAndNoSecret() throws {
        var dist = Fixtures.releaseDist()
        for folder in Self.unshipped {
            dist.folders.insert("connector/\(folder)")
            dist.files["connector/\(folder)"] = ["chunjun-connector-\(folder).jar"]
        }
        let endpoint = try FlinkEndpoint.resolve(.init(flag: "http://jm:8081"))
        var printedFiles = 0, secretCount = 0, distinctiveCount = 0
        for file in Self.files {
            let text = try String(contentsOf: file, encoding: .utf8)
            let name = file.path.replacingOccurrences(of: TestPaths.corpus.path + "/", with: "")
            let job = try ChunjunJob(text: text)
            var options = SubmissionOptions()
            options.jobID = "0123456789abcdef0123456789abcdef"
            let plan = try PlanBuilder.build(job: job, dist: dist, options: options)
            let fields = PlanReport.fields(plan: plan, version: FlinkVersion("1.20.3")!, versionFrom: "--flink-version", mode: .classpaths, endpoint: endpoint, jar: .init(name: "chunjun-core-0123456789abcdef.jar", present: false, id: nil))
            let document = PrintedDocument(redactor: plan.redactor)
            let printed = document.success(fields)
            let json = try JSONParser.parse(printed).value

            // Structured values: as PlanBuilder made them, and independently, real paths of the dist.
            for (key, value) in fields where key != "warnings" {
                #expect(json[key] == value, "\(name): \(key)")
            }
            #expect(json["coreJar"] == .string("\(dist.root)/chunjun-core.jar"), "\(name)")
            #expect(json["flinkVersion"] == "1.20.3" && json["flink"] == "http://jm:8081", "\(name)")
            guard case .array(let plugins)? = json["plugins"], case .array(let classpaths)? = json["classpaths"] else { Issue.record("\(name): no plugins"); continue }
            #expect(plugins.count == classpaths.count && (!plugins.isEmpty || job.type == .sql), "\(name)")
            for (plugin, classpath) in zip(plugins, classpaths) {
                let path = plugin.stringValue ?? ""
                let relative = path.dropFirst(dist.root.count + 1)
                let folder = relative.split(separator: "/").dropLast().joined(separator: "/")
                #expect(path.hasPrefix(dist.root + "/") && dist.files[folder]?.contains(String(relative.split(separator: "/").last ?? "")) == true, "\(name): \(path)")
                #expect(classpath.stringValue == "file://" + path, "\(name): \(classpath)")
            }

            // The job as printed: masked exactly where the independent walk finds secrets.
            guard case .array(let arguments)? = json["programArgs"], let encodedJob = arguments[1].stringValue else { Issue.record("\(name): no -job"); continue }
            #expect(json["flinkRequest"]?["programArgsList"] == json["programArgs"], "\(name)")
            let shown = IndependentSecrets.urlDecoded(encodedJob)
            var truth = IndependentSecrets()
            if job.type == .sync {
                let cleaned = truth.compare(try JSONParser.parse(text).value, try JSONParser.parse(shown).value, key: nil, path: "")
                truth.cleaned = cleaned.serialized()
            } else {
                truth.compareSQL(text, shown)
            }
            #expect(truth.problems.isEmpty, "\(name): \(truth.problems)")
            secretCount += truth.values.count

            // A secret that nothing else in the job or the plan holds must not be printed at all.
            let elsewhere = truth.cleaned + JSONValue.object(fields.filter { $0.0 != "programArgs" && $0.0 != "flinkRequest" }).serialized()
                + arguments.dropFirst(2).compactMap(\.stringValue).joined(separator: " ")
            for value in Set(truth.values) where value.count >= 3 && !elsewhere.contains(value) && !IndependentSecrets.isMask(value) {
                distinctiveCount += 1
                #expect(!printed.contains(value) && !printed.contains(JavaURLEncoder.encode(value)), "\(name): \(value) printed")
            }

            // Free text that echoes the job (as Flink's error does): no secret in any quoted form.
            let echo = "cannot run the job \(plan.programArgs.joined(separator: " ")) values \(truth.values.joined(separator: ", ")) decoded \(text)"
            let error = SubmitJobError(.flinkRejected, "Flink rejected the job: \(echo.replacingOccurrences(of: "\n", with: " "))", detail: echo)
            let free = document.failure(error) + document.failureLog(error, verbose: true)
            for value in Set(truth.values) where !IndependentSecrets.isMask(value) {
                #expect(IndependentSecrets.leaks(value, in: free).isEmpty, "\(name): \(value) in free text as \(IndependentSecrets.leaks(value, in: free))")
            }
            printedFiles += 1
        }
        #expect(printedFiles == 213)
        #expect(secretCount >= 180 && distinctiveCount >= 60, "\(secretCount) secrets, \(distinctiveCount) distinctive")
        print("corpus: \(printedFiles) printed, \(secretCount) secret values masked, \(distinctiveCount) distinctive ones absent")
    }
}

/// Which values of a job are secret, by a walk written apart from JobSecrets (regular
/// expressions over decoded values, not byte scanning), as the truth the printed job is held to.
struct IndependentSecrets {
    static let markers = ["password", "passwd", "pwd", "passphrase", "secret", "token", "accesskey", "assesskey", "credential", "privatekey", "apikey", "jaasconfig"]
    static let headerWords = ["cookie", "auth", "token", "secret", "key", "session"]
    static let userinfo = try! NSRegularExpression(pattern: #"://[^/?#\s@:]*:([^/?#\s@]+)@"#)
    static let parameter = try! NSRegularExpression(pattern: #"[?&;]([^=&;#?\s]+)=([^&;#\s"']+)"#)
    static let oracle = try! NSRegularExpression(pattern: #"^jdbc:oracle:(?:thin|oci):[^@/]*/([^@]+)@"#, options: .caseInsensitive)
    static let sqlOption = try! NSRegularExpression(pattern: #"'((?:[^']|'')*)'\s*=\s*'((?:[^']|'')*)'"#)

    var problems: [String] = []
    var values: [String] = []
    /// The job with every secret removed: what may legitimately still hold a secret's text.
    var cleaned = ""

    static func normalised(_ key: String) -> String {
        String(key.lowercased().unicodeScalars.filter { $0.isASCII && CharacterSet.alphanumerics.contains($0) })
    }

    static func isSecretKey(_ key: String) -> Bool {
        let n = normalised(key)
        let stem = n.replacingOccurrences(of: "[0-9]+$", with: "", options: .regularExpression)
        return markers.contains { n.contains($0) } || (stem.hasSuffix("pass") && !["bypass", "compass", "encompass", "overpass", "underpass", "surpass", "trespass"].contains { stem.hasSuffix($0) })
    }

    static func isCredentialHeader(_ name: String) -> Bool {
        isSecretKey(name) || headerWords.contains { normalised(name).contains($0) }
    }

    static func isMask(_ value: String) -> Bool { value.allSatisfy { $0 == "*" } }

    static func urlDecoded(_ text: String) -> String {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? text
    }

    /// The credential substrings of a URL-like value, by regular expression.
    static func urlCredentials(_ value: String) -> [NSRange] {
        let lower = value.lowercased()
        guard lower.contains("://") || lower.hasPrefix("jdbc:") else { return [] }
        let whole = NSRange(value.startIndex..., in: value)
        var ranges = userinfo.matches(in: value, range: whole).map { $0.range(at: 1) }
        ranges += oracle.matches(in: value, range: whole).map { $0.range(at: 1) }
        let ns = value as NSString
        ranges += parameter.matches(in: value, range: whole).filter { isSecretKey(ns.substring(with: $0.range(at: 1))) }.map { $0.range(at: 2) }
        return ranges
    }

    static func maskingURL(_ value: String, _ ranges: [NSRange]) -> String {
        let masked = NSMutableString(string: value)
        for range in ranges.sorted(by: { $0.location > $1.location }) { masked.replaceCharacters(in: range, with: "******") }
        return masked as String
    }

    static func isEmpty(_ value: JSONValue) -> Bool {
        switch value {
        case .null, .bool: true
        case .string(let s): s.isEmpty
        default: false
        }
    }

    static func leaves(_ value: JSONValue) -> [String] {
        switch value {
        case .string(let s), .number(let s): [s]
        case .array(let items): items.flatMap(leaves)
        case .object(let members): members.flatMap { leaves($0.1) }
        case .null, .bool: []
        }
    }

    /// Walks the original job and the printed one side by side.
    @discardableResult
    mutating func compare(_ original: JSONValue, _ shown: JSONValue, key: String?, path: String, masked: Bool = false, headerObject: Bool = false) -> JSONValue {
        if (masked || key.map(Self.isSecretKey) == true), !Self.isEmpty(original) {
            if shown != "******" { problems.append("\(path) is not masked") }
            values += Self.leaves(original)
            return ""
        }
        let headers = key.map { Self.normalised($0).contains("header") } ?? false
        switch (original, shown) {
        case (.object(let members), .object(let shownMembers)):
            guard members.map(\.0) == shownMembers.map(\.0) else { problems.append("\(path): keys differ"); return original }
            var maskedKeys: Set<String> = []
            if headerObject || headers {
                let names = Dictionary(members, uniquingKeysWith: { $1 })
                if let name = (names["key"] ?? names["name"])?.stringValue, names["value"] != nil {
                    if Self.isCredentialHeader(name) { maskedKeys = ["value"] }
                } else {
                    maskedKeys = Set(members.map(\.0).filter(Self.isCredentialHeader))
                }
            }
            return .object(zip(members, shownMembers).map { member, shownMember in
                (member.0, compare(member.1, shownMember.1, key: member.0, path: "\(path).\(member.0)", masked: maskedKeys.contains(member.0)))
            })
        case (.array(let items), .array(let shownItems)):
            guard items.count == shownItems.count else { problems.append("\(path): lengths differ"); return original }
            return .array(zip(items, shownItems).enumerated().map { compare($1.0, $1.1, key: nil, path: "\(path)[\($0)]", headerObject: headers) })
        case (.string(let s), _):
            let credentials = Self.urlCredentials(s)
            guard !credentials.isEmpty else {
                if shown != original { problems.append("\(path) changed") }
                return original
            }
            values += credentials.map { (s as NSString).substring(with: $0) }
            // Masked alone, or whole where the source had escapes.
            if shown != .string(Self.maskingURL(s, credentials)) && shown != "******" { problems.append("\(path): \(shown) is not the URL masked") }
            return .string(Self.maskingURL(s, credentials))
        default:
            if shown != original { problems.append("\(path) changed") }
            return original
        }
    }

    mutating func compareSQL(_ text: String, _ shown: String) {
        func options(_ text: String) -> [(key: String, value: String, range: NSRange)] {
            let ns = text as NSString
            return Self.sqlOption.matches(in: text, range: NSRange(location: 0, length: ns.length)).map {
                (ns.substring(with: $0.range(at: 1)), ns.substring(with: $0.range(at: 2)).replacingOccurrences(of: "''", with: "'"), $0.range(at: 2))
            }
        }
        let original = options(text), printed = options(shown)
        guard original.map(\.key) == printed.map(\.key) else { problems.append("options differ"); return }
        let cleanedText = NSMutableString(string: text)
        for (option, printedOption) in zip(original, printed).reversed() {
            var secret = false
            if Self.isSecretKey(option.key) {
                secret = !option.value.isEmpty
                if secret {
                    values.append(option.value)
                    if printedOption.value != "******" { problems.append("'\(option.key)' is not masked") }
                }
            } else if option.value.trimmingCharacters(in: .whitespaces).first.map({ "{[".contains($0) }) == true,
                let value = try? JSONParser.parse(option.value).value {
                let before = values.count
                if printedOption.value == "******" {
                    // The whole option, when '' made positions unusable: something in it must be secret.
                    var probe = IndependentSecrets()
                    probe.compare(value, value, key: option.key, path: option.key)
                    values += probe.values
                    if probe.values.isEmpty { problems.append("'\(option.key)' masked without a secret") }
                } else if let shownValue = try? JSONParser.parse(printedOption.value).value {
                    compare(value, shownValue, key: option.key, path: "'\(option.key)'")
                } else {
                    problems.append("'\(option.key)' no longer JSON")
                }
                secret = values.count > before
            } else {
                let credentials = Self.urlCredentials(option.value)
                if credentials.isEmpty {
                    if printedOption.value != option.value { problems.append("'\(option.key)' changed") }
                } else {
                    secret = true
                    values += credentials.map { (option.value as NSString).substring(with: $0) }
                    if printedOption.value != Self.maskingURL(option.value, credentials) && printedOption.value != "******" { problems.append("'\(option.key)' URL not masked") }
                }
            }
            if secret { cleanedText.replaceCharacters(in: option.range, with: "") }
        }
        cleaned = cleanedText as String
    }

    /// A secret in the forms an echo of the job would hold it; long ones anywhere at all.
    static func leaks(_ value: String, in text: String) -> [String] {
        if value.count >= 6 { return [value, JavaURLEncoder.encode(value)].filter(text.contains) }
        let forms = ["\"\(value)\"", "\\\"\(value)\\\"", "%22\(value)%22", "'\(value)'", "%27\(value)%27", "=\(value),", "=\(value)&", "=\(value);", ":\(value)@", ", \(value), "]
        return forms.filter(text.contains)
    }
}
