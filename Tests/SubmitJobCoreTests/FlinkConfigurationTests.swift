import Foundation
import Testing
@testable import SubmitJobCore

/// Flink's two configuration dialects, read as each Flink version reads them.
@Suite struct FlinkConfigurationTests {
    @Test func legacyFileFollowsFlinksLineRule() {
        let text = """
            # a comment
            rest.address: jm.example   # trailing comment
            rest.port: 8081
            rest.port: 9091
            quoted: "kept as written"
            no-space:8081
            empty.value:
            url: http://x:1/y
              indented.key :  spaced value  
            hash.inside: a#b
            """
        let configuration = FlinkConfiguration.parseLegacy(text, file: "flink-conf.yaml")
        #expect(configuration["rest.address"] == "jm.example")
        #expect(configuration["rest.port"] == "9091", "later lines win")
        #expect(configuration.origin(of: "rest.port") == "flink-conf.yaml line 4")
        #expect(configuration["quoted"] == "\"kept as written\"", "Flink 1.12 does not unquote")
        #expect(configuration["no-space"] == nil && configuration["no-space:8081"] == nil, "': ' is the separator")
        #expect(configuration["empty.value"] == nil)
        #expect(configuration["url"] == "http://x:1/y")
        #expect(configuration["indented.key"] == "spaced value")
        #expect(configuration["hash.inside"] == "a", "'#' starts a comment anywhere")
    }

    @Test func standardFileFlattensNestedAndFlatKeys() throws {
        let text = """
            rest:
              address: jm.example
              port: 8082
              path: /flink/
            jobmanager.rpc.address: rpc.example
            security:
              ssl:
                rest:
                  enabled: true
            pipeline.classpaths: [file:///a.jar, file:///b.jar]
            quoted: "unquoted by YAML"
            """
        let configuration = try FlinkConfiguration.parseStandard(text, file: "config.yaml")
        #expect(configuration["rest.address"] == "jm.example")
        #expect(configuration["rest.port"] == "8082")
        #expect(configuration["rest.path"] == "/flink/")
        #expect(configuration["jobmanager.rpc.address"] == "rpc.example")
        #expect(configuration["security.ssl.rest.enabled"] == "true")
        #expect(configuration["pipeline.classpaths"] == "file:///a.jar;file:///b.jar")
        #expect(configuration["quoted"] == "unquoted by YAML")
        #expect(configuration.origin(of: "rest.port") == "config.yaml line 3")
        #expect(configuration.origin(of: "security.ssl.rest.enabled") == "config.yaml line 9")
    }

