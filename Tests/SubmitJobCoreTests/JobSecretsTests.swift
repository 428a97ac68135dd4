import Testing
@testable import SubmitJobCore

/// What counts as a secret in a job, and how it is masked where it stands.
@Suite struct JobSecretsTests {
    static func sync(reader: String, writer: String = #""print": true"#) -> String {
        #"{"job": {"content": [{"reader": {"name": "streamreader", "parameter": {"#+reader+#"}}, "writer": {"name": "streamwriter", "parameter": {"#+writer+#"}}}]}}"#
    }

    @Test func credentialHeadersAsPairsOrObjectsAreMaskedOnlyInsideHeaders() throws {
        let text = Self.sync(
            reader: #""header": [{"key": "Cookie", "value": "JSESSIONID=c00k1e"}, {"key": "Content-Type", "value": "text/plain"}, {"name": "X-Api-Key", "value": "k3y-v4l"}], "primaryKey": "id", "rowkey": "rk", "body": [{"key": "token", "value": "visible-body"}]"#,
            writer: #""headers": {"Authorization": "Bearer 4uth", "Proxy-Authorization": "Basic cHJveHk=", "Set-Cookie": "s=1", "X-Session-Id": "5e55", "Accept": "*/*"}"#)
        let job = try ChunjunJob(text: text)
        #expect(Set(job.redactor.secrets) == ["JSESSIONID=c00k1e", "k3y-v4l", "Bearer 4uth", "Basic cHJveHk=", "s=1", "5e55"])
        let masked = job.redactedText
        for visible in [#""key": "Cookie""#, #""value": "text/plain""#, #""name": "X-Api-Key""#, #""primaryKey": "id""#, #""rowkey": "rk""#,
                        #""value": "visible-body""#, #""Accept": "*/*""#] {
            #expect(masked.contains(visible), "\(visible)")
        }
        for hidden in [#""key": "Cookie", "value": "******""#, #""Authorization": "******""#, #""X-Session-Id": "******""#, #""Set-Cookie": "******""#] {
            #expect(masked.contains(hidden), "\(hidden)")
        }
        #expect(try JSONParser.parse(masked).value["job"] != nil)
    }

    @Test func headersWrittenAsJSONInsideAString() throws {
        let job = try ChunjunJob(text: Self.sync(reader: #""header": "{\"Cookie\": \"c00k1e\", \"Content-Type\": \"json\"}""#))
        #expect(job.redactor.secrets == ["c00k1e"])
        #expect(job.redactedText.contains(#""header": "******""#))
    }

    @Test func urlCredentialsAreMaskedAloneWhereTheStringHasNoEscapes() throws {
        let text = Self.sync(
            reader: #""connection": [{"jdbcUrl": ["jdbc:mysql://etl:Us3rinfo@db:3306/x?useSSL=false&password=Qu3ry&x=1"]}], "note": "see http://example.com/a?b=c""#,
            writer: #""url": "jdbc:sqlserver://db:1433;databaseName=x;password=Jdbc-P4ss;encrypt=true", "oracle": "jdbc:oracle:thin:scott/T1ger@//db:1521/orcl", "escaped": "mongodb:\/\/u:Esc4ped@h\/db""#)
        let job = try ChunjunJob(text: text)
        #expect(Set(job.redactor.secrets) == ["Us3rinfo", "Qu3ry", "Jdbc-P4ss", "T1ger", "Esc4ped"])
        let masked = job.redactedText
        #expect(masked.contains(#"["jdbc:mysql://etl:******@db:3306/x?useSSL=false&password=******&x=1"]"#))
        #expect(masked.contains(#""url": "jdbc:sqlserver://db:1433;databaseName=x;password=******;encrypt=true""#))
        #expect(masked.contains(#""oracle": "jdbc:oracle:thin:scott/******@//db:1521/orcl""#))
        #expect(masked.contains(#""note": "see http://example.com/a?b=c""#))
        // Escapes in the source: the bytes no longer line up, the whole value goes.
        #expect(masked.contains(#""escaped": "******""#))
    }

    @Test func urlCredentialRanges() {
        func credentials(_ url: String) -> [String] {
            let bytes = Array(url.utf8)
            return URLCredentials.ranges(in: url, keys: .standard).map { String(decoding: bytes[$0], as: UTF8.self) }
        }
        #expect(credentials("https://user:p%40ss@host/path?token=t0k#frag") == ["p%40ss", "t0k"])
        #expect(credentials("mongodb://u:p@h1,h2/db?authSource=admin") == ["p"])
        #expect(credentials("jdbc:postgresql://h/db?user=u&pwd=x&dbpass=y;pass=z") == ["x", "y", "z"])
        #expect(credentials("https://user@host/path?primaryKey=id&bypass=1") == [])
        #expect(credentials("user=u&password=not-a-url") == [])
        #expect(credentials("jdbc:oracle:thin:@//db:1521/orcl") == [])
    }

    @Test func sqlOptionsUrlsAndJSONHeaders() throws {
        let job = try ChunjunJob(text: """
            CREATE TABLE s (id INT) WITH ('connector' = 'http-x', 'url' = 'https://u:Sq1Pass@api/x?token=Sq1Tok',
              'header' = '[{"key": "Authorization", "value": "Bearer Sq1Auth"}, {"key": "Accept", "value": "json"}]',
              'properties' = '{"password": "Pr0p''s"}', 'assessKey' = 'AKIA1');
            INSERT INTO s SELECT 1;
            """)
        #expect(Set(job.redactor.secrets) == ["Sq1Pass", "Sq1Tok", "Bearer Sq1Auth", "Pr0p's", "AKIA1"])
        let masked = job.redactedText
        #expect(masked.contains("'url' = 'https://u:******@api/x?token=******'"))
        #expect(masked.contains(#"'header' = '[{"key": "Authorization", "value": "******"}, {"key": "Accept", "value": "json"}]'"#))
        // '' inside the literal: positions shift, the whole option goes.
        #expect(masked.contains("'properties' = '******'"))
        #expect(masked.contains("'assessKey' = '******'"))
    }

    @Test func secretsInSQLCommentsAndHintsAreMaskedButNameNoConnector() throws {
        let job = try ChunjunJob(text: """
            CREATE TABLE s (id INT) WITH ('connector' = 'stream-x'
              -- ,'password' = 'OldPassw0rd', 'connector' = 'commented-x'
            );
            INSERT INTO s SELECT * FROM t /*+ OPTIONS('secret.key'='H1nted') */;
            """)
        guard case .sql(let script) = job.content else { Issue.record("not SQL"); return }
        #expect(script.chunjunConnectors == ["stream"])
        #expect(Set(job.redactor.secrets) == ["OldPassw0rd", "H1nted"])
        #expect(job.redactedText.contains("-- ,'password' = '******', 'connector' = 'commented-x'"))
        #expect(job.redactedText.contains("/*+ OPTIONS('secret.key'='******') */"))
    }

    @Test func aParamSubstitutedIntoASecretIsASecret() throws {
        let job = try ChunjunJob(text: Self.sync(reader: #""password": "${db}", "jdbcUrl": "jdbc:mysql://h/x?password=${urlpw}", "user": "${user}""#))
        #expect(job.secretPlaceholders == ["db", "urlpw"])
        #expect(job.isSecretOption("db") && job.isSecretOption("urlpw") && job.isSecretOption("dbpass"))
        #expect(!job.isSecretOption("user") && !job.isSecretOption("bypass"))
        var options = SubmissionOptions()
        options.params = [("db", "Subst1tuted"), ("urlpw", "InUrl"), ("user", "etl"), ("dbpass", "P4ram"), ("bypass", "true")]
        let plan = try PlanBuilder.build(job: job, dist: Fixtures.releaseDist(), options: options)
        #expect(plan.redactedProgramArgs.last == "db=******,urlpw=******,user=etl,dbpass=******,bypass=true")
        #expect(plan.programArgs.last == "db=Subst1tuted,urlpw=InUrl,user=etl,dbpass=P4ram,bypass=true")
        #expect(plan.redactor.scrub("Access denied: Subst1tuted InUrl P4ram etl") == "Access denied: ****** ****** ****** etl")
    }

    @Test func urlCredentialsInConfAndParamValues() throws {
        var options = SubmissionOptions()
        options.conf = [("state.checkpoints.dir", "s3://AKIA:Ch3ckp0int@bucket/cp")]
        options.params = [("src", "jdbc:mysql://h/x?password=P4ramUrl")]
        let plan = try PlanBuilder.build(job: try ChunjunJob(text: Fixtures.streamJob), dist: Fixtures.releaseDist(), options: options)
        #expect(JavaURLEncoder.encode(#"{"state.checkpoints.dir":"s3://AKIA:******@bucket/cp"}"#) == plan.redactedProgramArgs[plan.redactedProgramArgs.firstIndex(of: "-confProp")! + 1])
        #expect(plan.redactedProgramArgs.last == "src=jdbc:mysql://h/x?password=******")
        #expect(plan.programArgs.last == "src=jdbc:mysql://h/x?password=P4ramUrl")
        #expect(plan.redactor.scrub("Ch3ckp0int P4ramUrl") == "****** ******")
    }

    @Test func thePlatformsOwnSecretKeys() throws {
        let text = Self.sync(reader: #""connectionRef": "vault:db/etl", "ref": "other""#)
        #expect(try ChunjunJob(text: text).redactor.secrets.isEmpty)
        let job = try ChunjunJob(text: text, secretKeys: SecretKeys(extra: ["connection_ref"]))
        #expect(job.redactor.secrets == ["vault:db/etl"])
        #expect(job.redactedText.contains(#""connectionRef": "******""#))
        #expect(job.isSecretOption("CONNECTION-REF"))
        let sql = try ChunjunJob(text: "CREATE TABLE t (a INT) WITH ('connector' = 'stream-x', 'connection.ref' = 'v1'); INSERT INTO t SELECT 1;",
                                 secretKeys: SecretKeys(extra: ["connectionRef"]))
        #expect(sql.redactedText.contains("'connection.ref' = '******'"))
    }

    @Test func aSecretWrittenWithEscapesIsMaskedInItsOwnSpellingAndScrubbedInEveryForm() throws {
        let job = try ChunjunJob(text: Self.sync(reader: #""password": "Hunter\u0032\/2024""#))
        #expect(job.redactor.secrets == ["Hunter2/2024"])
        #expect(job.redactedText.contains(#""password": "******""#))
        let spelled = JavaURLEncoder.encode(#"Hunter\u0032\/2024"#)
        #expect(job.redactor.scrub("a Hunter2/2024 b \(spelled) c Hunter\\u0032\\/2024 d Hunter2\\/2024") == "a ****** b ****** c ****** d ******")
    }
}
