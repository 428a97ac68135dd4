import Foundation
import SubmitJobCore
import Testing

/// The release binary against a real Flink 1.20.3 whose REST endpoint is HTTPS with mutual TLS,
/// with certificates and Java stores made by openssl and keytool (scripts/tls-material.sh), and
/// against a real nginx in front of Flink: asking for credentials, or serving a bad certificate.
@Suite(.serialized, .enabled(if: Harness.configured, "run through `make test`"))
struct SecureFlinkTests {
    static let storePassword = "Store-Secret-7"

    /// One mutual-TLS cluster for every check (a start costs ~30 s); each check records its own
    /// failures, and the cluster is stopped whatever happens (scripts/test.sh stops it should the run die).
    @Test func mutualTLSCluster() async throws {
        let material = try Harness.newFolder("tls")
        _ = try await PrivateCluster.output([Harness.repository.appendingPathComponent("scripts/tls-material.sh").path, material])
        let cluster = try await PrivateCluster(version: "1.20.3", conf: [
            "security.ssl.rest.enabled=true",
            "security.ssl.rest.keystore=\(material)/server.p12",
            "security.ssl.rest.keystore-password=\(Self.storePassword)",
            "security.ssl.rest.key-password=\(Self.storePassword)",
            "security.ssl.rest.truststore=\(material)/truststore.p12",
            "security.ssl.rest.truststore-password=\(Self.storePassword)",
            "security.ssl.rest.authentication-enabled=true",
        ])
        let checks = MutualTLSChecks(material: material, cluster: cluster)
        for (name, check) in checks.all {
            do { try check() } catch { Issue.record(error, "\(name)") }
        }
        await cluster.stop()
    }
}

struct MutualTLSChecks {
    static let storePassword = SecureFlinkTests.storePassword
    let material: String
    let cluster: PrivateCluster

    var all: [(String, () throws -> Void)] {
        [("PEM flags", mutualTLSWithPEMFlags), ("PKCS#12 from the configuration", mutualTLSFromFlinksOwnConfigurationWithPKCS12Stores),
         ("JKS through keytool", aJKSTruststoreAndKeystoreAreReadThroughKeytool), ("no client certificate", withoutAClientCertificateTheServerRefusesAndTheCodeSaysTLS),
         ("another CA", aServerFromAnotherCAIsRefused), ("unreadable store", anUnreadableStoreIs78WithTheConversionHint),
         ("--insecure", insecureWarnsEveryTime), ("--via cli", viaCLIAgainstTheSameCluster), ("http to the TLS port", plainHTTPIsToldToUseHTTPS)]
    }

    func pem(_ name: String) -> String { "\(material)/\(name)" }
    var clientFlags: [String] { ["--client-cert", pem("client.pem"), "--client-key", pem("client.key")] }

    /// A Flink configuration folder for submitjob alone, naming the cluster and these settings.
    func confDir(_ label: String, _ lines: [String]) throws -> String {
        let dir = try Harness.newFolder(label)
        let port = cluster.url.split(separator: ":").last.map(String.init) ?? ""
        let text = (["rest.address: localhost", "rest.port: \(port)", "security.ssl.rest.enabled: true"] + lines).joined(separator: "\n") + "\n"
        try text.write(toFile: "\(dir)/flink-conf.yaml", atomically: true, encoding: .utf8)
        return dir
    }

    func submitAndCheckRows(_ arguments: [String], environment: [String: String] = [:]) throws -> Run {
        let out = try Harness.newFolder("tls-rows")
        let run = try Submitjob.run(["submit", "--chunjun-dist", Harness.dist, "--param", "outDir=\(out)", "--wait", "finished", "--timeout", "150"] + arguments,
                                    stdin: Harness.fixtureJob, environment: environment)
        #expect(run.status == 0, "\(run)")
        if run.status == 0 {
            // What the job itself wrote: the text it was given and its rows.
            #expect(try Data(contentsOf: URL(fileURLWithPath: "\(out)/job.txt")) == Harness.fixtureJob)
            #expect(try String(contentsOfFile: "\(out)/part-0", encoding: .utf8).split(separator: "\n").count == 10)
        }
        #expect(run.leaks().isEmpty, "\(run)")
        #expect(!run.stdout.contains(Self.storePassword) && !run.stderr.contains(Self.storePassword), "\(run)")
        return run
    }

    func mutualTLSWithPEMFlags() throws {
        let run = try submitAndCheckRows(["--flink", cluster.url, "--ca-cert", pem("ca.pem")] + clientFlags)
        #expect(run.json?["flink"]?.stringValue == cluster.url)
    }