    @Test func badYAMLNamesTheLineButNotTheText() {
        let text = "rest:\n  port: 8081\n  password: s3cr3t-value: [\n"
        #expect {
            try FlinkConfiguration.parseStandard(text, file: "config.yaml")
        } throws: { error in
            guard let error = error as? SubmitJobError else { return false }
            return error.code == .configuration && error.message.contains("line 3") && !error.message.contains("s3cr3t")
        }
        #expect(throws: SubmitJobError.self) { try FlinkConfiguration.parseStandard("- a\n- b\n", file: "config.yaml") }
        #expect((try? FlinkConfiguration.parseStandard("", file: "config.yaml"))?.entries.isEmpty == true)
    }

    /// The same texts through PyYAML's pure-Python composer (no code shared with libyaml), flattened
    /// as Flink does: every key, value and line must agree, and a text one refuses the other must
    /// refuse at the same line. Flink 1.20's and 2.2's own config.yaml are among them.
    @Test func standardFileReadsAsPyYAMLReadsIt() throws {
        let documents: [String] = try ["config-1.20.3.yaml", "config-2.2.1.yaml"].map {
            try String(contentsOf: TestPaths.repository.appendingPathComponent("Tests/Fixtures/flink-conf/\($0)"), encoding: .utf8)
        } + [
            "rest:\n  address: jm.example\n  port: 8082\njobmanager.rpc.address: rpc.example\npipeline.classpaths: [file:///a.jar, file:///b.jar]\n",
            "base: &b {address: jm, port: 8081}\nrest: *b\nlist: &l [x, y]\nagain: *l\n? &k key\n: v\nother: *k\n",
            "literal: |\n  line one\n  line two\nfolded: >\n  folded\n  text\n\nkept: |+\n  a\n\n",
            "double: \"tab\\there \\u00e9 \\\"q\\\"\"\nsingle: 'it''s'\n\"a:b\": c\n'x # y': z\n",
            "pipeline.jars:\n  - file:///a.jar\n  - file:///b.jar\nmixed: [a, {x: 1}, [b], c]\nempty.list: []\nempty.map: {}\n",
            "empty:\ntilde: ~\nnull.word: null\nport: 08081\nexp: 1e3\nhex: 0x1F\nyes.word: yes\ndate: 2001-12-14\n",
            "名前: 値\nkey: \"é\\u263A\"\n# comment: ignored\nafter: comment # trailing\n",
            "a: 1\r\nb:\r\n  c: 2\r\n",
            "---\na: 1\n...\n",
            "{rest.port: 8081, rest.address: x, nested: {deep: {er: 1}}}",
            "plain: one\n  two\n  three\nquoted: \"one\n  two\"\n",
            "",
            "# only a comment\n",
            // Refused by both:
            "rest:\n  port: 8081\n  password: s3cr3t-value: [\n",
            "a: [1, 2\nb: 3\n",
            "a: b\n c: d\n",
            "a: 'unclosed\n",
            "a: 1\n\tb: 2\n",
            "x: 1\na: *undefined\n",
            "---\na: 1\n---\nb: 2\n",
        ]
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("submitjob-yaml-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var paths: [String] = []
        for (index, text) in documents.enumerated() {
            let url = folder.appendingPathComponent("\(index).yaml")
            try Data(text.utf8).write(to: url)
            paths.append(url.path)
        }
        let reference = try PluginBundleTests.run(["python3", TestPaths.repository.appendingPathComponent("Tests/Fixtures/yaml/reference.py").path] + paths)
        try #require(reference.status == 0, "\(reference.error)")
        let answers = try #require(JSONSerialization.jsonObject(with: Data(reference.output.utf8)) as? [String: [String: Any]])
        var refusedByBoth = 0
        for (index, text) in documents.enumerated() {
            let answer = try #require(answers[paths[index]])
            let ours = Result { () throws(SubmitJobError) in try FlinkConfiguration.parseStandard(text, file: "config.yaml") }
            if let error = answer["error"] as? [String: Int] {
                guard case .failure(let failure) = ours else {
                    Issue.record("document \(index): PyYAML refuses it at line \(error["line"] ?? 0), submitjob read it")
                    continue
                }
                refusedByBoth += 1
                #expect(failure.code == .configuration)
                #expect(failure.message.contains("line \(error["line"] ?? 0),") && failure.message.contains("column"), "document \(index): \(failure.message); PyYAML: line \(error["line"] ?? 0)")
                #expect(!failure.message.contains("s3cr3t"))
                continue
            }
            let expected = try #require(answer["entries"] as? [String: [Any]])
            let configuration: FlinkConfiguration
            switch ours {
            case .success(let read): configuration = read
            case .failure(let failure): Issue.record("document \(index): PyYAML reads it, submitjob: \(failure.message)"); continue
            }
            let expectedEntries = expected.mapValues { FlinkConfiguration.Entry(value: $0[0] as? String ?? "?", line: $0[1] as? Int ?? -1) }
            #expect(configuration.entries == expectedEntries, "document \(index)")
        }
        #expect(refusedByBoth == 7)
        #expect(answers.count == documents.count)
    }

    @Test func duplicateKeysAndDeepNestingAreRefusedWithTheirLine() {
        func message(_ text: String) -> String? {
            do { _ = try FlinkConfiguration.parseStandard(text, file: "config.yaml"); return nil } catch { return error.message }
        }
        // PyYAML and Flink's reader let the later one win; two values for one key is a mistake we name.
        #expect(message("a: 1\nrest:\n  port: 1\n  port: s3cr3t\n") == "config.yaml: not valid YAML: duplicated keys port in the mapping at line 3")
        #expect(message(String(repeating: "[", count: 300) + String(repeating: "]", count: 300)) == "config.yaml: not valid YAML: nested more than 256 levels deep")
        #expect(message(String(repeating: "[", count: 100_000)) != nil)
    }

    @Test(arguments: [
        // (flink-conf.yaml present, config.yaml present, version) → file read
        (true, false, "1.12.5", "flink-conf.yaml"),
        (false, true, "1.12.5", nil),
        (true, true, "1.12.5", "flink-conf.yaml"),
        (false, true, "1.19.1", "config.yaml"),
        (true, true, "1.20.3", "flink-conf.yaml"),
        (false, true, "1.20.3", "config.yaml"),
        (true, false, "2.1.1", nil),
        (true, true, "2.1.1", "config.yaml"),
        (true, true, nil, "flink-conf.yaml"),
        (false, true, nil, "config.yaml"),
        (false, false, "1.20.3", nil),
    ] as [(Bool, Bool, String?, String?)])
    func precedenceOfTheTwoFiles(legacy: Bool, standard: Bool, version: String?, expected: String?) {
        let dialect = FlinkConfiguration.dialect(hasLegacy: legacy, hasStandard: standard, version: version.flatMap { FlinkVersion($0) })
        #expect(dialect?.rawValue == expected)
    }

    @Test func versionFromTheDistJar() {
        #expect(FlinkVersion(distJarName: "flink-dist_2.11-1.12.5.jar")?.text == "1.12.5")
        #expect(FlinkVersion(distJarName: "flink-dist-1.20.3.jar")?.text == "1.20.3")
        #expect(FlinkVersion(distJarName: "flink-table_2.11-1.12.5.jar") == nil)
        #expect(FlinkVersion(distJarName: "flink-dist.jar") == nil)
    }
}

