import Foundation
import SubmitJobCore
import Testing

/// `--plugins classpaths|bundle|cluster` against real clusters: Flink 1.12.5 with nothing of
/// Chunjun on its class path (the session image), 1.12.5 with chunjun-dist under lib/ (the
/// standalone image), 1.20.3 and 2.2.1.
@Suite(.serialized, .enabled(if: Harness.configured, "run through `make test`, which starts the Flink clusters"))
struct PluginDeliveryTests {
    func submit(_ cluster: Cluster, dist: String, outDir: String, _ extra: [String] = []) -> [String] {
        ["submit", "--chunjun-dist", dist, "--flink", cluster.url, "--param", "outDir=\(outDir)", "--wait", "finished"] + extra
    }

    /// A cache folder of its own, so what the test sees built is built by this test.
    func environment(_ label: String) throws -> [String: String] {
        ["SUBMITJOB_CACHE_DIR": try Harness.newFolder(label)]
    }

    @Test func onABare112EachPluginSetIsOneBundleBuiltAndUploadedOnce() async throws {
        let cluster = try #require(Harness.cluster112Bare)
        // Another core: a bundle name this cluster has never seen.
        let dist = try Harness.distWithAnotherCore(from: Harness.dist, label: "dist-bundle")
        let environment = try environment("bundle-cache")
        let jarsBefore = try await FlinkREST.jarCount(cluster)

        let out = try Harness.newFolder("bundle-sync")
        let first = try Submitjob.run(submit(cluster, dist: dist, outDir: out), stdin: Harness.fixtureJob, environment: environment)
        #expect(first.status == 0 && first.json?["status"]?["state"] == "FINISHED", "\(first)")
        let bundleName = try #require(first.json?["jar"]?["name"]?.stringValue)
        #expect(PluginBundle.isName(bundleName) && first.json?["pluginMode"] == "bundle" && first.json?["jar"]?["uploaded"] == .bool(true), "\(first)")
        #expect(first.stderr.contains("submitjob: built ") && first.stderr.contains("/bundles/\(bundleName)"), "\(first.stderr)")
        // The job text arrived byte-exact, the rows arrived, main() and the TaskManager loaded
        // the plugin classes from the bundle (nothing of Chunjun is on this cluster's class path).
        #expect(try Data(contentsOf: URL(fileURLWithPath: "\(out)/job.txt")) == Harness.fixtureJob)
        #expect(try String(contentsOfFile: "\(out)/part-0", encoding: .utf8).split(separator: "\n").count == 10)
        let classes = try String(contentsOfFile: "\(out)/classes.txt", encoding: .utf8)
        #expect(classes.contains("com.dtstack.chunjun.Main=file:") && classes.contains("_\(bundleName)\n"), "Main runs from the uploaded bundle: \(classes)")
        for marker in ["lib_connector_stream_chunjun-connector-stream.jar", "lib_metrics_prometheus_chunjun-metrics-prometheus.jar", "lib_formats_chunjun-format-fixture.jar"] {
            #expect(classes.contains(marker), "\(marker) in \(classes)")
        }
        #expect(classes.contains("com.mysql.fixture.MysqlDriverFixture=missing"), "only chunjun*.jar travel")
        let taskManager = try String(contentsOfFile: "\(out)/taskmanager-classes-0.txt", encoding: .utf8)
        // The TaskManager's blob cache holds the job's jars as job_<id>/blob_p-<hash>.
        let jobID = try #require(first.json?["jobId"]?.stringValue)
        #expect(taskManager.contains("StreamSinkFunction=file:") && taskManager.contains("/job_\(jobID)/blob_p-") && !taskManager.contains("=missing"), "\(taskManager)")
        #expect(first.leaks().isEmpty, "\(first)")

        // Same plugin set: nothing built, nothing uploaded.
        let second = try Submitjob.run(submit(cluster, dist: dist, outDir: try Harness.newFolder("bundle-again")), stdin: Harness.fixtureJob, environment: environment)
        #expect(second.status == 0 && second.json?["jar"]?["name"]?.stringValue == bundleName && second.json?["jar"]?["uploaded"] == .bool(false), "\(second)")
        #expect(!second.stderr.contains("built") && !second.stderr.contains("uploading"), "\(second.stderr)")

        // A SQL job needs another plugin set (its connector only): a second bundle.
        let sqlOut = try Harness.newFolder("bundle-sql")
        let sql = try Submitjob.run(submit(cluster, dist: dist, outDir: sqlOut), stdin: Harness.sqlScript, environment: environment)
        #expect(sql.status == 0 && sql.json?["status"]?["state"] == "FINISHED", "\(sql)")
        let sqlBundle = try #require(sql.json?["jar"]?["name"]?.stringValue)
        #expect(PluginBundle.isName(sqlBundle) && sqlBundle != bundleName && sql.json?["jar"]?["uploaded"] == .bool(true))
        #expect(try Data(contentsOf: URL(fileURLWithPath: "\(sqlOut)/job.txt")) == Harness.sqlScript)
        #expect(try String(contentsOfFile: "\(sqlOut)/part-0", encoding: .utf8).split(separator: "\n").count == 6)
        #expect(try String(contentsOfFile: "\(sqlOut)/classes.txt", encoding: .utf8).contains("lib_connector_stream_chunjun-connector-stream.jar"))
        #expect(sql.leaks(Harness.sqlPassword).isEmpty, "\(sql)")
        #expect(try await FlinkREST.jarCount(cluster) == jarsBefore + 2, "two bundles, each uploaded once")

        // Both bundles sit in the local cache, and plan says the cluster has them.
        let cached = try FileManager.default.contentsOfDirectory(atPath: "\(environment["SUBMITJOB_CACHE_DIR"]!)/bundles")
        #expect(Set(cached) == [bundleName, sqlBundle])
        let plan = try Submitjob.run(["plan", "--chunjun-dist", dist, "--flink", cluster.url, "--param", "outDir=/x"], stdin: Harness.fixtureJob, environment: environment)
        #expect(plan.json?["pluginMode"] == "bundle" && plan.json?["jar"]?["name"]?.stringValue == bundleName && plan.json?["jar"]?["present"] == .bool(true), "\(plan)")
        guard case .array(let members)? = plan.json?["jar"]?["members"] else { Issue.record("\(plan)"); return }
        #expect(members.compactMap { $0["entry"]?.stringValue } == ["lib/formats/chunjun-format-fixture.jar", "lib/connector/stream/chunjun-connector-stream.jar", "lib/metrics/prometheus/chunjun-metrics-prometheus.jar"])

        // jars prune knows bundles.
        let prune = try Submitjob.run(["jars", "prune", "--flink", cluster.url, "--keep-bundles", "1", "--dry-run"])
        guard case .array(let deleted)? = prune.json?["deleted"] else { Issue.record("\(prune)"); return }
        #expect(deleted.contains { $0["name"]?.stringValue == bundleName && $0["kind"] == "bundle" }, "\(prune)")
        #expect(prune.json?["kept"]?[0]?["name"]?.stringValue == sqlBundle, "\(prune)")
    }

