import Testing
@testable import SubmitJobCore

@Suite struct ChunjunJobTests {
    @Test func infersTheJobType() throws {
        #expect(try ChunjunJob(text: Fixtures.streamJob).type == .sync)
        #expect(try ChunjunJob(text: "  \n{\"job\": {\"content\": [{\"reader\": {\"name\": \"a\", \"parameter\": {}}, \"writer\": {\"name\": \"b\", \"parameter\": {}}}]}}").type == .sync)
        #expect(try ChunjunJob(text: "CREATE TABLE t (a INT) WITH ('connector' = 'stream-x'); INSERT INTO t SELECT 1;").type == .sql)
    }

    @Test func syntaxErrorsNameLineAndColumn() {
        let text = "{\n  \"job\": {\n    \"content\": [}\n}"
        #expect(throws: SubmitJobError(.invalidJob, "the job is not valid JSON: line 3, column 17: unexpected '}', expected a value")) {
            try ChunjunJob(text: text)
        }
        #expect(throws: SubmitJobError(.invalidJob, "the job is not valid JSON: line 1, column 11: expected ',' or '}' after the value of \"a\", found '\"'")) {
            try ChunjunJob(text: "{\"a\": \"é\" \"b\": 1}")
        }
        #expect(throws: SubmitJobError(.invalidJob, "the job is not valid JSON: line 1, column 9: unexpected end of input: an object is not closed")) {
            try ChunjunJob(text: "{\"a\": 1 ")
        }
    }

    @Test func missingFieldsAreNamedByPath() {
        func error(_ text: String) -> String? {
            do { _ = try ChunjunJob(text: text); return nil } catch { return error.message }
        }
        #expect(error("{}") == "missing field job")
        #expect(error("{\"job\": {}}") == "missing field job.content")
        #expect(error("{\"job\": {\"content\": []}}") == "job.content is empty")
        #expect(error("{\"job\": {\"content\": [{\"writer\": {}}]}}") == "missing field job.content[0].reader")
        #expect(error("{\"job\": {\"content\": [{\"reader\": {\"name\": \"a\"}, \"writer\": {}}]}}") == "missing field job.content[0].reader.parameter")
        #expect(error("{\"job\": {\"content\": [{\"reader\": {\"name\": \"a\", \"parameter\": {}}, \"writer\": {\"name\": 3, \"parameter\": {}}}]}}")
            == "job.content[0].writer.name must be a string, not a number")
        #expect(error("{\"job\": {\"content\": [{\"reader\": {\"name\": \"a\", \"parameter\": {}, \"table\": {\"tableName\": \"t\"}}, \"writer\": {\"name\": \"b\", \"parameter\": {}}, \"transformer\": {\"transformSql\": \"select 1\"}}]}}")
            == "missing field job.content[0].writer.table.tableName (a transformer needs it)")
        #expect(error("   ") == "the job is empty")
        #expect(error("-- only a comment\n") == "the SQL job has no statements")
        #expect(error("CREATE TABLE t WITH ('a' = 'b);") == "the SQL job has an unterminated string starting at line 1, column 28")
    }

    @Test func aSQLJobMustStartSomething() throws {
        func verdict(_ text: String) -> String {
            do {
                let job = try ChunjunJob(text: text)
                guard case .sql(let script) = job.content else { return "not SQL" }
                return "inserts \(script.insertCount)"
            } catch { return "\(error.code.exitStatus) \(error.message)" }
        }
        let refusal = "65 the job is neither a sync job (a JSON object, starting with '{') nor a SQL job with an INSERT INTO statement (or a statement set): Chunjun would start nothing from its "
        #expect(verdict("Dear team, please sync the orders table tonight.") == refusal + "1 statement(s)")
        #expect(verdict("CREATE TABLE a (id INT) WITH ('connector' = 'stream-x');\nCREATE VIEW v AS SELECT * FROM a;") == refusal + "2 statement(s)")
        #expect(verdict("-- INSERT INTO b SELECT * FROM a;\nCREATE TABLE a (id INT) WITH ('connector' = 'stream-x');") == refusal + "1 statement(s)")
        #expect(verdict("SELECT 'INSERT' FROM a;") == refusal + "1 statement(s)")
        #expect(verdict("create table a (id int) with ('connector' = 'stream-x');\ninsert into a select 1") == "inserts 1")
        #expect(verdict("INSERT OVERWRITE b SELECT * FROM a;") == "inserts 1")
        #expect(verdict("BEGIN STATEMENT SET;\nINSERT INTO b SELECT * FROM a;\nINSERT INTO c SELECT * FROM a;\nEND;") == "inserts 2")
        #expect(verdict("EXECUTE STATEMENT SET BEGIN INSERT INTO b SELECT * FROM a; END;") == "inserts 1")
        #expect(verdict("/* a hint */ Insert Into b SELECT * FROM a;") == "inserts 1")
    }

    @Test func sqlConnectorsAndFormats() throws {
        let job = try ChunjunJob(text: """
            -- 'connector' = 'commented-x' is ignored
            CREATE TABLE a (id INT) WITH ('connector' = 'kafka-x', 'format' = 'protobuf-X', 'password' = 'it''s;secret');
            /* 'connector' = 'ignored-x' */
            CREATE TABLE b (id INT) WITH ('connector' = 'es-x', 'value.format' = 'json');
            CREATE TABLE c (id INT) WITH ('connector' = 'print');
            INSERT INTO b SELECT * FROM a;
            """)
        guard case .sql(let script) = job.content else { Issue.record("not SQL"); return }
        #expect(script.statementCount == 4)
        #expect(script.chunjunConnectors == ["kafka", "es"])
        #expect(script.chunjunFormats == ["protobuf"])
        #expect(job.redactor.secrets == ["it's;secret"])
        #expect(job.redactedText.contains("'password' = '******'"))
        #expect(!job.redactedText.contains("secret'"))
    }
}
