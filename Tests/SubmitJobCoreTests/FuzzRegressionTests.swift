import Testing
@testable import SubmitJobCore

/// What fuzzing (Fuzz/, scripts/fuzz.sh) found, kept as tests; the inputs are also replayed
/// from Fuzz/Regressions/<target>/.
@Suite struct FuzzRegressionTests {
    /// An '=' followed by a combining mark is one Character with it: a Character split missed it.
    @Test func keyValueSplitsAtTheFirstEqualsByte() {
        let pair = KeyValueArgument("k=\u{301}v=w")
        #expect(pair.map { Array($0.key.utf8) } == Array("k".utf8))
        #expect(pair.map { Array($0.value.utf8) } == Array("\u{301}v=w".utf8))
        #expect(KeyValueArgument("k=")?.value == "")
        #expect(KeyValueArgument("=v") == nil)
        #expect(KeyValueArgument("kv") == nil)
    }

    /// Flink's readLine ends a line at "\n", "\r" or "\r\n"; "\r\n" is one Character, so a
    /// Character split read a CRLF file as one line. Java's trim drops control characters too.
    @Test func legacyConfigurationLinesEndAsJavaEndsThem() {
        let configuration = FlinkConfiguration.parseLegacy("rest.address: jm\r\nrest.port: 9091\r\n# c\rrest.path: /p #\u{301}x\n\u{1}key:\u{1} value\u{1}", file: "f")
        #expect(configuration["rest.address"] == "jm")
        #expect(configuration["rest.port"] == "9091")
        #expect(configuration.origin(of: "rest.port") == "f line 2")
        #expect(configuration["rest.path"] == "/p")
        #expect(configuration.origin(of: "rest.path") == "f line 4")
        #expect(configuration["key:"] == nil && configuration["key"] == nil, "\u{1} is not ' ' in the separator")
    }

    /// What passed validation must make a URL: brackets and ':' only as an IPv6 address, the
    /// port in its plain form, '%' only as %XX.
    @Test func configuredEndpointIsAlwaysAURL() throws {
        func resolve(_ text: String) -> String {
            do { return try FlinkEndpoint.resolve(.init(configuration: FlinkConfiguration.parseLegacy(text, file: "f"))).url } catch { return "\(error.code)" }
        }
        #expect(resolve("rest.address: [::1\n") == "configuration")
        #expect(resolve("rest.address: ::1]\n") == "configuration")
        #expect(resolve("rest.address: a:b\n") == "configuration")
        #expect(resolve("rest.address: a[b]\n") == "configuration")
        #expect(resolve("rest.path: /a%zz\n") == "configuration")
        #expect(resolve("rest.path: /a%2\n") == "configuration")
        #expect(resolve("rest.address: ::1\n") == "http://[::1]:8081")
        #expect(resolve("rest.address: [fe80::1]\n") == "http://[fe80::1]:8081")
        #expect(resolve("rest.port: +8082\n") == "http://localhost:8082")
        #expect(resolve("rest.port: 08082\n") == "http://localhost:8082")
        #expect(resolve("rest.path: /a%2Fb\n") == "http://localhost:8081/a%2Fb")
    }

    /// Aliases share nodes: a few lines can stand for billions of values (with Yams, a deep alias
    /// used as a key never finished). Counted as the document is composed from libyaml's events.
    @Test(.timeLimit(.minutes(1))) func yamlAliasesThatExpandWithoutBoundAreRefused() throws {
        var lines = ["l0: &l0 {x: 1, y: 2}"]
        for i in 1...13 { lines.append("l\(i): &l\(i) {a: *l\(i - 1), b: *l\(i - 1), c: *l\(i - 1), d: *l\(i - 1)}") }
        for text in [lines.joined(separator: "\n"), (lines + ["? *l13", ": 1"]).joined(separator: "\n")] {
            #expect(throws: SubmitJobError.self) { try FlinkConfiguration.parseStandard(text, file: "config.yaml") }
        }
        let shared = try FlinkConfiguration.parseStandard("base: &b {address: jm, port: 8081}\nrest: *b\n", file: "config.yaml")
        #expect(shared["rest.address"] == "jm" && shared["base.port"] == "8081")
    }

