import Testing
@testable import SubmitJobCore

/// The pure parts of job control: times, ids from keys, counters, masking, pruning, bodies.
@Suite struct JobValuesTests {
    /// Expected values computed with Python's datetime (an independent implementation).
    @Test(arguments: [
        (Int64(0), "1970-01-01T00:00:00.000Z"),
        (1, "1970-01-01T00:00:00.001Z"),
        (951_782_400_123, "2000-02-29T00:00:00.123Z"),
        (-1, "1969-12-31T23:59:59.999Z"),
        (-86_400_001, "1969-12-30T23:59:59.999Z"),
        (1_764_433_201_123, "2025-11-29T16:20:01.123Z"),
        (1_709_251_199_999, "2024-02-29T23:59:59.999Z"),
        (253_402_300_799_999, "9999-12-31T23:59:59.999Z"),
    ])
    func timestampsAreISO8601InUTC(ms: Int64, expected: String) {
        #expect(Timestamp.iso8601(epochMilliseconds: ms) == expected)
    }

    /// Expected ids computed with Python's hashlib: sha256(key.encode()).hexdigest()[:32].
    @Test(arguments: [
        ("sync-task-42", "387c6b8e318cc1e5c4caa6a01fd24b01"),
        ("é😀 key", "72118842414442c223269c9c14c7c584"),
        ("record/2026-11-29#7", "5013120c91967151740608827e534195"),
    ])
    func idempotencyKeysBecomeTheFirst16BytesOfTheirSHA256(key: String, id: String) {
        #expect(SubmissionOptions.jobID(forIdempotencyKey: key) == id)
        #expect(SubmissionOptions.normalizedJobID(id) == id)
    }

    @Test func countersKeepChunjunsNamesFirstAndEveryOtherAccumulatorByName() throws {
        let accumulators = try JSONParser.parse("""
            {"job-accumulators": [], "user-task-accumulators": [
              {"name": "readDuration", "type": "LongCounter", "value": "5123"},
              {"name": "numWrite", "type": "LongCounter", "value": "40"},
              {"name": "endLocation", "type": "StringAccumulator", "value": "binlog.000003:154"},
              {"name": "numRead", "type": "LongCounter", "value": "42"},
              {"name": "ratio", "type": "DoubleCounter", "value": "0.5"},
              {"name": "nErrors", "type": "LongCounter", "value": "0"}],
             "serialized-user-task-accumulators": {}}
            """).value
        let counters = JobCounters(accumulators: accumulators)
        #expect(counters.json.serialized() == #"{"numRead":42,"numWrite":40,"nErrors":0,"endLocation":"binlog.000003:154","ratio":0.5,"readDuration":5123}"#)
        #expect(counters.integer("numRead") == 42)
        #expect(JobCounters(accumulators: .object([])).json == .object([]))
    }

    @Test(arguments: [
        ("cannot connect to jdbc:mysql://db:3306/x?user=etl&password=Fail0ver-Secret#42 (timeout)",
         "cannot connect to jdbc:mysql://db:3306/x?user=etl&password=****** (timeout)"),
        (#"{"username": "u", "password": "a \"quoted\" b", "pwd":"x"}"#, #"{"username": "u", "password": "******", "pwd":"******"}"#),
        ("WITH ('connector' = 'mysql-x', 'password' = 'p w', 'url' = 'jdbc:x')", "WITH ('connector' = 'mysql-x', 'password' = '******', 'url' = 'jdbc:x')"),
        ("fs.s3a.secret.key: AKIA/xyz+1, next", "fs.s3a.secret.key: ******, next"),
        ("Access denied for user 'etl'@'10.0.0.1' (using password: YES)", "Access denied for user 'etl'@'10.0.0.1' (using password: ******)"),
        ("org.example.TokenExpiredException: token expired at noon", "org.example.TokenExpiredException: token expired at noon"),
        ("password=******", "password=******"),
        ("no secrets here: user=etl, path=/a/b", "no secrets here: user=etl, path=/a/b"),
    ])
    func secretLookingAssignmentsInFreeTextAreMasked(text: String, expected: String) {
        #expect(SecretRedactor.maskingAssignments(in: text) == expected)
    }

    @Test func rootCausesFromFlinkAreMasked() {
        let trace = "org.apache.flink.runtime.JobException: Recovery is suppressed\nCaused by: java.lang.RuntimeException: fixture reader failed after 30 records: jdbc:mysql://db/sales?password=S3cret!\n\tat x"
        #expect(FlinkErrorText.reason(from: [trace]) == "java.lang.RuntimeException: fixture reader failed after 30 records: jdbc:mysql://db/sales?password=******")
    }

    @Test func pruningKeepsTheNewestNamesAndTouchesNothingElse() {
        func jar(_ id: String, _ name: String, _ uploaded: Int) -> FlinkRESTClient.Jar { .init(id: id, name: name, uploaded: Int64(uploaded)) }
        let a = "chunjun-core-aaaaaaaaaaaaaaaa.jar", b = "chunjun-core-bbbbbbbbbbbbbbbb.jar", c = "chunjun-core-cccccccccccccccc.jar"
        let jars = [
            jar("1_\(a)", a, 100), jar("2_\(b)", b, 200), jar("3_\(c)", c, 300), jar("4_\(c)", c, 310),
            jar("5_other.jar", "other.jar", 50), jar("6_chunjun-core.jar", "chunjun-core.jar", 10),
            jar("7_chunjun-core-AAAAAAAAAAAAAAAA.jar", "chunjun-core-AAAAAAAAAAAAAAAA.jar", 5),
        ]
        let pruning = JarHousekeeping.prune(jars, keep: 1, keepBundles: 0)
        #expect(pruning.keep.map(\.id) == ["3_\(c)"], "the earliest copy of the newest name: the one submissions use")
        #expect(pruning.delete.map(\.id) == ["4_\(c)", "2_\(b)", "1_\(a)"], "later duplicates of a kept name go too")
        #expect(JarHousekeeping.prune(jars, keep: 0, keepBundles: 0).delete.count == 4)
        #expect(JarHousekeeping.prune(jars, keep: 5, keepBundles: 0).delete.map(\.id) == ["4_\(c)"])
        #expect(JarHousekeeping.prune(jars, keep: 2, keepBundles: 0).keep.map(\.id) == ["3_\(c)", "2_\(b)"])
    }

    // 1.14.6 and 1.15.4 stand either side of the line make compat found live: 1.14 refuses triggerId.
    @Test(arguments: ["1.12.5", "1.14.6", "1.15.4", "1.20.3", "2.2.1"])
    func savepointAndStopBodies(version: String) throws {
        let v = try #require(FlinkVersion(version))
        let trigger = "0123456789abcdef0123456789abcdef"
        let bodies = JSONValue.object([
            ("POST /jobs/:id/savepoints", SavepointRequest.savepointBody(directory: "file:///savepoints", triggerID: trigger, version: v)),
            ("POST /jobs/:id/savepoints (no directory)", SavepointRequest.savepointBody(directory: nil, triggerID: trigger, version: v)),
            ("POST /jobs/:id/stop", SavepointRequest.stopBody(directory: "s3://bucket/savepoints", drain: false, triggerID: trigger, version: v)),
            ("POST /jobs/:id/stop (drain, no directory)", SavepointRequest.stopBody(directory: nil, drain: true, triggerID: trigger, version: v)),
        ])
        if let mismatch = try goldenMismatch(bodies.prettyPrinted(), file: "savepoint-bodies-\(version).json") { Issue.record("\(mismatch)") }
    }
}