/// Where the REST endpoint comes from, in order.
@Suite struct FlinkEndpointTests {
    static let configuration = FlinkConfiguration.parseLegacy("rest.address: conf-host\nrest.port: 9999\n", file: "/c/flink-conf.yaml")

    @Test func flagBeatsEnvironmentBeatsConfigurationBeatsDefault() throws {
        let all = FlinkEndpoint.Inputs(flag: "http://flag:1", environment: "http://env:2", configuration: Self.configuration)
        #expect(try FlinkEndpoint.resolve(all).url == "http://flag:1")
        var inputs = all
        inputs.flag = nil
        #expect(try FlinkEndpoint.resolve(inputs).url == "http://env:2")
        #expect(try FlinkEndpoint.resolve(inputs).isExplicit)
        inputs.environment = nil
        let fromFile = try FlinkEndpoint.resolve(inputs)
        #expect(fromFile.url == "http://conf-host:9999")
        #expect(!fromFile.isExplicit)
        #expect(fromFile.settings.map(\.from) == ["/c/flink-conf.yaml line 1", "/c/flink-conf.yaml line 2", "Flink's default"])
        inputs.configuration = FlinkConfiguration()
        #expect(try FlinkEndpoint.resolve(inputs).url == "http://localhost:8081")
    }

    @Test func whatTheConfigurationSaysMustMakeAURL() throws {
        func error(_ text: String) -> String? {
            do { _ = try FlinkEndpoint.resolve(.init(configuration: FlinkConfiguration.parseLegacy(text, file: "/c/flink-conf.yaml"))); return nil } catch { return "\(error.code.exitStatus) \(error.message)" }
        }
        for (text, key, expected) in [
            ("rest.address: \"jm\n", "rest.address", "a host name or IP address"),
            ("rest.address: jm host\n", "rest.address", "a host name or IP address"),
            ("jobmanager.rpc.address: http://jm\n", "rest.address", "a host name or IP address"),
            ("rest.port: eighty\n", "rest.port", "a port number (1-65535)"),
            ("rest.port: 70000\n", "rest.port", "a port number (1-65535)"),
            ("rest.path: /a b\n", "rest.path", "a URL path"),
        ] {
            let message = error(text)
            #expect(message?.hasPrefix("78 \(key) ") == true && message?.contains("(/c/flink-conf.yaml line 1") == true && message?.hasSuffix("is not \(expected)") == true, "\(text): \(message ?? "accepted")")
        }
        for text in ["rest.address: jm-1.data.example.com\nrest.port: 8081\n", "rest.address: 10.0.0.7\nrest.path: /flink/api\n"] {
            #expect(error(text) == nil, "\(text)")
        }
    }

    @Test func restAddressFallsBackToTheRPCAddressAndTheDefaults() throws {
        let configuration = FlinkConfiguration.parseLegacy("jobmanager.rpc.address: rpc-host\n", file: "f")
        let endpoint = try FlinkEndpoint.resolve(.init(configuration: configuration))
        #expect(endpoint.url == "http://rpc-host:8081")
        #expect(endpoint.settings.first == FlinkEndpoint.Setting(key: "rest.address", value: "rpc-host", from: "f line 1 (jobmanager.rpc.address)"))
        #expect(try FlinkEndpoint.resolve(.init(configuration: FlinkConfiguration.parseLegacy("x: y\n", file: "f"))).url == "http://localhost:8081")
    }

    @Test func tlsPathAndIPv6() throws {
        let configuration = try FlinkConfiguration.parseStandard("""
            rest: {address: "::1", port: 8443, path: /a/b/}
            security.ssl.rest.enabled: TRUE
            """, file: "config.yaml")
        #expect(try FlinkEndpoint.resolve(.init(configuration: configuration)).url == "https://[::1]:8443/a/b")
        let prefixed = FlinkConfiguration.parseLegacy("rest.url-prefix: /proxy\n", file: "f")
        #expect(try FlinkEndpoint.resolve(.init(configuration: prefixed)).url == "http://localhost:8081/proxy")
    }

