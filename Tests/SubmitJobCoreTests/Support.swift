import Foundation
@testable import SubmitJobCore

/// Paths the tests read: the repository, its golden files, and the shared corpus beside it.
enum TestPaths {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let golden = repository.appendingPathComponent("Tests/SubmitJobCoreTests/Golden")
    static let shared = repository.deletingLastPathComponent().appendingPathComponent("shared")
    static let corpus = shared.appendingPathComponent("chunjun-examples")
}

/// Compares `actual` with a checked-in golden file; `SUBMITJOB_UPDATE_GOLDEN=1` rewrites it.
func goldenMismatch(_ actual: String, file name: String) throws -> String? {
    let url = TestPaths.golden.appendingPathComponent(name)
    if ProcessInfo.processInfo.environment["SUBMITJOB_UPDATE_GOLDEN"] == "1" {
        try (actual + "\n").write(to: url, atomically: true, encoding: .utf8)
        return nil
    }
    let expected = try String(contentsOf: url, encoding: .utf8)
    return expected == actual + "\n" ? nil : "golden file \(name) differs; expected:\n\(expected)\nactual:\n\(actual)"
}

/// The folders of the Chunjun 1.12.8 release, as a listing with one chunjun jar in each.
enum Fixtures {
    static let connectors = """
        binlog cassandra clickhouse db2 dm doris elasticsearch6 elasticsearch7 emqx file filesystem ftp greenplum hbase14 hbase2
        hdfs hive hive3 http iceberg influxdb kafka kudu mongodb mysql mysqlcdc mysqld oceanbase oceanbasecdc oracle
        oraclelogminer pgwal postgresql rabbitmq redis rocketmq s3 saphana socket solr sqlserver sqlservercdc starrocks
        stream sybase upsert-kafka vertica11
        """.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)

    static func releaseDist(root: String = "/opt/flink/lib/chunjun-dist") -> ChunjunDist {
        var paths = ["chunjun-core.jar", "formats/pbformat/chunjun-formats-pbformat.jar"]
        paths += connectors.map { "connector/\($0)/chunjun-connector-\($0).jar" }
        paths += connectors.map { "connector/\($0)/some-driver-\($0).jar" }
        paths += ["metrics/prometheus/chunjun-metrics-prometheus.jar", "metrics/mysql/chunjun-metrics-mysql.jar"]
        paths += ["dirty-data-collector/log/chunjun-dirty-log.jar", "dirty-data-collector/mysql/chunjun-dirty-mysql.jar"]
        paths += ["restore-plugins/mysql/chunjun-restore-mysql.jar", "ddl-plugins/mysql/chunjun-ddl-mysql.jar", "ddl-plugins/oracle/chunjun-ddl-oracle.jar"]
        return ChunjunDist(root: root, paths: paths)
    }

    static let streamJob = """
        {
          "job": {
            "content": [{
              "reader": {"name": "streamreader", "parameter": {"sliceRecordCount": [3], "column": [{"name": "id", "type": "id"}]}},
              "writer": {"name": "streamwriter", "parameter": {"print": true, "password": "p+w%d&x y"}}
            }],
            "setting": {"speed": {"channel": 1}}
          }
        }
        """
}