    func mutualTLSFromFlinksOwnConfigurationWithPKCS12Stores() throws {
        // The cluster's own conf/: server.p12 is its keystore, presented by clients too (Flink's layout).
        let run = try submitAndCheckRows([], environment: ["FLINK_CONF_DIR": "\(cluster.instance)/conf"])
        #expect(run.json?["flink"]?.stringValue?.hasPrefix("https://") == true, "\(run)")
        let config = try Submitjob.run(["config"], environment: ["FLINK_CONF_DIR": "\(cluster.instance)/conf"])
        #expect(config.json?["tls"]?["used"] == .bool(true), "\(config)")
        var masked: [String] = []
        if case .array(let settings)? = config.json?["tls"]?["settings"] {
            for setting in settings where setting["value"]?.stringValue == "******" { masked.append(setting["key"]?.stringValue ?? "") }
        }
        #expect(masked == ["security.ssl.rest.truststore-password", "security.ssl.rest.keystore-password", "security.ssl.rest.key-password"], "\(config)")
        #expect(!config.stdout.contains(Self.storePassword), "\(config)")
    }

    func aJKSTruststoreAndKeystoreAreReadThroughKeytool() throws {
        let dir = try confDir("tls-jks", [
            "security.ssl.rest.truststore: \(pem("truststore.jks"))", "security.ssl.rest.truststore-password: \(Self.storePassword)",
            "security.ssl.rest.authentication-enabled: true",
            "security.ssl.rest.keystore: \(pem("client.jks"))", "security.ssl.rest.keystore-password: \(Self.storePassword)",
            "security.ssl.rest.key-password: \(Self.storePassword)",
        ])
        _ = try submitAndCheckRows([], environment: ["FLINK_CONF_DIR": dir])
    }

    func withoutAClientCertificateTheServerRefusesAndTheCodeSaysTLS() throws {
        let run = try Submitjob.run(["list", "--flink", cluster.url, "--ca-cert", pem("ca.pem"), "--timeout", "30"])
        #expect(run.status == 79 && run.errorCode == "tls_failed", "\(run)")
        #expect(run.errorMessage.contains("client certificate"), "\(run)")
        let foreign = try Submitjob.run(["list", "--flink", cluster.url, "--ca-cert", pem("ca.pem"), "--client-cert", pem("client-otherca.pem"),
                                         "--client-key", pem("client-otherca.key"), "--timeout", "30"])
        #expect(foreign.status == 79 && foreign.errorMessage.contains("refused our client certificate"), "\(foreign)")
    }

    func aServerFromAnotherCAIsRefused() throws {
        for trust in [["--ca-cert", pem("other-ca.pem")], []] {
            let run = try Submitjob.run(["list", "--flink", cluster.url, "--timeout", "30"] + trust + clientFlags)
            #expect(run.status == 79 && run.errorCode == "tls_failed", "\(run)")
            #expect(run.errorMessage.contains("is not issued by a CA submitjob trusts"), "\(run)")
            #expect(!run.errorMessage.contains("unreachable") && !run.errorMessage.contains("cannot reach"), "\(run)")
        }
    }

    func anUnreadableStoreIs78WithTheConversionHint() throws {
        let dir = try confDir("tls-nokeytool", [
            "security.ssl.rest.truststore: \(pem("truststore.jks"))", "security.ssl.rest.truststore-password: \(Self.storePassword)",
        ])
        // No JAVA_HOME and a PATH without keytool: the JKS store cannot be read at all.
        // A cache of its own: keytool's answer for this store may be remembered from the JKS check.
        let run = try Submitjob.run(["list", "--timeout", "30"], environment: ["FLINK_CONF_DIR": dir, "JAVA_HOME": "", "PATH": "/nonexistent",
                                                                          "SUBMITJOB_CACHE_DIR": try Harness.newFolder("tls-cache")])
        #expect(run.status == 78 && run.errorCode == "configuration", "\(run)")
        #expect(run.errorMessage.contains(pem("truststore.jks")) && run.errorMessage.contains("keytool -importkeystore") && run.errorMessage.contains("-deststoretype PKCS12"), "\(run)")
        let wrong = try confDir("tls-wrongpass", [
            "security.ssl.rest.truststore: \(pem("truststore.jks"))", "security.ssl.rest.truststore-password: Wrong-Pass-5",
        ])
        let refused = try Submitjob.run(["list", "--timeout", "30"], environment: ["FLINK_CONF_DIR": wrong])
        #expect(refused.status == 78 && refused.errorMessage.contains("password was incorrect"), "\(refused)")
        #expect(!refused.stdout.contains("Wrong-Pass-5") && !refused.stderr.contains("Wrong-Pass-5"), "\(refused)")
    }

