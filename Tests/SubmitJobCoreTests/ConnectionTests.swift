import Foundation
import NIOSSL
import Synchronization
import Testing
@testable import SubmitJobCore

/// How TLS and gateway credentials are decided from flags and Flink's configuration.
@Suite struct TLSSettingsTests {
    static func configuration(_ lines: String) -> FlinkConfiguration {
        FlinkConfiguration.parseLegacy(lines, file: "/conf/flink-conf.yaml")
    }

    @Test func flinksConfigurationNamesTheStoresAndItsLegacyKeysAreFallbacks() throws {
        let conf = Self.configuration("""
            security.ssl.rest.enabled: true
            security.ssl.truststore: /s/trust.jks
            security.ssl.rest.truststore-password: Trust-Pass-1
            security.ssl.rest.authentication-enabled: true
            security.ssl.rest.keystore: /s/key.p12
            security.ssl.keystore-password: Key-Pass-2
            security.ssl.rest.key-password: Key-Pass-3
            security.ssl.rest.keystore-type: PKCS12
            """)
        let tls = try TLSSettings.resolve(flags: .init(), configuration: conf)
        #expect(tls.trust == .store(.init(path: "/s/trust.jks", password: "Trust-Pass-1", key: "security.ssl.rest.truststore")))
        #expect(tls.identity == .store(.init(path: "/s/key.p12", password: "Key-Pass-2", keyPassword: "Key-Pass-3", type: "PKCS12", key: "security.ssl.rest.keystore")))
        #expect(Set(tls.secrets) == ["Trust-Pass-1", "Key-Pass-2", "Key-Pass-3"])
        let shown = tls.settings.map { "\($0.key)=\($0.value) <- \($0.from)" }
        #expect(shown.contains("security.ssl.rest.truststore=/s/trust.jks <- /conf/flink-conf.yaml line 2 (security.ssl.truststore)"))
        #expect(shown.contains("security.ssl.rest.keystore-password=****** <- /conf/flink-conf.yaml line 6 (security.ssl.keystore-password)"))
        #expect(!shown.joined().contains("Pass-"), "a password in the settings: \(shown)")
    }

    @Test func theKeystoreIsPresentedOnlyUnderMutualAuthenticationAndStoresCountOnlyWithSSLOn() throws {
        let noAuth = try TLSSettings.resolve(flags: .init(), configuration: Self.configuration("""
            security.ssl.rest.enabled: true
            security.ssl.rest.keystore: /s/key.p12
            security.ssl.rest.keystore-password: x
            """))
        #expect(noAuth.identity == .none)
        #expect(noAuth.trust == .system)
        let off = try TLSSettings.resolve(flags: .init(), configuration: Self.configuration("""
            security.ssl.rest.truststore: /s/trust.p12
            security.ssl.rest.truststore-password: x
            """))
        #expect(off.trust == .system)
        let deprecatedSwitch = try TLSSettings.resolve(flags: .init(), configuration: Self.configuration("""
            security.ssl.enabled: true
            security.ssl.rest.truststore: /s/trust.p12
            security.ssl.rest.truststore-password: x
            security.ssl.verify-hostname: false
            """))
        #expect(deprecatedSwitch.trust == .store(.init(path: "/s/trust.p12", password: "x", key: "security.ssl.rest.truststore")))
        #expect(!deprecatedSwitch.verifyHostname)
    }

    @Test func flagsWinPartByPart() throws {
        let conf = Self.configuration("""
            security.ssl.rest.enabled: true
            security.ssl.rest.truststore: /s/trust.p12
            security.ssl.rest.truststore-password: x
            security.ssl.rest.authentication-enabled: true
            security.ssl.rest.keystore: /s/key.p12
            security.ssl.rest.keystore-password: y
            """)
        let caOnly = try TLSSettings.resolve(flags: .init(caCertificates: ["/ca.pem", "/ca2.pem"]), configuration: conf)
        #expect(caOnly.trust == .certificates(["/ca.pem", "/ca2.pem"]))
        #expect(caOnly.identity == .store(.init(path: "/s/key.p12", password: "y", key: "security.ssl.rest.keystore")))
        let both = try TLSSettings.resolve(flags: .init(clientCertificate: "/c.pem", clientKey: "/c.key", insecure: true), configuration: conf)
        #expect(both.trust == .anything)
        #expect(both.identity == .pem(certificate: "/c.pem", key: "/c.key"))
    }