    @Test func clusterModeUploadsOnlyTheCoreAndLoadsThePluginsFromLib() async throws {
        let cluster = try #require(Harness.cluster112Lib)
        let out = try Harness.newFolder("cluster-mode")
        // As the standalone image sets it.
        let run = try Submitjob.run(submit(cluster, dist: Harness.dist, outDir: out), stdin: Harness.fixtureJob, environment: ["SUBMITJOB_PLUGINS": "cluster"])
        #expect(run.status == 0 && run.json?["status"]?["state"] == "FINISHED", "\(run)")
        #expect(run.json?["pluginMode"] == "cluster" && run.json?["jar"]?["name"]?.stringValue?.hasPrefix("chunjun-core-") == true, "\(run)")
        let classes = try String(contentsOfFile: "\(out)/classes.txt", encoding: .utf8)
        #expect(classes.contains("StreamSourceFactory=file:") && classes.contains("/lib/chunjun-dist/connector/stream/chunjun-connector-stream.jar"), "\(classes)")
        let taskManager = try String(contentsOfFile: "\(out)/taskmanager-classes-0.txt", encoding: .utf8)
        #expect(taskManager.contains("/lib/chunjun-dist/connector/stream/chunjun-connector-stream.jar"), "\(taskManager)")

        // The same on the bare 1.12: Flink itself fails the job, naming the missing class.
        let bare = try #require(Harness.cluster112Bare)
        let missing = try Submitjob.run(["submit", "--chunjun-dist", Harness.dist, "--flink", bare.url, "--param", "outDir=\(try Harness.newFolder("cluster-bare"))", "--plugins", "cluster"], stdin: Harness.fixtureJob)
        #expect(missing.status == 1 && missing.errorMessage.contains("ClassNotFoundException: com.dtstack.chunjun.connector.stream.source.StreamSourceFactory"), "\(missing)")
    }

    @Test(arguments: Harness.clusters.filter { ["1.20", "2.2"].contains($0.version) })
    func aBundleCanBeForcedFrom120On(cluster: Cluster) async throws {
        let out = try Harness.newFolder("bundle-forced")
        let run = try Submitjob.run(submit(cluster, dist: cluster.dist, outDir: out, ["--plugins", "bundle"]), stdin: Harness.fixtureJob, environment: try environment("bundle-forced-cache"))
        #expect(run.status == 0 && run.json?["status"]?["state"] == "FINISHED", "\(run)")
        #expect(run.json?["pluginMode"] == "bundle" && PluginBundle.isName(run.json?["jar"]?["name"]?.stringValue ?? ""), "\(run)")
        #expect(try String(contentsOfFile: "\(out)/classes.txt", encoding: .utf8).contains("lib_connector_stream_chunjun-connector-stream.jar"))
        let jobID = try #require(run.json?["jobId"]?.stringValue)
        #expect(try String(contentsOfFile: "\(out)/taskmanager-classes-0.txt", encoding: .utf8).contains("/job_\(jobID)/blob_p-"))
        let plan = try Submitjob.run(["plan", "--chunjun-dist", cluster.dist, "--flink", cluster.url, "--param", "outDir=/x", "--plugins", "bundle"], stdin: Harness.fixtureJob)
        #expect(plan.json?["flinkRequest"]?["flinkConfiguration"] == nil && plan.json?["jar"]?["present"] == .bool(true), "\(plan)")
    }

