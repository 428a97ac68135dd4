import Synchronization
import Testing
@testable import SubmitJobCore

/// The submitter's decisions, with answers scripted per request. Real clusters are exercised
/// by the integration tests; here are the answers a real cluster cannot be made to give on cue
/// (a lost answer, a jar vanishing between two calls).
@Suite struct RESTSubmitterTests {
    final class ScriptedTransport: HTTPTransport {
        typealias Handler = @Sendable (HTTPRequest) throws -> HTTPResponse
        private let state: Mutex<(handlers: [(String, Handler)], log: [String])>

        init(_ handlers: [(String, Handler)]) { state = Mutex((handlers, [])) }

        var requests: [String] { state.withLock { $0.log } }

        func send(_ request: HTTPRequest, deadline: ContinuousClock.Instant) async throws -> HTTPResponse {
            let call = "\(request.method.rawValue) \(request.url.replacing("http://jm:8081", with: ""))"
            let handler: Handler? = state.withLock { state in
                state.log.append(call)
                guard let i = state.handlers.firstIndex(where: { call.hasPrefix($0.0) }) else { return nil }
                return state.handlers.remove(at: i).1
            }
            // A job nobody scripted is one Flink does not know.
            if handler == nil, call.hasPrefix("GET /jobs/") { return HTTPResponse(status: 404, body: Array(#"{"errors": ["Job could not be found."]}"#.utf8)) }
            guard let handler else { throw TransportError.failed("unscripted \(call)") }
            return try handler(request)
        }
    }

    struct FixedDigestFileSystem: FileSystem {
        func read(_ path: String, limit: Int) throws(SubmitJobError) -> [UInt8] { [] }
        func listDist(at root: String) throws(SubmitJobError) -> ChunjunDist { Fixtures.releaseDist(root: root) }
        func sha256(of path: String) throws(SubmitJobError) -> String { String(repeating: "ab", count: 32) }
        func entries(of directory: String) -> [String]? { nil }
        func isExecutableFile(_ path: String) -> Bool { false }
    }

    /// Names bundles like the real cache and counts the files asked for (a build, when missing).
    final class RecordingBundleStore: PluginBundleStore {
        private let asked = Mutex<[String]>([])
        var files: [String] { asked.withLock { $0 } }
        func name(of bundle: PluginBundle) throws(SubmitJobError) -> String {
            PluginBundle.name(coreDigest: "core", memberDigests: bundle.members.map { _ in "member" }, entries: bundle.members.map(\.entry))
        }
        func file(of bundle: PluginBundle, named name: String, deadline: ContinuousClock.Instant) throws(SubmitJobError) -> String {
            asked.withLock { $0.append(name) }
            return "/cache/bundles/\(name)"
        }
    }

    static let jarName = "chunjun-core-abababababababab.jar"
    static let jobID = "00000000000000000000000000000001"

    static func json(_ text: String, status: Int = 200) -> ScriptedTransport.Handler { { _ in HTTPResponse(status: status, body: Array(text.utf8)) } }
    static func config(_ version: String = "1.20.3") -> (String, ScriptedTransport.Handler) {
        ("GET /config", json(#"{"flink-version": "\#(version)", "features": {"web-submit": true}}"#))
    }
    static func jars(_ names: String...) -> (String, ScriptedTransport.Handler) {
        ("GET /jars", json(#"{"address": "x", "files": [\#(names.enumerated().map { #"{"id": "id\#($0.offset)_\#($0.element)", "name": "\#($0.element)", "uploaded": \#($0.offset)}"# }.joined(separator: ","))]}"#))
    }
    static let upload: (String, ScriptedTransport.Handler) = ("POST /jars/upload", json(#"{"filename": "/tmp/flink-web-upload/new_\#(jarName)", "status": "success"}"#))
    /// The check before the run: Flink does not know the job yet.
    static let unknownJob: (String, ScriptedTransport.Handler) = ("GET /jobs/", json(#"{"errors": ["Job could not be found."]}"#, status: 404))
    static let ran: ScriptedTransport.Handler = json(#"{"jobid": "\#(jobID)"}"#)

    /// `versionDefault`: no `--plugins`, the version decides. Otherwise the tests about the core
    /// jar on 1.12 (whose default is a bundle) say `cluster`.
    func submit(_ transport: ScriptedTransport, version: String = "1.20.3", mode: PluginMode? = nil, versionDefault: Bool = false,
                bundles: RecordingBundleStore = RecordingBundleStore()) async throws(SubmitJobError) -> RESTSubmitter.Result {
        var options = SubmissionOptions()
        options.jobID = Self.jobID
        options.pluginMode = versionDefault ? nil : mode ?? (version.hasPrefix("1.12") ? .cluster : nil)
        let plan = try PlanBuilder.build(job: try ChunjunJob(text: Fixtures.streamJob), dist: Fixtures.releaseDist(), options: options)
        let submitter = RESTSubmitter(client: try FlinkRESTClient(baseURL: "http://jm:8081/", transport: transport), fileSystem: FixedDigestFileSystem(), bundles: bundles, log: { _ in })
        return try await submitter.submit(plan, deadline: .now + .seconds(30))
    }

    @Test func uploadsOnlyWhenTheJarIsAbsent() async throws {
        let fresh = ScriptedTransport([Self.config(), Self.jars("other.jar"), Self.upload, ("POST /jars/new_\(Self.jarName)/run", Self.ran)])
        let first = try await submit(fresh)
        #expect(first.uploaded && first.jarID == "new_\(Self.jarName)" && first.jobID == Self.jobID)

        let again = ScriptedTransport([Self.config(), Self.jars(Self.jarName, Self.jarName), ("POST /jars/id0_\(Self.jarName)/run", Self.ran)])
        let second = try await submit(again)
        #expect(!second.uploaded && second.jarID == "id0_\(Self.jarName)", "the earliest of two copies is used")
        #expect(again.requests == ["GET /config", "GET /jobs/\(Self.jobID)", "GET /jars", "POST /jars/id0_\(Self.jarName)/run"])
    }

    @Test func theCoreJarsBytesMustHashToTheDigestInItsName() async throws {
        let transport = ScriptedTransport([Self.config(), Self.jars(), ("POST /jars/upload", { request in
            guard case .file(_, let fileName, _, let sha256, _) = request.body else { throw TransportError.failed("not a file upload") }
            #expect(fileName == Self.jarName && sha256 == String(repeating: "ab", count: 32))
            return HTTPResponse(status: 200, body: Array(#"{"filename": "/tmp/flink-web-upload/new_\#(Self.jarName)", "status": "success"}"#.utf8))
        }), ("POST /jars/new_\(Self.jarName)/run", Self.ran)])
        #expect(try await submit(transport).uploaded)
    }

    @Test func aJarChangedDuringItsUploadIsTemporaryAndNothingRuns() async throws {
        let transport = ScriptedTransport([Self.config(), Self.jars(), ("POST /jars/upload", { _ in throw TransportError.sourceChanged("/dist/chunjun-core.jar changed during the upload") })])
        let error = await #expect(throws: SubmitJobError.self) { try await submit(transport) }
        #expect(error?.code == .jarChanged && error?.code.exitStatus == 75 && error?.message.contains("Flink stored nothing") == true, "\(String(describing: error))")
        #expect(!transport.requests.contains { $0.hasSuffix("/run") })
    }

    /// Another host uploaded the same jar while ours was on its way: the earliest copy is run,
    /// ours deleted, so every submitter settles on one copy.
    @Test func aCopyUploadedEarlierElsewhereIsUsedAndOursDeleted() async throws {
        let transport = ScriptedTransport([
            Self.config(), Self.jars("other.jar"), Self.upload,
            ("GET /jars", Self.json(#"{"address": "x", "files": [{"id": "new_\#(Self.jarName)", "name": "\#(Self.jarName)", "uploaded": 9}, {"id": "early_\#(Self.jarName)", "name": "\#(Self.jarName)", "uploaded": 8}]}"#)),
            ("DELETE /jars/new_\(Self.jarName)", Self.json("{}")),
            ("POST /jars/early_\(Self.jarName)/run", Self.ran),
        ])
        let result = try await submit(transport)
        #expect(result.jarID == "early_\(Self.jarName)" && result.uploaded)
        #expect(transport.requests.contains("DELETE /jars/new_\(Self.jarName)"))
    }

    @Test(arguments: [502, 503, 504])
    func aGatewaysErrorOnTheRunIsSettledByTheJobID(status: Int) async throws {
        let known = ScriptedTransport([
            Self.config(), Self.unknownJob, Self.jars(Self.jarName),
            ("POST /jars/", Self.json("<html><title>\(status)</title></html>", status: status)),
            ("GET /jobs/\(Self.jobID)", Self.json(#"{"jid": "\#(Self.jobID)", "name": "n", "state": "RUNNING"}"#)),
        ])
        #expect(try await submit(known).jobID == Self.jobID)
        let unknown = ScriptedTransport([
            Self.config(), Self.unknownJob, Self.jars(Self.jarName),
            ("POST /jars/", Self.json("<html><title>\(status)</title></html>", status: status)),
        ])
        let error = await #expect(throws: SubmitJobError.self) { try await submit(unknown) }
        #expect(error?.code == .timedOut && error?.context.first?.1 == .string(Self.jobID) && error?.message.contains("HTTP \(status)") == true)
        #expect(unknown.requests.filter { $0.hasSuffix("/run") }.count == 1, "never sent twice")
    }

    @Test func aLostAnswerIsSettledByLookingTheJobUpNotByRunningAgain() async throws {
        let transport = ScriptedTransport([
            Self.config(), Self.unknownJob, Self.jars(Self.jarName),
            ("POST /jars/", { _ in throw TransportError.timedOut }),
            ("GET /jobs/\(Self.jobID)", Self.json(#"{"jid": "\#(Self.jobID)", "name": "n", "state": "RUNNING"}"#)),
        ])
        let result = try await submit(transport)
        #expect(result.jobID == Self.jobID)
        #expect(transport.requests.filter { $0.hasSuffix("/run") }.count == 1)
    }

    @Test func aLostAnswerForAnUnknownJobIsOutcomeUnknown() async throws {
        let transport = ScriptedTransport([
            Self.config(), Self.jars(Self.jarName),
            ("POST /jars/", { _ in throw TransportError.failed("connection reset by peer") }),
            ("GET /jobs/", Self.json(#"{"errors": ["Job could not be found."]}"#, status: 404)),
        ])
        let error = await #expect(throws: SubmitJobError.self) { try await submit(transport) }
        #expect(error?.code == .timedOut && error?.code.exitStatus == 75)
        #expect(error?.context.first?.1 == .string(Self.jobID))
        #expect(transport.requests.filter { $0.hasSuffix("/run") }.count == 1)
    }

    @Test(arguments: [
        (503, "busy", "looking the job up failed too: Flink at http://jm:8081 is unavailable: GET /jobs/\(jobID) was answered with HTTP 503 (\"busy\")"),
        (401, "{}", "looking the job up failed too: Flink at http://jm:8081 refused GET /jobs/\(jobID) with HTTP 401"),
    ])
    func aLookupThatFailsItselfIsNamedNotTakenForUnknown(status: Int, body: String, cause: String) async throws {
        let transport = ScriptedTransport([
            Self.config(), Self.unknownJob, Self.jars(Self.jarName),
            ("POST /jars/", { _ in throw TransportError.failed("connection reset by peer") }),
            ("GET /jobs/", Self.json(body, status: status)),
        ])
        let error = await #expect(throws: SubmitJobError.self) { try await submit(transport) }
        #expect(error?.code == .timedOut && error?.context.first?.1 == .string(Self.jobID))
        #expect(error?.message.contains(cause) == true, "\(error?.message ?? "")")
    }

    @Test func theSettlingLookupFitsInTheDeadline() {
        let now = ContinuousClock.now
        #expect(FlinkRESTClient.attemptDeadline(before: now + .seconds(120), now: now) == now + .seconds(115))
        #expect(FlinkRESTClient.attemptDeadline(before: now + .seconds(3), now: now) == now + .seconds(2))
        #expect(FlinkRESTClient.attemptDeadline(before: now - .seconds(1), now: now) == now - .seconds(1))
    }

    @Test func aDuplicateIdOfALiveJobIsTheSameSubmission() async throws {
        let transport = ScriptedTransport([
            Self.config("1.12.5"), Self.unknownJob, Self.jars(Self.jarName),
            ("POST /jars/", Self.json(#"{"errors": ["org.apache.flink.runtime.client.DuplicateJobSubmissionException: Job has already been submitted."]}"#, status: 400)),
            ("GET /jobs/\(Self.jobID)", Self.json(#"{"jid": "\#(Self.jobID)", "name": "n", "state": "RUNNING"}"#)),
        ])
        let result = try await submit(transport, version: "1.12.5")
        #expect(result.alreadySubmitted)
        #expect(result.warnings.isEmpty && result.pluginMode == .cluster)
    }

    @Test func aJobThatAlreadyExistsIsNotSubmittedAgainEvenAfterItEnded() async throws {
        // 1.12 accepts the id of an ended job again and would start a second one.
        let transport = ScriptedTransport([
            Self.config("1.12.5"), ("GET /jobs/\(Self.jobID)", Self.json(#"{"jid": "\#(Self.jobID)", "name": "n", "state": "FINISHED"}"#)),
        ])
        let result = try await submit(transport, version: "1.12.5")
        #expect(result.alreadySubmitted && result.jarID == nil)
        #expect(transport.requests == ["GET /config", "GET /jobs/\(Self.jobID)"])
    }

    @Test func aJarThatVanishedIsUploadedAgainOnce() async throws {
        // What 1.12.5 and 1.20.3 answer for an unknown jar id (observed).
        let missing = Self.json(#"{"errors": ["Internal server error.", "<Exception on server side:\njava.util.concurrent.CompletionException: org.apache.flink.runtime.rest.handler.RestHandlerException: Jar file /tmp/flink-web-upload/id0_x.jar does not exist\n\tat org.apache.flink.runtime.webmonitor.handlers.utils.JarHandlerUtils"]}"#, status: 500)
        let transport = ScriptedTransport([
            Self.config(), Self.jars(Self.jarName), ("POST /jars/id0_", missing), Self.upload, ("POST /jars/new_", Self.ran),
        ])
        let result = try await submit(transport)
        #expect(result.uploaded && result.jarID == "new_\(Self.jarName)")

        let stillMissing = ScriptedTransport([
            Self.config(), Self.jars(Self.jarName), ("POST /jars/id0_", missing), Self.upload, ("POST /jars/new_", missing),
        ])
        let error = await #expect(throws: SubmitJobError.self) { try await submit(stillMissing) }
        #expect(error?.code == .flinkRejected)
        #expect(error?.message == "Flink rejected the job: org.apache.flink.runtime.rest.handler.RestHandlerException: Jar file /tmp/flink-web-upload/id0_x.jar does not exist")
    }

    /// The name the recording store gives the stream job's bundle.
    static let bundleName: String = {
        let plan = try! PlanBuilder.build(job: try! ChunjunJob(text: Fixtures.streamJob), dist: Fixtures.releaseDist(), options: SubmissionOptions())
        return try! RecordingBundleStore().name(of: plan.bundle)
    }()

    @Test func belowOneTwentyTheBundleRunsAndIsBuiltOnlyWhenTheClusterLacksIt() async throws {
        let store = RecordingBundleStore()
        let present = ScriptedTransport([Self.config("1.12.5"), Self.jars(Self.jarName, Self.bundleName), ("POST /jars/id1_\(Self.bundleName)/run", Self.ran)])
        let first = try await submit(present, version: "1.12.5", versionDefault: true, bundles: store)
        #expect(first.pluginMode == .bundle && first.jarName == Self.bundleName && !first.uploaded)
        #expect(store.files.isEmpty, "a bundle the cluster has is never built")

        let uploaded = ScriptedTransport([Self.config("1.12.5"), Self.jars(Self.jarName), ("POST /jars/upload", { request in
            guard case .file(_, let fileName, let path, let sha256, _) = request.body else { throw TransportError.failed("not a file upload") }
            #expect(fileName == Self.bundleName && path == "/cache/bundles/\(Self.bundleName)")
            #expect(sha256 == nil, "a bundle's name is not the hash of its bytes")
            return HTTPResponse(status: 200, body: Array(#"{"filename": "/tmp/flink-web-upload/new_\#(Self.bundleName)", "status": "success"}"#.utf8))
        }), ("POST /jars/new_\(Self.bundleName)/run", { request in
            guard case .json(let text) = request.body else { throw TransportError.failed("no body") }
            #expect(!text.contains("flinkConfiguration"), "1.12 rejects it, and the bundle needs no classpaths")
            return HTTPResponse(status: 200, body: Array(#"{"jobid": "\#(Self.jobID)"}"#.utf8))
        })])
        let second = try await submit(uploaded, version: "1.12.5", versionDefault: true, bundles: store)
        #expect(second.uploaded && second.jarID == "new_\(Self.bundleName)")
        #expect(store.files == [Self.bundleName])
    }

    @Test func aBundleThatVanishedIsUploadedAgainOnce() async throws {
        let missing = Self.json(#"{"errors": ["Internal server error.", "<Exception on server side:\nRestHandlerException: Jar file /tmp/flink-web-upload/id0_x.jar does not exist"]}"#, status: 500)
        let store = RecordingBundleStore()
        let transport = ScriptedTransport([
            Self.config("1.20.3"), Self.jars(Self.bundleName), ("POST /jars/id0_", missing),
            ("POST /jars/upload", Self.json(#"{"filename": "/tmp/flink-web-upload/new_\#(Self.bundleName)", "status": "success"}"#)),
            ("POST /jars/new_", Self.ran),
        ])
        let result = try await submit(transport, version: "1.20.3", mode: .bundle, bundles: store)
        #expect(result.uploaded && result.pluginMode == .bundle)
        #expect(transport.requests.filter { $0 == "POST /jars/upload" }.count == 1)
        #expect(store.files == [Self.bundleName])
    }

    @Test func classpathsBelowOneTwentyIsAUsageErrorBeforeAnythingIsSent() async throws {
        let transport = ScriptedTransport([Self.config("1.17.2")])
        let error = await #expect(throws: SubmitJobError.self) { try await submit(transport, version: "1.17.2", mode: .classpaths) }
        #expect(error?.code == .usage && error?.code.exitStatus == 64)
        #expect(error?.message.hasPrefix("--plugins classpaths needs Flink 1.20 or later (this cluster is 1.17.2)") == true)
        #expect(transport.requests == ["GET /config"])
    }

    @Test func flinksReasonIsTheInnermostCause() async throws {
        let trace = "org.apache.flink.client.program.ProgramInvocationException: The main method caused an error: boom\n\tat a.b(C.java:1)\nCaused by: java.lang.RuntimeException: outer\n\tat x\nCaused by: java.lang.ClassNotFoundException: com.dtstack.chunjun.connector.stream.source.StreamSourceFactory\n\tat y"
        let transport = ScriptedTransport([
            Self.config(), Self.jars(Self.jarName),
            ("POST /jars/", Self.json(JSONValue.object([("errors", .array([.string(trace)]))]).serialized(), status: 400)),
        ])
        let error = await #expect(throws: SubmitJobError.self) { try await submit(transport) }
        #expect(error?.code == .flinkRejected && error?.code.exitStatus == 1)
        #expect(error?.message == "Flink rejected the job: java.lang.ClassNotFoundException: com.dtstack.chunjun.connector.stream.source.StreamSourceFactory")
        #expect(error?.detail == trace)
    }

    @Test(arguments: [
        (401, "{}", SubmitJobError.Code.authenticationRejected),
        (200, "<html>proxy</html>", .unexpectedResponse),
        (200, #"{"features": {}}"#, .unexpectedResponse),
        (503, "busy", .flinkUnreachable),
        (502, "<html><title>502 Bad Gateway</title></html>", .flinkUnreachable),
        (418, "<html><body>teapot</body></html>", .unexpectedResponse),
    ])
    func answersThatAreNotFlinksBecomeCodes(status: Int, body: String, code: SubmitJobError.Code) async throws {
        let error = await #expect(throws: SubmitJobError.self) { try await submit(ScriptedTransport([("GET /config", Self.json(body, status: status))])) }
        #expect(error?.code == code)
    }

    @Test func webSubmissionTurnedOffIsAConfigurationError() async throws {
        let transport = ScriptedTransport([("GET /config", Self.json(#"{"flink-version": "1.20.3", "features": {"web-submit": false}}"#))])
        let error = await #expect(throws: SubmitJobError.self) { try await submit(transport) }
        #expect(error?.code == .configuration && error?.code.exitStatus == 78)
    }

    @Test func anUnreachableClusterIsSaidSo() async throws {
        let transport = ScriptedTransport([("GET /config", { _ in throw TransportError.unreachable("connection refused") })])
        let error = await #expect(throws: SubmitJobError.self) { try await submit(transport) }
        #expect(error?.code.exitStatus == 69)
        #expect(error?.message == "cannot reach Flink at http://jm:8081: connection refused")
    }
}