    @Test func contradictionsAndGapsAreErrors() {
        #expect(throws: SubmitJobError.self) { try TLSSettings.resolve(flags: .init(caCertificates: ["/ca.pem"], insecure: true), configuration: .init()) }
        let half = #expect(throws: SubmitJobError.self) { try TLSSettings.resolve(flags: .init(clientCertificate: "/c.pem"), configuration: .init()) }
        #expect(half?.code == .usage)
        let noPassword = #expect(throws: SubmitJobError.self) {
            try TLSSettings.resolve(flags: .init(), configuration: Self.configuration("security.ssl.rest.enabled: true\nsecurity.ssl.rest.truststore: /t.p12"))
        }
        #expect(noPassword?.code == .configuration)
        #expect(noPassword?.message.contains("security.ssl.rest.truststore-password") == true)
        let noKeystore = #expect(throws: SubmitJobError.self) {
            try TLSSettings.resolve(flags: .init(), configuration: Self.configuration("security.ssl.rest.enabled: true\nsecurity.ssl.rest.authentication-enabled: true"))
        }
        #expect(noKeystore?.code == .configuration)
    }

    @Test func aBrokenSSLSectionDoesNotFailAPlainAddressButFailsAnHTTPSOne() throws {
        let broken = Self.configuration("security.ssl.rest.enabled: true\nsecurity.ssl.rest.truststore: /t.p12\nrest.port: 9443")
        let plain = try FlinkConnection.resolve(.init(flag: "http://jm:8081", configuration: broken), tls: .init(), headers: .init())
        #expect(plain.tls.trust == .system)
        #expect(throws: SubmitJobError.self) { try FlinkConnection.resolve(.init(configuration: broken), tls: .init(), headers: .init()) }
        let fromFile = try? FlinkConnection.resolve(.init(configuration: Self.configuration("security.ssl.rest.enabled: true\nrest.port: 9443")), tls: .init(), headers: .init())
        #expect(fromFile?.endpoint.url == "https://localhost:9443")
    }
}

@Suite struct GatewayCredentialsTests {
    @Test func userInfoLeavesTheURLAndIsPercentDecoded() throws {
        let connection = try FlinkConnection.resolve(.init(flag: "https://etl%40corp:p%3Ass@gw.example:8443/flink"), tls: .init(), headers: .init())
        #expect(connection.endpoint.url == "https://gw.example:8443/flink")
        #expect(connection.endpoint.settings.map(\.value) == ["https://gw.example:8443/flink"])
        #expect(connection.credentials.user == "etl@corp")
        #expect(connection.credentials.password == "p:ss")
        #expect(connection.credentials.settings.map(\.value) == ["etl@corp:******"])
        #expect(connection.secrets.contains("p:ss"))
        let fromEnvironment = try FlinkConnection.resolve(.init(environment: "http://u:pw@jm:8081"), tls: .init(), headers: .init())
        #expect(fromEnvironment.endpoint.url == "http://jm:8081")
        #expect(fromEnvironment.credentials.userFrom == "$FLINK_REST_URL")
        // An @ in the path or query is not user info.
        #expect(GatewayCredentials.splitUserInfo("http://jm:8081/a@b").user == nil)
    }

    @Test func basicAuthorizationIsRFC7617s() {
        // RFC 7617 section 2's example.
        let credentials = GatewayCredentials(user: "Aladdin", password: "open sesame", userFrom: "--flink")
        #expect(credentials.requestHeaders.map { "\($0.0): \($0.1)" } == ["Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="])
        #expect(credentials.secrets.contains("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="))
    }