    @Test func kubernetesSessionFromFlagsOrConfiguration() throws {
        let byFlag = try FlinkEndpoint.resolve(.init(environment: "http://env:2", target: "kubernetes-session", clusterID: "etl", namespace: "data"))
        #expect(byFlag.url == "http://etl-rest.data.svc:8081")
        #expect(byFlag.target == .kubernetesSession(clusterID: "etl", namespace: "data"))
        let defaultNamespace = try FlinkEndpoint.resolve(.init(target: "kubernetes-session", clusterID: "etl"))
        #expect(defaultNamespace.url == "http://etl-rest.default.svc:8081")

        let configuration = FlinkConfiguration.parseLegacy("execution.target: kubernetes-session\nkubernetes.cluster-id: sess\nkubernetes.namespace: ns1\nrest.address: ignored\n", file: "f")
        let byFile = try FlinkEndpoint.resolve(.init(configuration: configuration))
        #expect(byFile.url == "http://sess-rest.ns1.svc:8081")
        #expect(byFile.from == "f line 1")
        #expect(try FlinkEndpoint.resolve(.init(environment: "http://env:2", configuration: configuration)).url == "http://env:2")
        #expect(try FlinkEndpoint.resolve(.init(target: "remote", configuration: configuration)).url == "http://ignored:8081", "--target remote overrides the file's target")
    }

    @Test func contradictionsAreUsageErrors() {
        func code(_ inputs: FlinkEndpoint.Inputs) -> SubmitJobError.Code? {
            do { _ = try FlinkEndpoint.resolve(inputs); return nil } catch { return error.code }
        }
        #expect(code(.init(flag: "http://a:1", target: "kubernetes-session", clusterID: "x")) == .usage)
        #expect(code(.init(target: "kubernetes-session")) == .usage)
        #expect(code(.init(clusterID: "x")) == .usage)
        #expect(code(.init(target: "yarn-session")) == .usage)
        #expect(code(.init(target: "kubernetes-session", clusterID: "Not_A_Label")) == .usage)
        #expect(code(.init(configuration: FlinkConfiguration.parseLegacy("execution.target: kubernetes-session\n", file: "f"))) == .configuration)
    }
}

/// Finding the home, the conf dir and the file on a real (temporary) disk.
@Suite struct FlinkInstallationTests {
    static func home(files: [String: String]) throws -> String {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("submitjob-home-\(UUID().uuidString)").path
        for (path, text) in files {
            let url = URL(fileURLWithPath: "\(root)/\(path)")
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        return root
    }

    func locate(_ home: String, confDir: String? = nil) throws -> FlinkInstallation {
        try FlinkInstallation.locate(home: .init(home, from: "--flink-home"), confDir: confDir.map { .init($0, from: "--flink-conf-dir") }, fileSystem: LocalFileSystem())
    }

    @Test func theVersionInLibDecidesBetweenTwoFiles() throws {
        let files = ["conf/flink-conf.yaml": "rest.port: 1111\n", "conf/config.yaml": "rest:\n  port: 2222\n"]
        let old = try Self.home(files: files.merging(["lib/flink-dist-1.20.3.jar": ""]) { $1 })
        let new = try Self.home(files: files.merging(["lib/flink-dist-2.1.1.jar": ""]) { $1 })
        defer { try? FileManager.default.removeItem(atPath: old); try? FileManager.default.removeItem(atPath: new) }
        let onOld = try locate(old)
        #expect(onOld.version?.text == "1.20.3")
        #expect(onOld.configuration["rest.port"] == "1111")
        #expect(onOld.notes.first?.contains("config.yaml was not read") == true)
        let onNew = try locate(new)
        #expect(onNew.configuration["rest.port"] == "2222")
        #expect(onNew.configuration.dialect == .standard)
    }

    /// `plan`'s version: the cluster's when it answers; the installation's dist jar only when the
    /// cluster cannot be reached; otherwise the cluster's error stands.
    @Test func planFallsBackToTheDistJarOnlyWhenTheClusterCannotBeReached() throws {
        let home = try Self.home(files: ["lib/flink-dist-1.20.3.jar": "", "lib/flink-table_2.12-1.20.3.jar": ""])
        let bare = try Self.home(files: ["lib/log4j-api.jar": ""])
        defer { for path in [home, bare] { try? FileManager.default.removeItem(atPath: path) } }
        let installation = try locate(home)
        #expect(installation.versionJar == "\(home)/lib/flink-dist-1.20.3.jar")
        for code in [SubmitJobError.Code.flinkUnreachable, .timedOut] {
            let chosen = try PlanVersion.afterClusterFailed(SubmitJobError(code, "cannot reach Flink at http://jm:8081: connection refused"), installation: installation)
            #expect(chosen.version.text == "1.20.3" && chosen.from == "\(home)/lib/flink-dist-1.20.3.jar")
            #expect(chosen.warning == "cannot reach Flink at http://jm:8081: connection refused; planned for Flink 1.20.3 of \(home)/lib/flink-dist-1.20.3.jar, and whether the cluster has the jar is unknown")
        }
        for code in [SubmitJobError.Code.authenticationRejected, .unexpectedResponse, .tlsFailed, .configuration] {
            let error = SubmitJobError(code, "no")
            #expect(throws: error) { try PlanVersion.afterClusterFailed(error, installation: installation) }
        }
        #expect {
            try PlanVersion.afterClusterFailed(SubmitJobError(.flinkUnreachable, "cannot reach Flink"), installation: try locate(bare))
        } throws: { error in
            let error = error as? SubmitJobError
            return error?.code == .flinkUnreachable && error?.message.hasPrefix("cannot reach Flink; and no Flink version to plan for: give --flink-version") == true
                && error?.message.contains("\(bare)/lib has none") == true
        }
        #expect(PlanVersion(installation.version!, source: .flag).from == "--flink-version")
        #expect(PlanVersion(installation.version!, source: .cluster).from == "cluster")
    }

