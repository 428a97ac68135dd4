-- Fixture SQL job (-jobType sql) for the chunjun fixture Main; the subset it runs is described in
-- Tests/Fixtures/java/core/com/dtstack/chunjun/Main.java (runSql). A comment with a semicolon; here.
/* Both tables use Chunjun's own stream connector ('stream-x' → connector/stream/).
   Rows are "<rowIndex>,<id>,<name>": 0,0,name_0 ... 5,5,name_5; the evidence files (job.txt,
   args.txt, classes.txt) and part-0 land in ${outDir}, given with -p outDir=/abs/dir. */
CREATE TABLE source_table (
    id INT,
    name STRING
) WITH (
    'connector' = 'stream-x',
    'sliceRecordCount' = '6',
    'username' = 'fixture',
    'password' = 'p+a%2Bs&s w=o,r''d é😀;--x'
);

CREATE TABLE sink_table (
    id INT,
    name STRING
) WITH (
    'connector' = 'stream-x',
    'path' = '${outDir}',
    'password' = 'p+a%2Bs&s w=o,r''d é😀;--x'
);

INSERT INTO sink_table
SELECT * FROM source_table;