    @Test func aRefusalQuotesTheGatewaysChallengeAndPageWithoutMarkup() {
        let page = "<html><head><title>401 Authorization Required</title></head><body><center><h1>401 Authorization Required</h1></center><hr><center>nginx</center></body></html>"
        let answer = FlinkRESTClient.gatewayAnswer(HTTPResponse(status: 401, body: Array(page.utf8), headers: ["www-authenticate": #"Basic realm="corp""#]))
        #expect(answer == #" (WWW-Authenticate: Basic realm="corp"; "401 Authorization Required 401 Authorization Required nginx")"#)
        #expect(FlinkRESTClient.gatewayAnswer(HTTPResponse(status: 403, body: [])) == "")
    }

    @Test func headerFilesAreNameValueLinesAndErrorsNeverQuoteAValue() throws {
        let text = "# gateway\r\nAuthorization: Bearer eyJ.secret.tok\r\n\r\nX-Api-Key:  k-123 \r\n"
        let headers = try GatewayCredentials.parseHeaders(text, origin: "/h")
        #expect(headers.map { "\($0.name)=\($0.value)@\($0.from)" } == ["Authorization=Bearer eyJ.secret.tok@/h line 2", "X-Api-Key=k-123@/h line 4"])
        let withBasic = GatewayCredentials(user: "u", password: "p", userFrom: "--flink", headers: headers)
        #expect(withBasic.requestHeaders.filter { $0.0 == "Authorization" }.map(\.1) == ["Bearer eyJ.secret.tok"], "the file's Authorization wins")
        #expect(withBasic.settings.allSatisfy { !$0.value.contains("secret") && !$0.value.contains("k-123") })
        for (bad, expected) in [("Bearer eyJ.secret.tok", "line 1 is not a header"), ("Bad Name: eyJ.secret.tok", "not an HTTP token"),
                                ("Content-Length: 7", "set by submitjob itself"), ("X-A: eyJ.secret\u{1}tok", "control character")] {
            let error = #expect(throws: SubmitJobError.self) { try GatewayCredentials.parseHeaders(bad, origin: "/h") }
            #expect(error?.code == .configuration)
            #expect(error?.message.contains(expected) == true, "\(error?.message ?? "")")
            #expect(error?.message.contains("secret") == false)
        }
    }
}

/// Key stores made by the real keytool and openssl (scripts/tls-material.sh), read natively or
/// through the real keytool, checked against the PEM files the same script wrote.
@Suite(.serialized) struct TLSMaterialTests {
    static let material: URL? = {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("submitjob-tls-\(UUID().uuidString)")
        let process = Process()
        process.executableURL = TestPaths.repository.appendingPathComponent("scripts/tls-material.sh")
        process.arguments = [dir.path]
        process.standardOutput = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        process.waitUntilExit()
        // Swift Testing has no suite teardown: the folder goes when the test process ends.
        materialToRemove = dir.path
        atexit { if let path = materialToRemove { try? FileManager.default.removeItem(atPath: path) } }
        return process.terminationStatus == 0 ? dir : nil
    }()
    static let password = "Store-Secret-7"
    static let deadline = ContinuousClock.now + .seconds(120)

    func path(_ name: String) throws -> String { try #require(Self.material).appendingPathComponent(name).path }
    func store(_ name: String, password: String = TLSMaterialTests.password) throws -> TLSSettings.Store {
        TLSSettings.Store(path: try path(name), password: password, key: "security.ssl.rest.truststore")
    }
    func bytes(_ name: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: try path(name)))) }
    func pem(_ name: String) throws -> [NIOSSLCertificate] { try NIOSSLCertificate.fromPEMFile(try path(name)) }
    var keyTool: JREKeyTool { JREKeyTool(environment: { ProcessInfo.processInfo.environment[$0] }, runner: SubprocessRunner(), isExecutable: { FileManager.default.isExecutableFile(atPath: $0) }) }
    var noKeyTool: JREKeyTool { JREKeyTool(environment: { $0 == "PATH" ? "/nonexistent" : nil }, runner: SubprocessRunner(), isExecutable: { FileManager.default.isExecutableFile(atPath: $0) }) }

    @Test func storesAreToldApartByTheirOutline() throws {
        #expect(KeyStoreFile(try bytes("server.p12")) == .pkcs12WithKey)
        #expect(KeyStoreFile(try bytes("client.p12")) == .pkcs12WithKey)
        #expect(KeyStoreFile(try bytes("truststore.p12")) == .pkcs12WithoutKey)
        #expect(KeyStoreFile(try bytes("truststore.jks")) == .jks)
        #expect(KeyStoreFile(try bytes("client.jks")) == .jks)
        #expect(KeyStoreFile(try bytes("ca.pem")) == .unknown)
        #expect(KeyStoreFile(Array(try bytes("server.p12").dropLast(7))) == .unknown, "a truncated file is not PKCS#12")
    }

    @Test func truststoresOfBothKindsYieldTheirCA() async throws {
        let ca = try pem("ca.pem")
        for name in ["truststore.p12", "truststore.jks"] {
            let found = try await TLSMaterial.trustedCertificates(in: try store(name), fileSystem: LocalFileSystem(), keyTool: keyTool, deadline: Self.deadline)
            #expect(found == ca, "\(name)")
        }
    }

    @Test func keystoresOfBothKindsYieldTheClientsKeyAndChain() async throws {
        let client = try pem("client.pem")[0]
        let key = try NIOSSLPrivateKey(file: try path("client.key"), format: .pem)
        for name in ["client.p12", "client.jks"] {
            let bundle = try await TLSMaterial.keyBundle(in: try store(name), fileSystem: LocalFileSystem(), keyTool: keyTool, deadline: Self.deadline)
            #expect(bundle.certificateChain.first == client, "\(name)")
            #expect(bundle.privateKey == key, "\(name)")
        }
    }

    @Test func passwordsTravelInTheEnvironmentNeverOnTheCommandLine() async throws {
        let recorder = RecordingRunner()
        let tool = JREKeyTool(environment: { ProcessInfo.processInfo.environment[$0] }, runner: recorder, isExecutable: { FileManager.default.isExecutableFile(atPath: $0) })
        _ = try await TLSMaterial.keyBundle(in: try store("client.jks"), fileSystem: LocalFileSystem(), keyTool: tool, deadline: Self.deadline)
        let commands = recorder.commands.withLock { $0 }
        #expect(commands.count == 1)
        for command in commands {
            #expect(!command.arguments.joined(separator: " ").contains(Self.password))
            #expect(command.environment.values.contains(Self.password))
        }
    }

    @Test func anUnreadableStoreIsAConfigurationErrorWithTheWayOut() async throws {
        let wrong = await #expect(throws: SubmitJobError.self) {
            _ = try await TLSMaterial.keyBundle(in: try store("client.jks", password: "Not-The-One-9"), fileSystem: LocalFileSystem(), keyTool: keyTool, deadline: Self.deadline)
        }
        #expect(wrong?.code == .configuration)
        #expect(wrong?.message.contains("password was incorrect") == true, "\(wrong?.message ?? "")")
        #expect(wrong?.message.contains("keytool -importkeystore") == true)
        #expect(wrong?.message.contains("Not-The-One-9") == false)
        for name in ["truststore.jks", "truststore.p12"] {
            let missing = await #expect(throws: SubmitJobError.self) {
                _ = try await TLSMaterial.trustedCertificates(in: try store(name), fileSystem: LocalFileSystem(), keyTool: noKeyTool, deadline: Self.deadline)
            }
            #expect(missing?.code == .configuration)
            #expect(missing?.message.contains("no keytool") == true, "\(missing?.message ?? "")")
            #expect(missing?.message.contains("-deststoretype PKCS12") == true)
        }
        // A PKCS#12 with its key is read without keytool at all.
        let native = try await TLSMaterial.keyBundle(in: try store("client.p12"), fileSystem: LocalFileSystem(), keyTool: noKeyTool, deadline: Self.deadline)
        #expect(native.certificateChain.first == (try pem("client.pem")[0]))
        let notAStore = await #expect(throws: SubmitJobError.self) {
            _ = try await TLSMaterial.keyBundle(in: try store("ca.pem"), fileSystem: LocalFileSystem(), keyTool: keyTool, deadline: Self.deadline)
        }
        #expect(notAStore?.code == .configuration)
    }

    @Test func keytoolsAnswerIsRememberedForTheSameStoreAndPasswordOnly() async throws {
        let cache = TruststoreCache(directory: FileManager.default.temporaryDirectory.appendingPathComponent("submitjob-trustcache-\(UUID().uuidString)").path)
        defer { try? FileManager.default.removeItem(atPath: cache.directory) }
        let ca = try pem("ca.pem")
        let first = try await TLSMaterial.trustedCertificates(in: try store("truststore.jks"), fileSystem: LocalFileSystem(), keyTool: keyTool, cache: cache, deadline: Self.deadline)
        #expect(first == ca)
        let entries = try FileManager.default.contentsOfDirectory(atPath: cache.directory)
        #expect(entries.count == 1)
        let attributes = try FileManager.default.attributesOfItem(atPath: cache.directory + "/" + entries[0])
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        // Without any keytool now: only the cache can answer.
        let again = try await TLSMaterial.trustedCertificates(in: try store("truststore.jks"), fileSystem: LocalFileSystem(), keyTool: noKeyTool, cache: cache, deadline: Self.deadline)
        #expect(again == ca)
        let wrongPassword = await #expect(throws: SubmitJobError.self) {
            _ = try await TLSMaterial.trustedCertificates(in: try store("truststore.jks", password: "Other-1"), fileSystem: LocalFileSystem(), keyTool: noKeyTool, cache: cache, deadline: Self.deadline)
        }
        #expect(wrongPassword?.code == .configuration)
        let otherStore = await #expect(throws: SubmitJobError.self) {
            _ = try await TLSMaterial.trustedCertificates(in: try store("other-truststore.p12"), fileSystem: LocalFileSystem(), keyTool: noKeyTool, cache: cache, deadline: Self.deadline)
        }
        #expect(otherStore?.code == .configuration)
    }

    @Test func pemFilesFromFlags() async throws {
        let settings = TLSSettings(trust: .certificates([try path("ca.pem"), try path("other-ca.pem")]), identity: .pem(certificate: try path("client-chain.pem"), key: try path("client.key")))
        let tls = try await TLSMaterial.configuration(for: settings, fileSystem: LocalFileSystem(), keyTool: noKeyTool, deadline: Self.deadline)
        guard case .certificates(let roots)? = tls.trustRoots else { Issue.record("no trust roots"); return }
        #expect(roots == (try pem("ca.pem") + pem("other-ca.pem")))
        #expect(tls.certificateChain.count == 2)
        let notPEM = await #expect(throws: SubmitJobError.self) {
            _ = try await TLSMaterial.configuration(for: TLSSettings(trust: .certificates([try path("server.p12")])), fileSystem: LocalFileSystem(), keyTool: noKeyTool, deadline: Self.deadline)
        }
        #expect(notPEM?.message.contains("holds no PEM certificate") == true)
    }
}

nonisolated(unsafe) private var materialToRemove: String?

/// The real runner, remembering what it was asked to run.
final class RecordingRunner: ProcessRunner {
    let commands = Mutex<[ProcessCommand]>([])
    func run(_ command: ProcessCommand, deadline: ContinuousClock.Instant) async throws(SubmitJobError) -> ProcessOutcome {
        commands.withLock { $0.append(command) }
        return try await SubprocessRunner().run(command, deadline: deadline)
    }
}