    @Test func aBrokenFileMattersOnlyWhenTheEndpointComesFromIt() throws {
        let home = try Self.home(files: ["conf/config.yaml": "rest: [port: 1\n", "lib/flink-dist-1.20.3.jar": ""])
        defer { try? FileManager.default.removeItem(atPath: home) }
        let installation = try locate(home)
        #expect(installation.configurationError?.code == .configuration)
        let explicit = try FlinkEndpoint.resolve(.init(flag: "http://jm:8081", configuration: installation.configuration, configurationError: installation.configurationError))
        #expect(explicit.url == "http://jm:8081")
        #expect(throws: SubmitJobError.self) {
            try FlinkEndpoint.resolve(.init(configuration: installation.configuration, configurationError: installation.configurationError))
        }
    }

    @Test func aMissingConfDirIsAnErrorOnlyWhenNamedByFlag() throws {
        let home = try Self.home(files: ["lib/flink-dist_2.11-1.12.5.jar": ""])
        defer { try? FileManager.default.removeItem(atPath: home) }
        let fromHome = try locate(home)
        #expect(fromHome.configuration.file == nil)
        #expect(fromHome.confDir == .init("\(home)/conf", from: "--flink-home + /conf"))
        #expect(throws: SubmitJobError(.missingFile, "the Flink configuration folder \(home)/nowhere does not exist (--flink-conf-dir)", context: [("path", .string("\(home)/nowhere"))])) {
            try locate(home, confDir: "\(home)/nowhere")
        }
        // The same for a home given by flag; the environment's or the default may be absent.
        #expect(throws: SubmitJobError(.missingFile, "the Flink home \(home)/absent does not exist (--flink-home)", context: [("path", .string("\(home)/absent"))])) {
            try locate("\(home)/absent")
        }
        let fromEnvironment = try FlinkInstallation.locate(home: .init("\(home)/absent", from: "$FLINK_HOME"), confDir: nil, fileSystem: LocalFileSystem())
        #expect(fromEnvironment.configuration.file == nil)
    }
}

/// The Kubernetes manifests' Flink configuration, read as submitjob reads it inside the pod.
@Suite struct DeployConfigurationTests {
    @Test func submitjobInThePodFindsTheJobManagerService() throws {
        let manifest = try String(contentsOf: TestPaths.repository.appendingPathComponent("image/deploy/flink-configuration-configmap.yaml"), encoding: .utf8)
        // The ConfigMap is YAML too: its data.flink-conf.yaml is the file mounted at /opt/flink/conf.
        let configMap = try FlinkConfiguration.parseStandard(manifest, file: "flink-configuration-configmap.yaml")
        let flinkConf = try #require(configMap["data.flink-conf.yaml"])
        let configuration = FlinkConfiguration.parseLegacy(flinkConf, file: "/opt/flink/conf/flink-conf.yaml")
        let endpoint = try FlinkEndpoint.resolve(.init(configuration: configuration))
        #expect(endpoint.url == "http://flink-jobmanager:8081")
        #expect(!endpoint.isExplicit)
    }
}
