import Testing
@testable import SubmitJobCore

@Suite struct SecretRedactorTests {
    @Test func secretKeysAtAnyCaseAndSpelling() {
        for key in ["password", "PASSWORD", "passWord", "passwd", "pwd", "secret", "secretKey", "fs.s3a.secret.key", "token", "accessKey", "access_key",
                    "fs.s3a.access.key", "sasl.jaas.config", "privateKey",
                    // Chunjun's own spellings in its examples.
                    "assessKey", "access.key", "secret.key", "s3.access-key", "s3.secret-key", "security.ssl-keystore-password", "ssl.key.passphrase"] {
            #expect(SecretRedactor.isSecretKey(key), "\(key)")
        }
        for key in ["username", "user", "url", "jdbcUrl", "name", "column", "path", "primaryKey", "rowkey", "keytab", "principal", "uniqueKey", "isCleanSession"] {
            #expect(!SecretRedactor.isSecretKey(key), "\(key)")
        }
    }

    /// Names normalise by byte when ASCII and through Unicode's lower case otherwise: the Kelvin
    /// sign is a "k", a dotted capital I an "i" and its dot, accents are dropped.
    @Test func namesNormaliseTheSameOnBothPaths() {
        #expect(SecretKeys.normalised("fs.s3a.Secret-KEY_2") == "fss3asecretkey2")
        #expect(SecretKeys.normalised("private\u{212A}ey") == "privatekey")
        #expect(SecretKeys.normalised("\u{130}d") == "id")
        #expect(SecretKeys.normalised("PASSWÖRD") == "passwrd")
        #expect(SecretRedactor.isSecretKey("private\u{212A}ey") && SecretRedactor.isSecretKey("DB_PASS2"))
        #expect(!SecretRedactor.isSecretKey("\u{212A}eytab") && !SecretRedactor.isSecretKey("--"))
    }

    @Test func passAloneMarksASecretAtTheEndOfAName() {
        for key in ["pass", "dbpass", "db_pass", "DB_PASS", "dbPass", "keyPass", "store.pass", "pass2", "mysql_pass_1"] {
            #expect(SecretKeys.standard.isSecret(key), "\(key)")
        }
        for key in ["bypass", "compass", "db.bypass", "passenger", "passive", "passthrough", "trespass", "surpass", "passes"] {
            #expect(!SecretKeys.standard.isSecret(key), "\(key)")
        }
    }

    @Test func thePlatformAddsItsOwnNamesWholeAndNormalised() {
        let keys = SecretKeys(extra: SecretKeys.names(fromList: " connection-ref, ,X_Vault_Path ") + ["sessionid"])
        #expect(keys.extra == ["connectionref", "xvaultpath", "sessionid"])
        for key in ["connectionRef", "CONNECTION_REF", "x.vault.path", "sessionId", "password"] {
            #expect(keys.isSecret(key), "\(key)")
        }
        // Whole names: a longer name is not the platform's.
        for key in ["connectionRefs", "vault", "session"] {
            #expect(!keys.isSecret(key), "\(key)")
        }
        #expect(!SecretKeys.standard.isSecret("connectionRef"))
        #expect(SecretRedactor.maskingAssignments(in: "sessionId=abc, session=x", keys: keys) == "sessionId=******, session=x")
    }