    func insecureWarnsEveryTime() throws {
        let run = try Submitjob.run(["list", "--flink", cluster.url, "--insecure", "--timeout", "30"] + clientFlags)
        #expect(run.status == 0, "\(run)")
        #expect(run.stderr.contains("warning: --insecure"), "\(run)")
    }

    func plainHTTPIsToldToUseHTTPS() throws {
        let run = try Submitjob.run(["list", "--flink", cluster.url.replacingOccurrences(of: "https://", with: "http://"), "--timeout", "30"])
        #expect(run.status == 76 && run.errorMessage.contains("redirects GET /jobs/overview to https (HTTP 301): give its https:// address"), "\(run)")
    }

    func viaCLIAgainstTheSameCluster() throws {
        // bin/flink of the instance reads the same security.ssl.rest.* settings; submitjob's own lookups too.
        let out = try Harness.newFolder("tls-cli")
        let run = try Submitjob.run(["submit", "--via", "cli", "--flink-home", cluster.instance, "--chunjun-dist", Harness.dist,
                                     "--param", "outDir=\(out)", "--wait", "finished", "--timeout", "150"], stdin: Harness.fixtureJob)
        #expect(run.status == 0, "\(run)")
        #expect(run.json?["via"] == "cli", "\(run)")
        #expect(try String(contentsOfFile: "\(out)/part-0", encoding: .utf8).split(separator: "\n").count == 10)
        #expect(!run.stdout.contains(Self.storePassword) && !run.stderr.contains(Self.storePassword), "\(run)")
    }
}

/// A real nginx in front of the shared Flink 1.20: basic authentication, a bearer token, and a
/// TLS front with a bad certificate. Credentials pass, wrong ones give 77, and none is printed.
@Suite(.serialized, .enabled(if: Harness.configured, "run through `make test`"))
struct GatewayTests {
    static let user = "etl-user"
    static let password = "Gw P@ss:w0rd!"
    static let token = "tok.Gw-7f3a9c21e4b8d0aa"

    @Test func credentialsReachFlinkThroughNginxAndAreNeverPrinted() async throws {
        let cluster = try #require(Harness.cluster120)
        let basic = try await PrivateGateway(upstream: cluster.url, ["--basic", "\(Self.user):\(Self.password)"])
        let bearer = try await PrivateGateway(upstream: cluster.url, ["--bearer", Self.token])
        for (name, check) in [("basic", { try self.basicAuthentication(basic, cluster) }), ("bearer", { try self.bearerToken(bearer, cluster) })] as [(String, () throws -> Void)] {
            do { try check() } catch { Issue.record(error, "\(name)") }
        }
        await basic.stop()
        await bearer.stop()
    }

    /// Every spelling of the credentials that could leak: as given, URL-encoded, and the header value sent.
    func leaks(_ run: Run) -> [String] {
        let basicHeader = GatewayCredentials(user: Self.user, password: Self.password, userFrom: "--flink").basicAuthorization ?? "?"
        let forms = [Self.password, JavaURLEncoder.encode(Self.password), "P%40ss", Self.token, String(basicHeader.dropFirst(6))]
        return forms.filter { run.stdout.contains($0) || run.stderr.contains($0) }
    }

    func withUserInfo(_ url: String, password: String = GatewayTests.password) -> String {
        url.replacingOccurrences(of: "http://", with: "http://\(Self.user):\(JavaURLEncoder.encode(password).replacingOccurrences(of: "+", with: "%20"))@")
    }