    @Test func classpathsBelow120IsAUsageError() throws {
        let cluster = try #require(Harness.cluster112Bare)
        let arguments = ["submit", "--chunjun-dist", Harness.dist, "--flink", cluster.url, "--param", "outDir=/nowhere"]
        for (extra, environment) in [(["--plugins", "classpaths"], [String: String]()), ([], ["SUBMITJOB_PLUGINS": "classpaths"])] {
            let run = try Submitjob.run(arguments + extra, stdin: Harness.fixtureJob, environment: environment)
            #expect(run.status == 64 && run.errorCode == "usage", "\(run)")
            #expect(run.errorMessage.hasPrefix("--plugins classpaths needs Flink 1.20 or later (this cluster is 1.12.5)"), "\(run)")
        }
        let offline = try Submitjob.run(["plan", "--chunjun-dist", Harness.dist, "--flink", "http://127.0.0.1:9", "--flink-version", "1.17.2", "--plugins", "classpaths", "--param", "outDir=/x"], stdin: Harness.fixtureJob)
        #expect(offline.status == 64 && offline.errorCode == "usage", "\(offline)")
        let unknown = try Submitjob.run(arguments, stdin: Harness.fixtureJob, environment: ["SUBMITJOB_PLUGINS": "shipfile"])
        #expect(unknown.status == 64 && unknown.errorMessage.contains("must be classpaths, bundle or cluster"), "\(unknown)")
    }

    /// 200 MB of plugins: the bundle is built and uploaded with a peak RSS that does not grow with
    /// them (streamed both ways), and the work reports its progress on stderr.
    @Test func twoHundredMegabytesOfPluginsStreamThrough() async throws {
        let cluster = try #require(Harness.cluster112Bare)
        let dist = try Harness.newFolder("dist-200mb") + "/chunjun-dist"
        try FileManager.default.copyItem(atPath: Harness.dist, toPath: dist)
        // Random bytes, STORED: neither the jar nor the bundle can shrink them.
        let padding = Process()
        padding.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        padding.arguments = ["python3", "-c", """
            import os, sys, zipfile
            with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_STORED) as z:
                for i in range(4): z.writestr("padding/random-%d.bin" % i, os.urandom(50 << 20))
            """, "\(dist)/formats/chunjun-format-padding.jar"]
        try padding.run()
        padding.waitUntilExit()
        #expect(padding.terminationStatus == 0)

        let out = try Harness.newFolder("bundle-200mb")
        let rssFile = "\(out)/peak-rss-kib"
        let run = try Submitjob.runMeasured(submit(cluster, dist: dist, outDir: out), rssFile: rssFile, environment: try environment("bundle-200mb-cache"))
        #expect(run.status == 0 && run.json?["status"]?["state"] == "FINISHED", "\(run)")
        #expect(try String(contentsOfFile: "\(out)/part-0", encoding: .utf8).split(separator: "\n").count == 10)
        let peakKiB = Int(try String(contentsOfFile: rssFile, encoding: .utf8)) ?? .max
        // 200 MB went through; a copy of it in memory would show here.
        #expect(peakKiB < 80 << 10, "peak RSS \(peakKiB) KiB")
        // Not a terminal: one line per step at the end (and at most one every 5 s before it).
        let progress = run.stderr.split(separator: "\n").filter { $0.contains(" MB in ") }
        #expect(progress.contains { $0.hasPrefix("submitjob: building chunjun-bundle-") }, "\(run.stderr)")
        #expect(progress.contains { $0.hasPrefix("submitjob: uploading chunjun-bundle-") }, "\(run.stderr)")
        print("200 MB plugin set: peak RSS \(peakKiB) KiB; \(progress.joined(separator: "; "))")
    }
}

extension Submitjob {
    /// Runs the binary under Python's resource accounting and writes its peak RSS (KiB) to `rssFile`.
    static func runMeasured(_ arguments: [String], job: String = Harness.fixtureJobURL.path, rssFile: String, environment: [String: String]) throws -> Run {
        let measure = """
            import resource, subprocess, sys
            status = subprocess.call(sys.argv[2:], stdin=subprocess.DEVNULL)
            open(sys.argv[1], "w").write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
            sys.exit(status)
            """
        return try start(arguments + ["--job", job], environment: environment, wrapper: ["python3", "-c", measure, rssFile]).finish(limit: 300)
    }
}