    @Test func credentialHeaderNames() {
        for name in ["Cookie", "Set-Cookie", "Authorization", "Proxy-Authorization", "X-Api-Key", "X-Auth-Token", "X-Session-Id", "Api-Secret", "X-Password"] {
            #expect(SecretKeys.standard.isCredentialHeader(name), "\(name)")
        }
        for name in ["Content-Type", "Accept", "User-Agent", "Keep-Alive", "X-Request-Id", "Host"] {
            #expect(!SecretKeys.standard.isCredentialHeader(name), "\(name)")
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

    @Test func anEscapeBeforeAShortSecretIsABoundary() {
        let dbz = SecretRedactor(secrets: ["dbz"])
        #expect(dbz.scrub("%22password%22%3A%22dbz%22%2C") == "%22password%22%3A%22******%22%2C")
        #expect(dbz.scrub("double %2522dbz%2522") == "double %2522******%2522")
        #expect(dbz.scrub(#"{\"password\":\"dbz\"}"#) == #"{\"password\":\"******\"}"#)
        #expect(dbz.scrub(#"\u0022dbz\u0022 \ndbz\n \tdbz"#) == #"\u0022******\u0022 \n******\n \t******"#)
        // An escaped backslash followed by a letter is text, not an escape: "ndbz" is one word.
        #expect(dbz.scrub(#"C:\\ndbz"#) == #"C:\\ndbz"#)
        // Inside longer words a short secret stays: dbzuser is a user name.
        #expect(dbz.scrub("user dbzuser, xdbz, dbz_1") == "user dbzuser, xdbz, dbz_1")
    }

    @Test func aShortSecretJoinedByADotIsPartOfAVersionOrAnAddress() {
        let one = SecretRedactor(secrets: ["1", "20"])
        #expect(one.scrub("Flink 1.20.3 at 10.0.0.1, chunjun-connector-1.12.8.jar") == "Flink 1.20.3 at 10.0.0.1, chunjun-connector-1.12.8.jar")
        #expect(one.scrub("password=1. Then 1, (1) '1' \"20\"") == "password=******. Then ******, (******) '******' \"******\"")
        // A port is joined by ':' and is masked in free text; structured values keep it (PrintedDocument).
        #expect(SecretRedactor(secrets: ["8081"]).scrub("cannot reach http://localhost:8081") == "cannot reach http://localhost:******")
    }

    @Test func everySpellingOfASecretIsScrubbed() {
        var redactor = SecretRedactor(secrets: ["Hunter2/2024"])
        redactor.add(spelled: [(value: "Hunter2/2024", spelling: #"Hunter\u0032\/2024"#)])
        let forms = ["Hunter2/2024", #"Hunter2\/2024"#, #"Hunter\u0032\/2024"#, "Hunter2%2F2024", "Hunter2%5C%2F2024", "Hunter%5Cu0032%5C%2F2024"]
        for form in forms {
            #expect(redactor.scrub("x \(form) y") == "x ****** y", "\(form)")
        }
    }

    @Test func overlappingSecretsLeaveNoPieceOfEither() {
        #expect(SecretRedactor(secrets: ["123456", "567890"]).scrub("a1234567890b") == "a******b")
    }

    @Test func planNeverShowsASecret() throws {
        let job = try ChunjunJob(text: Fixtures.streamJob)
        var options = SubmissionOptions()
        options.conf = [("rest.token", "tok+en"), ("parallelism.default", "2")]
        options.params = [("dbPassword", "hunter2")]
        let plan = try PlanBuilder.build(job: job, dist: Fixtures.releaseDist(), options: options)
        let printed = JSONValue.object(PlanReport.fields(plan: plan, version: FlinkVersion("1.20.3")!, versionFrom: "--flink-version", mode: .classpaths, endpoint: nil, jar: .init(name: "chunjun-core-0123456789abcdef.jar", present: nil, id: nil))).prettyPrinted()
        for secret in ["p+w%d&x y", "p%2Bw%25d%26x+y", "tok+en", "tok%2Ben", "hunter2"] {
            #expect(!printed.contains(secret), "\(secret) leaked")
        }
        #expect(plan.programArgs.contains(JavaURLEncoder.encode(Fixtures.streamJob)))
        #expect(plan.programArgs.contains("dbPassword=hunter2"))
        #expect(plan.redactedProgramArgs.contains("dbPassword=******"))
        #expect(plan.redactor.scrub("Caused by: bad password hunter2 / tok+en") == "Caused by: bad password ****** / ******")
    }
}
