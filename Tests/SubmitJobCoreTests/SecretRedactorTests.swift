import Testing
@testable import SubmitJobCore

@Suite struct SecretRedactorTests {
    @Test func secretKeysAtAnyCaseAndSpelling() {
        for key in ["password", "PASSWORD", "passWord", "passwd", "pwd", "secret", "secretKey", "fs.s3a.secret.key", "token", "accessKey", "access_key", "fs.s3a.access.key", "sasl.jaas.config", "privateKey"] {
            #expect(SecretRedactor.isSecretKey(key), "\(key)")
        }
        for key in ["username", "user", "url", "jdbcUrl", "name", "column", "path"] {
            #expect(!SecretRedactor.isSecretKey(key), "\(key)")
        }
    }

    @Test func masksSecretsAtAnyDepthKeepingEverythingElseByteExact() throws {
        let text = """
            {"job": {"content": [{"reader": {"name": "mysqlreader", "parameter": {"username": "u", "Password": "p+w%d&x y",
              "connection": [{"jdbcUrl": ["jdbc:mysql://h/db"], "passwd": "2nd"}], "hadoopConfig": {"fs.s3a.secret.key": "s3cr\\"et"},
              "token": {"nested": ["a", 42]}, "pwd": "", "accessKey": null}},
             "writer": {"name": "streamwriter", "parameter": {}}}]}}
            """
        let job = try ChunjunJob(text: text)
        #expect(job.text == text)
        #expect(Set(job.redactor.secrets) == ["p+w%d&x y", "2nd", "s3cr\"et", "a", "42"])
        let expected = text
            .replacing("\"p+w%d&x y\"", with: "\"******\"").replacing("\"2nd\"", with: "\"******\"")
            .replacing("\"s3cr\\\"et\"", with: "\"******\"").replacing("{\"nested\": [\"a\", 42]}", with: "\"******\"")
        #expect(job.redactedText == expected)
        #expect(try JSONParser.parse(job.redactedText).value["job"] != nil)
    }

    @Test func scrubsEveryFormASecretTakesInMessages() {
        let redactor = SecretRedactor(secrets: ["p+w%d&x y", "it's"])
        #expect(redactor.scrub("raw p+w%d&x y, json p+w%d&x y, url p%2Bw%25d%26x+y, sql it''s") == "raw ******, json ******, url ******, sql ******")
        #expect(SecretRedactor(secrets: ["a\"b"]).scrub("{\"password\": \"a\\\"b\"}") == "{\"password\": \"******\"}")
        // A short secret is replaced only as a whole word: messages stay readable.
        #expect(SecretRedactor(secrets: ["a", "42"]).scrub("Caused by: a 42 x42 a.") == "Caused by: ****** ****** x42 ******.")
    }

    @Test func planNeverShowsASecret() throws {
        let job = try ChunjunJob(text: Fixtures.streamJob)
        var options = SubmissionOptions()
        options.conf = [("rest.token", "tok+en"), ("parallelism.default", "2")]
        options.params = [("dbPassword", "hunter2")]
        let plan = try PlanBuilder.build(job: job, dist: Fixtures.releaseDist(), options: options)
        let printed = JSONValue.object(PlanReport.fields(plan: plan, version: FlinkVersion("1.20.3")!, endpoint: nil, jar: nil)).prettyPrinted()
        for secret in ["p+w%d&x y", "p%2Bw%25d%26x+y", "tok+en", "tok%2Ben", "hunter2"] {
            #expect(!printed.contains(secret), "\(secret) leaked")
        }
        #expect(plan.programArgs.contains(JavaURLEncoder.encode(Fixtures.streamJob)))
        #expect(plan.programArgs.contains("dbPassword=hunter2"))
        #expect(plan.redactedProgramArgs.contains("dbPassword=******"))
        #expect(plan.redactor.scrub("Caused by: bad password hunter2 / tok+en") == "Caused by: bad password ****** / ******")
    }
}
