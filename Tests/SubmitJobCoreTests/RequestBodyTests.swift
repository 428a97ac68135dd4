import Testing
@testable import SubmitJobCore

/// Every byte sent to Flink, per version, as reviewable golden files.
@Suite struct RequestBodyTests {
    static func plan(savepoint: Bool) throws -> SubmissionPlan {
        var options = SubmissionOptions()
        options.jobName = "nightly sync"
        options.parallelism = 2
        options.jobID = "0123456789ABCDEF0123456789abcdef"
        options.conf = [("chunjun.dirty-data.output-type", "log"), ("execution.checkpointing.interval", "60 s")]
        options.params = [("day", "2026-11-25")]
        options.remoteDistRoot = "/opt/flink/lib/chunjun-dist/"
        if savepoint {
            options.savepointPath = "file:///savepoints/savepoint-1"
            options.allowNonRestoredState = true
        }
        return try PlanBuilder.build(job: try ChunjunJob(text: Fixtures.streamJob), dist: Fixtures.releaseDist(root: "/local/chunjun-dist"), options: options)
    }

    @Test(arguments: ["1.12.5", "1.15.4", "1.17.2", "1.19.1", "1.20.3", "2.1.1"])
    func runBody(version: String) throws {
        let body = JarRunRequest.body(for: try Self.plan(savepoint: true), version: FlinkVersion(version)!, mode: PluginMode.defaultMode(for: FlinkVersion(version)!))
        if let mismatch = try goldenMismatch(body.prettyPrinted(), file: "run-body-\(version).json") { Issue.record("\(mismatch)") }
    }

    @Test func planReport() throws {
        let plan = try Self.plan(savepoint: false)
        let report = JSONValue.object(PlanReport.fields(plan: plan, version: FlinkVersion("1.12.5")!, versionFrom: "--flink-version", mode: .bundle, endpoint: try FlinkEndpoint.resolve(.init(flag: "http://jm:8081")), jar: .init(name: "chunjun-bundle-0011223344556677.jar", present: false, id: nil)))
        if let mismatch = try goldenMismatch(report.prettyPrinted(), file: "plan-stream-sync-1.12.5.json") { Issue.record("\(mismatch)") }
    }

    @Test func savepointGoesToFlinkAndToChunjun() throws {
        let plan = try Self.plan(savepoint: true)
        let confProp = plan.programArgs[plan.programArgs.firstIndex(of: "-confProp")! + 1]
        #expect(confProp == JavaURLEncoder.encode(#"{"chunjun.dirty-data.output-type":"log","execution.checkpointing.interval":"60 s","execution.savepoint.path":"file:///savepoints/savepoint-1"}"#))
        #expect(plan.savepointPath == "file:///savepoints/savepoint-1")
        #expect(plan.jobID == "0123456789abcdef0123456789abcdef")
    }

    @Test func optionsAreValidated() throws {
        let job = try ChunjunJob(text: Fixtures.streamJob)
        func message(_ change: (inout SubmissionOptions) -> Void) -> String? {
            var options = SubmissionOptions()
            change(&options)
            do { _ = try PlanBuilder.build(job: job, dist: Fixtures.releaseDist(), options: options); return nil } catch { return "\(error.code.exitStatus) \(error.message)" }
        }
        #expect(message { $0.parallelism = 0 } == "64 --parallelism must be at least 1, not 0")
        #expect(message { $0.jobID = "xyz" } == "64 --job-id must be 32 hex digits, not \"xyz\"")
        #expect(message { $0.allowNonRestoredState = true } == "64 --allow-non-restored-state needs --savepoint")
        #expect(message { $0.params = [("a", "b,c")] } == "64 --param a=...: Chunjun's -p cannot carry ',' in keys or values, or '=' in keys")
        #expect(message { _ in } == nil)
    }

    @Test func classpathURLsEscapeWhatFlinkCannotCarry() {
        #expect(PlanBuilder.fileURL("/opt/my dist/a;b.jar") == "file:///opt/my%20dist/a%3Bb.jar")
    }
}