    func basicAuthentication(_ gateway: PrivateGateway, _ cluster: Cluster) throws {
        // A core jar the cluster has never seen: the upload goes through nginx too.
        let dist = try Harness.distWithAnotherCore(from: Harness.dist, label: "gateway-basic")
        let out = try Harness.newFolder("gateway-rows")
        let run = try Submitjob.run(["submit", "--chunjun-dist", dist, "--flink", withUserInfo(gateway.url), "--param", "outDir=\(out)", "--wait", "finished"],
                                    stdin: Harness.fixtureJob)
        #expect(run.status == 0, "\(run)")
        #expect(run.json?["jar"]?["uploaded"] == .bool(true), "\(run)")
        #expect(run.json?["flink"]?.stringValue == gateway.url, "the printed URL has no user info: \(run)")
        #expect(try String(contentsOfFile: "\(out)/part-0", encoding: .utf8).split(separator: "\n").count == 10)
        #expect(leaks(run).isEmpty && run.leaks().isEmpty, "\(run)")

        let wrong = try Submitjob.run(["list", "--flink", withUserInfo(gateway.url, password: "Not-It-3")])
        #expect(wrong.status == 77 && wrong.errorCode == "authentication_rejected", "\(wrong)")
        #expect(wrong.errorMessage.contains(#"WWW-Authenticate: Basic realm="flink-gateway""#), "\(wrong)")
        #expect(!wrong.stdout.contains("Not-It-3") && !wrong.stderr.contains("Not-It-3"), "\(wrong)")

        // From the environment, as the backend would set it; config shows the user, not the password.
        let environment = ["FLINK_REST_URL": withUserInfo(gateway.url)]
        let listed = try Submitjob.run(["list"], environment: environment)
        #expect(listed.status == 0, "\(listed)")
        let config = try Submitjob.run(["config"], environment: environment)
        #expect(config.stdout.contains("\(Self.user):******"), "\(config)")
        let plan = try Submitjob.run(["plan", "--chunjun-dist", dist], stdin: Harness.fixtureJob, environment: environment)
        #expect(plan.status == 0, "\(plan)")
        for shown in [listed, config, plan] { #expect(leaks(shown).isEmpty, "\(shown)") }
    }

    func bearerToken(_ gateway: PrivateGateway, _ cluster: Cluster) throws {
        let headers = try Harness.newFolder("gateway-headers") + "/headers"
        try "# the platform's gateway token\nAuthorization: Bearer \(Self.token)\n".write(toFile: headers, atomically: true, encoding: .utf8)
        let out = try Harness.newFolder("gateway-bearer-rows")
        let run = try Submitjob.run(["submit", "--chunjun-dist", Harness.dist, "--flink", gateway.url, "--header-file", headers, "--param", "outDir=\(out)", "--wait", "finished"],
                                    stdin: Harness.fixtureJob)
        #expect(run.status == 0, "\(run)")
        #expect(try String(contentsOfFile: "\(out)/part-0", encoding: .utf8).split(separator: "\n").count == 10)
        let fromEnvironment = try Submitjob.run(["list", "--flink", gateway.url], environment: ["SUBMITJOB_HEADERS": "Authorization: Bearer \(Self.token)"])
        #expect(fromEnvironment.status == 0, "\(fromEnvironment)")
        let config = try Submitjob.run(["config", "--flink", gateway.url, "--header-file", headers])
        #expect(config.stdout.contains("header Authorization"), "\(config)")
        for (name, extra) in [("none", [String]()), ("wrong", ["--header-file", headers + ".wrong"])] {
            if name == "wrong" { try "Authorization: Bearer tok.Wrong-1\n".write(toFile: headers + ".wrong", atomically: true, encoding: .utf8) }
            let refused = try Submitjob.run(["list", "--flink", gateway.url] + extra)
            #expect(refused.status == 77 && refused.errorMessage.contains(#"WWW-Authenticate: Bearer realm="flink-gateway""#), "\(name): \(refused)")
            #expect(!refused.stdout.contains("tok.Wrong-1"), "\(refused)")
        }
        for shown in [run, fromEnvironment, config] { #expect(leaks(shown).isEmpty, "\(shown)") }
    }

    @Test func aTLSFrontWithABadCertificateIsATLSFailureNamingTheCause() async throws {
        let cluster = try #require(Harness.cluster120)
        let material = try Harness.newFolder("gateway-tls")
        _ = try await PrivateCluster.output([Harness.repository.appendingPathComponent("scripts/tls-material.sh").path, material])
        let cases: [(String, String, String)] = [("server-expired", "127.0.0.1", "expired on 2020-01-02T00:00:00.000Z"),
                                                 ("server-wronghost", "127.0.0.1", "does not name 127.0.0.1"),
                                                 ("server-wronghost", "localhost", "does not name localhost"),
                                                 ("server", "localhost", "")]
        for (certificate, host, expected) in cases {
            let front = try await PrivateGateway(upstream: cluster.url, ["--open", "--tls-cert", "\(material)/\(certificate).pem", "--tls-key", "\(material)/\(certificate).key"])
            let url = front.url.replacingOccurrences(of: "127.0.0.1", with: host)
            let run = try Submitjob.run(["list", "--flink", url, "--ca-cert", "\(material)/ca.pem", "--timeout", "30"])
            if expected.isEmpty {
                #expect(run.status == 0, "\(certificate) at \(host): \(run)")
            } else {
                #expect(run.status == 79 && run.errorCode == "tls_failed" && run.errorMessage.contains(expected), "\(certificate) at \(host): \(run)")
            }
            await front.stop()
        }
    }
}
