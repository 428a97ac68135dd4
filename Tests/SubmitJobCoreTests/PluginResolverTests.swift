import Testing
@testable import SubmitJobCore

@Suite struct PluginResolverTests {
    @Test(arguments: [
        ("mysqlreader", "mysql"), ("streamwriter", "stream"), ("hbasewriter", "hbase14"), ("esreader", "elasticsearch6"),
        ("tidbreader", "mysql"), ("restapireader", "http"), ("adbpostgresqlwriter", "postgresql"), ("dorisbatchwriter", "doris"),
        ("gbasereader", "gBase"), ("protobuf", "pbformat"), ("kafkasource", "kafka"), ("kafkasink", "kafka"),
        ("oraclelogminerreader", "oraclelogminer"), ("MysqlReader", "MysqlReader"), ("hbase2writer", "hbase2"), ("upsert-kafka", "upsert-kafka"),
    ])
    func nameToFolder(name: String, folder: String) {
        #expect(PluginResolver.folderName(forPluginName: name) == folder)
    }

    @Test func resolvesEveryJarASyncJobNeeds() throws {
        let job = try ChunjunJob(text: Fixtures.streamJob)
        let resolution = try PluginResolver.resolve(job, in: Fixtures.releaseDist(), confProp: [("chunjun.dirty-data.output-type", "jdbc")])
        #expect(resolution.coreJar == "chunjun-core.jar")
        #expect(resolution.plugins.map(\.folder) == ["connector/stream", "metrics/prometheus", "dirty-data-collector/mysql"])
        // Only chunjun*.jar: the driver beside the connector is not Chunjun's to load.
        #expect(resolution.classpathJars == [
            "connector/stream/chunjun-connector-stream.jar", "metrics/prometheus/chunjun-metrics-prometheus.jar",
            "dirty-data-collector/mysql/chunjun-dirty-mysql.jar",
        ])
    }

    @Test func formatsInTheRootOfFormatsJoinEverySyncJob() throws {
        var dist = Fixtures.releaseDist()
        dist.files["formats", default: []] += ["chunjun-format-json.jar", "README.txt"]
        let resolution = try PluginResolver.resolve(try ChunjunJob(text: Fixtures.streamJob), in: dist, confProp: [])
        #expect(resolution.classpathJars.first == "formats/chunjun-format-json.jar")
    }

    @Test func aMissingFolderNamesItAndTheClosestOnes() throws {
        let job = try ChunjunJob(text: Fixtures.streamJob.replacing("streamwriter", with: "phoenix5writer"))
        let error = #expect(throws: SubmitJobError.self) {
            try PluginResolver.resolve(job, in: Fixtures.releaseDist(root: "/d"), confProp: [])
        }
        #expect(error?.code == .missingPlugin)
        #expect(error?.code.exitStatus == 66)
        #expect(error?.message == "no writer plugin folder /d/connector/phoenix5 (closest: doris, emqx, hive)")
    }

    @Test func sqlJobsResolveTheirXConnectorsOnly() throws {
        let job = try ChunjunJob(text: "CREATE TABLE s WITH ('connector' = 'restapi-x'); CREATE TABLE k WITH ('connector' = 'kafka', 'format' = 'protobuf-x'); INSERT INTO k SELECT * FROM s;")
        let resolution = try PluginResolver.resolve(job, in: Fixtures.releaseDist(), confProp: [])
        #expect(resolution.plugins.map(\.folder) == ["connector/http", "formats/pbformat"])
    }

    @Test func aDistWithoutACoreJarIsRejected() throws {
        let dist = ChunjunDist(root: "/empty", paths: ["connector/stream/chunjun-connector-stream.jar", "other.jar"])
        #expect(throws: SubmitJobError.self) { try PluginResolver.resolve(try ChunjunJob(text: Fixtures.streamJob), in: dist, confProp: []) }
    }
}