    /// Chunjun splits -p at every ',' byte; validate looks for ',' Characters, and a ',' followed
    /// by a combining mark is not one. The fix belongs in PlanBuilder.validate (compare UTF-8).
    @Test func paramWithACommaBeforeACombiningMarkIsRefused() {
        for (key, value) in [("k", ",\u{301}v"), ("k,\u{301}", "v"), ("k=\u{301}", "v")] {
            var options = SubmissionOptions()
            options.params = [(key, value)]
            #expect(throws: SubmitJobError.self, "\(key.debugDescription)=\(value.debugDescription)") { try PlanBuilder.validate(options) }
        }
        // The mark alone is fine: only the separator bytes are refused.
        var options = SubmissionOptions()
        options.params = [("k\u{301}", "v\u{301}")]
        #expect(throws: Never.self) { try PlanBuilder.validate(options) }
    }

    /// Keys that Swift finds equal (canonically equivalent) but Java does not: both reach Chunjun.
    @Test func canonicallyEquivalentConfKeysStayTwo() throws {
        let job = try ChunjunJob(text: #"{"job": {"content": [{"reader": {"name": "streamreader", "parameter": {}}, "writer": {"name": "streamwriter", "parameter": {}}}]}}"#)
        let dist = ChunjunDist(root: "/dist", paths: ["chunjun-core.jar", "connector/stream/chunjun-connector-stream.jar", "metrics/prometheus/chunjun-metrics-prometheus.jar"])
        var options = SubmissionOptions()
        options.conf = [("\u{FFFD}\u{301}", "a"), ("\u{FFFD}\u{341}", "b"), ("\u{FFFD}\u{301}", "c")]
        options.params = [("k\u{301}", "1"), ("k\u{341}", "2")]
        let args = try PlanBuilder.build(job: job, dist: dist, options: options).programArgs
        let confProp = try #require(args.firstIndex(of: "-confProp").map { args[$0 + 1] })
        // What Java's URLEncoder makes of {"\uFFFD\u0301":"c","\uFFFD\u0341":"b"}: two keys, the first one's last value.
        #expect(confProp == "%7B%22%EF%BF%BD%CC%81%22%3A%22c%22%2C%22%EF%BF%BD%CD%81%22%3A%22b%22%7D")
        #expect(args.firstIndex(of: "-p").map { Array(args[$0 + 1].utf8) } == Array("k\u{301}=1,k\u{341}=2".utf8))
    }

    /// Each comment copied the whole script again: 100,000 comment lines took minutes.
    @Test(.timeLimit(.minutes(1))) func manyCommentsReadInLinearTime() throws {
        let text = String(repeating: "-- 'k' = 'v'\n", count: 100_000) + "INSERT INTO t SELECT 1;"
        let script = try SQLScript.parse(text)
        #expect(script.commentedOptions.count == 100_000)
        #expect(script.insertCount == 1)
    }

    /// Every value carried a copy of its path: memory in proportion to size times depth.
    /// parseTree keeps no paths; parse still reports each member's.
    @Test(.timeLimit(.minutes(1))) func deepDocumentsParseWithoutPathCopies() throws {
        let depth = 500
        let text = String(repeating: "{\"a\":", count: depth) + "[" + Array(repeating: "{\"k\":1}", count: 100_000).joined(separator: ",") + "]" + String(repeating: "}", count: depth)
        let tree = try JSONParser.parseTree(text)
        #expect(tree.children.count == 1)
        let parsed = try JSONParser.parse(#"{"a":[{"b":1},2],"c":{"d":null}}"#)
        #expect(parsed.members.map(\.path) == [["a", "0", "b"], ["a"], ["c", "d"], ["c"]])
    }
}
