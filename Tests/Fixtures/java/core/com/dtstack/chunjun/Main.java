package com.dtstack.chunjun;

import com.dtstack.chunjun.fixture.DistScan;
import com.dtstack.chunjun.fixture.Json;
import com.dtstack.chunjun.fixture.MainArgs;
import com.dtstack.chunjun.fixture.PluginNames;
import com.dtstack.chunjun.fixture.SqlScript;

import org.apache.flink.api.common.typeinfo.BasicTypeInfo;
import org.apache.flink.streaming.api.datastream.DataStreamSink;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UnsupportedEncodingException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * TEST FIXTURE standing in for Chunjun 1.12.8's entry point. It honours the real program-argument
 * contract (see MainArgs) and plugin naming, runs a sync job or a minimal SQL job (see runSql)
 * through the fixture "stream" connector, and leaves evidence files so integration tests can
 * check what a submitter sent:
 *
 * <ul>
 *   <li>{@code job.txt}: the URL-decoded {@code -job} text before {@code -p} substitution, as
 *       UTF-8 bytes (byte-identical to the job file if the submitter encoded it right);
 *   <li>{@code args.txt}: one {@code name=value} line per argument, in the order received;
 *       {@code job=<UTF-8 byte length of job.txt>}, {@code confProp=<decoded JSON>}, other values
 *       as received; backslash, CR and LF escaped as \\ \r \n;
 *   <li>{@code classes.txt}: {@code class=<jar it was loaded from>} or {@code class=missing} for
 *       Main, the reader and writer factories and the marker classes of the metrics, formats and
 *       non-chunjun jars, as seen from the thread context classloader.
 * </ul>
 *
 * With {@code -confProp {"fixture.main-sleep-seconds": "N"}} main() first sleeps N seconds.
 *
 * Like the real Main it scans {@code -chunjunDistDir} on the host running main() (see DistScan):
 * a submitter that points it at an existing dist makes a sync job fail inside Flink.
 *
 * They go into the writer's {@code parameter.path} directory (SQL: the sink table's {@code 'path'}
 * option), after substitution, which must be absolute. Unlike the real Main this one never logs
 * the job text or any argument value.
 */
// SourceFunction, SinkFunction and addSource are deprecated in 1.20 but are the only API common to
// 1.12 and 1.20; 2.x keeps them in "legacy" packages, and build-dist.sh rewrites the names for a
// 2.x build. They are written out in full, not imported: with --release 8 javac flags even the
// import, where @SuppressWarnings cannot reach.
@SuppressWarnings("deprecation")
public class Main {

    private static final Logger LOG = LoggerFactory.getLogger(Main.class);

    /** Marker classes of the non-connector fixture jars; see build-dist.sh. */
    static final String[] MARKER_CLASSES = {
        "com.dtstack.chunjun.metrics.prometheus.PrometheusReport",
        "com.dtstack.chunjun.format.fixture.FixtureFormat",
        "com.mysql.fixture.MysqlDriverFixture",
    };

    public static void main(String[] args) throws Exception {
        MainArgs options = MainArgs.parse(args);
        String jobType = options.require("jobType");
        String job = urlDecode(options.require("job"), "job");
        String confJson = decodeConfProp(options.get("confProp"));
        Map<String, String> confProp = parseConfProp(confJson);
        // A main() that never returns, for tests of a submitter's deadline (`flink run` hangs in it).
        String sleepSeconds = confProp.get("fixture.main-sleep-seconds");
        if (sleepSeconds != null) {
            Thread.sleep(Long.parseLong(sleepSeconds) * 1000L);
        }

        switch (jobType) {
            case "sync":
                runSync(options, job, confJson, confProp);
                break;
            case "sql":
                runSql(options, job, confJson, confProp);
                break;
            default:
                // Chunjun matches the job type exactly: "SYNC" or "Sync" are errors there too.
                throw new IllegalArgumentException(
                        "unknown -jobType '" + jobType + "': must be 'sync' or 'sql' (lower case)");
        }
    }

    // ---------------------------------------------------------------- sync

    private static void runSync(
            MainArgs options, String job, String confJson, Map<String, String> confProp)
            throws Exception {
        String replaced = replaceParameters(job, options.get("p"), options.get("pj"));
        SyncJob sync = SyncJob.parse(replaced);
        // One environment from here to execute(): Chunjun changes its configuration in place.
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        DistScan.registerSync(env, options.get("chunjunDistDir"), sync.readerName, sync.writerName);

        ClassLoader cl = Thread.currentThread().getContextClassLoader();
        if (cl == null) {
            cl = Main.class.getClassLoader();
        }
        String sourceClass = PluginNames.sourceFactoryClass(sync.readerName);
        String sinkClass = PluginNames.sinkFactoryClass(sync.writerName);

        // Evidence first, so that even a run that fails below leaves it behind.
        writeEvidence(outputDir(sync.writerParameter.get("path"), "job.content[0].writer.parameter.path"),
                options, job, confJson, cl, sourceClass, sinkClass);

        org.apache.flink.streaming.api.functions.source.SourceFunction<String> source =
                createFunction(cl, sourceClass, "createSource",
                        org.apache.flink.streaming.api.functions.source.SourceFunction.class,
                        "'" + sync.readerName + "'", sync.readerParameter);
        org.apache.flink.streaming.api.functions.sink.SinkFunction<String> sink =
                createFunction(cl, sinkClass, "createSink",
                        org.apache.flink.streaming.api.functions.sink.SinkFunction.class,
                        "'" + sync.writerName + "'", sync.writerParameter);

        String jobName = options.get("jobName", "Flink_Job");
        LOG.info(
                "chunjun fixture Main: sync job '{}' mode={} reader={} writer={} channel={} "
                        + "readerChannel={} writerChannel={} job text {} bytes (content not logged), {} confProp keys",
                jobName, options.get("mode", "local"), sync.readerName, sync.writerName,
                sync.channel, sync.readerChannel, sync.writerChannel,
                job.getBytes(StandardCharsets.UTF_8).length, confProp.size());

        execute(env, jobName, source, sync.readerName, sync.readerChannel,
                sink, sync.writerName, sync.writerChannel, sync.channel);
    }

    /** source → sink, the one pipeline shape of the fixture (sync and SQL jobs alike). */
    private static void execute(
            StreamExecutionEnvironment env, String jobName,
            org.apache.flink.streaming.api.functions.source.SourceFunction<String> source,
            String sourceName, int sourceParallelism,
            org.apache.flink.streaming.api.functions.sink.SinkFunction<String> sink,
            String sinkName, int sinkParallelism, int parallelism) throws Exception {
        env.setParallelism(parallelism);
        // Typed as SingleOutputStreamOperator so the call links the same way on 1.12 and 1.20.
        SingleOutputStreamOperator<String> stream =
                env.addSource(source, sourceName, BasicTypeInfo.STRING_TYPE_INFO);
        stream.uid("chunjun-fixture-source");
        if (sourceParallelism > 0) {
            stream.setParallelism(sourceParallelism);
        }
        DataStreamSink<String> out = stream.addSink(sink);
        out.name(sinkName);
        out.uid("chunjun-fixture-sink");
        if (sinkParallelism > 0) {
            out.setParallelism(sinkParallelism);
        }
        // Not caught on purpose: under a REST submission execute() hands the graph to Flink's
        // embedded executor, and when Flink only wants the plan (GET /jars/:id/plan) it aborts
        // main() with an exception of its own; either way what execute() throws is Flink's.
        env.execute(jobName);
    }

    // ---------------------------------------------------------------- sql

    /**
     * A minimal SQL job, enough to prove the script arrives intact and its connector jars are on
     * the classpath; there is no Flink planner (its jars differ between 1.12 and 1.20). The
     * accepted subset is SqlScript's: CREATE TABLE ... WITH ('k' = 'v', ...) statements and one
     * {@code INSERT INTO <sink> SELECT * FROM <source>}. Both tables need a
     * {@code 'connector' = '<name>-x'} (Chunjun's own; Flink's connectors would need the planner).
     * {@code <name>} maps like a reader/writer name (PluginNames) to the same factory classes a
     * sync job uses: {@code <Name>SourceFactory} for the source table, {@code <Name>SinkFactory}
     * for the sink table. They get the tables' WITH options (all strings) as their parameter; the
     * source also gets {@code column} = the table's columns as {name, type}, unless it has a
     * 'column' option. With the stream connector, row i is therefore {@code i,<col1>,<col2>...}
     * (see StreamSourceFactory: integer types give i, BOOLEAN even i, others {@code <name>_i}),
     * e.g. {@code 0,0,name_0} for {@code (id INT, name STRING)}; {@code 'sliceRecordCount' = '6'}
     * bounds it (no such option: unbounded). Parallelism is always 1, so all rows go to part-0.
     * -p/-pj substitute ${k} in the script first; job.txt keeps it as received.
     */
    private static void runSql(
            MainArgs options, String job, String confJson, Map<String, String> confProp)
            throws Exception {
        String replaced = replaceParameters(job, options.get("p"), options.get("pj"));
        SqlScript script = SqlScript.parse(replaced);
        SqlScript.Table sourceTable = script.source();
        SqlScript.Table sinkTable = script.sink();
        String sourceName = sqlConnector(sourceTable, "source");
        String sinkName = sqlConnector(sinkTable, "sink");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        for (String name : new String[] {sourceName, sinkName}) {
            DistScan.registerSqlConnector(env, options.get("chunjunDistDir"), options.get("remoteChunJunDistDir"), name);
        }

        ClassLoader cl = Thread.currentThread().getContextClassLoader();
        if (cl == null) {
            cl = Main.class.getClassLoader();
        }
        String sourceClass = PluginNames.sqlSourceFactoryClass(sourceName);
        String sinkClass = PluginNames.sqlSinkFactoryClass(sinkName);

        // Evidence first, so that even a run that fails below leaves it behind.
        writeEvidence(outputDir(sinkTable.options.get("path"),
                        "the 'path' option of sink table '" + sinkTable.name + "'"),
                options, job, confJson, cl, sourceClass, sinkClass);

        Map<String, Object> readerParameter = new LinkedHashMap<String, Object>(sourceTable.options);
        if (!readerParameter.containsKey("column")) {
            List<Object> columns = new ArrayList<>();
            for (String[] c : sourceTable.columns) {
                Map<String, Object> column = new LinkedHashMap<>();
                column.put("name", c[0]);
                column.put("type", c[1]);
                columns.add(column);
            }
            readerParameter.put("column", columns);
        }
        Map<String, Object> writerParameter = new LinkedHashMap<String, Object>(sinkTable.options);

        org.apache.flink.streaming.api.functions.source.SourceFunction<String> source =
                createFunction(cl, sourceClass, "createSource",
                        org.apache.flink.streaming.api.functions.source.SourceFunction.class,
                        sqlPluginDescription(sourceTable, sourceName), readerParameter);
        org.apache.flink.streaming.api.functions.sink.SinkFunction<String> sink =
                createFunction(cl, sinkClass, "createSink",
                        org.apache.flink.streaming.api.functions.sink.SinkFunction.class,
                        sqlPluginDescription(sinkTable, sinkName), writerParameter);

        String jobName = options.get("jobName", "Flink_Job");
        LOG.info(
                "chunjun fixture Main: sql job '{}' mode={} INSERT INTO {} ({}-x) SELECT * FROM {} ({}-x);"
                        + " {} tables, job text {} bytes (content not logged), {} confProp keys",
                jobName, options.get("mode", "local"), sinkTable.name, sinkName, sourceTable.name,
                sourceName, script.tables.size(), job.getBytes(StandardCharsets.UTF_8).length,
                confProp.size());

        execute(env, jobName, source, sourceTable.name, -1, sink, sinkTable.name, -1, 1);
    }

    /** The table's 'connector' = '<name>-x' → name; Flink's own connectors are refused. */
    private static String sqlConnector(SqlScript.Table table, String role) {
        String connector = table.options.get("connector");
        if (connector == null) {
            throw new IllegalArgumentException(
                    role + " table '" + table.name + "' (line " + table.line + ") has no 'connector' option");
        }
        String name = PluginNames.sqlConnectorName(connector);
        if (name == null) {
            throw new IllegalArgumentException(
                    role + " table '" + table.name + "' uses 'connector' = '" + connector + "', one of"
                            + " Flink's own: the chunjun fixture has no SQL planner and runs only"
                            + " Chunjun's '<name>-x' connectors");
        }
        return name;
    }

    private static String sqlPluginDescription(SqlScript.Table table, String name) {
        return "table '" + table.name + "', 'connector' = '" + table.options.get("connector")
                + "', plugin folder " + PluginNames.connectorFolder(name);
    }

    // ---------------------------------------------------------------- arguments

    private static String urlDecode(String value, String name) {
        try {
            return URLDecoder.decode(value, "UTF-8");
        } catch (IllegalArgumentException e) {
            // Java's message names only the bad escape; keep it as the cause.
            throw new IllegalArgumentException(
                    "-" + name + " is not URL-encoded text (Chunjun decodes it with"
                            + " URLDecoder.decode(s, \"UTF-8\"))", e);
        } catch (UnsupportedEncodingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Chunjun URL-decodes -confProp before reading it as JSON; absent or blank means {}. */
    private static String decodeConfProp(String raw) {
        if (raw == null || raw.trim().isEmpty()) {
            return "{}";
        }
        return urlDecode(raw, "confProp");
    }

    private static Map<String, String> parseConfProp(String json) {
        Map<String, Object> obj;
        try {
            obj = Json.parseObject(json);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "-confProp (after URL-decoding) is not a JSON object: " + e.getMessage(), e);
        }
        Map<String, String> conf = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : obj.entrySet()) {
            conf.put(e.getKey(), e.getValue() == null ? null : Json.scalarText(e.getValue()));
        }
        return conf;
    }

    /**
     * {@code -p k1=v1,k2=v2} then {@code -pj {"k":"v"}}: each replaces {@code ${k}} in the job
     * text. -p is split like Chunjun 1.12 does (JobUtil.CommandTransform): on ',' (empty items
     * dropped), then each item on '=' keeping only the first two parts, trimmed. So a value can
     * hold neither ',' nor '=' (after '=' it is silently cut), exactly as in Chunjun.
     */
    static String replaceParameters(String job, String p, String pj) {
        Map<String, String> params = new LinkedHashMap<>();
        if (p != null && !p.trim().isEmpty()) {
            int n = 0;
            for (String item : p.split(",")) {
                if (item.isEmpty()) continue;
                n++;
                String[] kv = item.split("=");
                if (kv.length < 2) {
                    // Chunjun fails here with ArrayIndexOutOfBoundsException.
                    throw new IllegalArgumentException(
                            "-p item #" + n + " has no '=value' (expected k1=v1,k2=v2)");
                }
                params.put(kv[0].trim(), kv[1].trim());
            }
        }
        if (pj != null && !pj.trim().isEmpty()) {
            Map<String, Object> obj;
            try {
                obj = Json.parseObject(pj);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("-pj is not a JSON object: " + e.getMessage(), e);
            }
            for (Map.Entry<String, Object> e : obj.entrySet()) {
                params.put(e.getKey(), Json.scalarText(e.getValue()));
            }
        }
        for (Map.Entry<String, String> e : params.entrySet()) {
            job = job.replace("${" + e.getKey() + "}", e.getValue());
        }
        return job;
    }

    // ---------------------------------------------------------------- plugins

    /**
     * Loads a connector factory from the thread context classloader (the user-code classloader
     * Flink sets while main() runs) and calls its {@code create*(Map)} method. Reflection, not a
     * shared interface: when chunjun-core.jar is both uploaded (child-first) and under Flink's
     * lib/, an interface from the core jar would exist twice and the cast would fail; Flink's
     * own types are always parent-first, so casting to SourceFunction/SinkFunction is safe.
     */
    @SuppressWarnings("unchecked")
    private static <T> T createFunction(
            ClassLoader cl, String className, String method, Class<?> expected,
            String what, Map<String, Object> parameter) throws Exception {
        Class<?> clazz;
        try {
            clazz = Class.forName(className, true, cl);
        } catch (ClassNotFoundException e) {
            throw new RuntimeException(
                    "Chunjun plugin class " + className + " (for " + what + ") is not on the"
                            + " classpath: the connector jar is missing from the user-code classloader"
                            + " (put chunjun-dist under Flink's lib/, or pass its jars as classpaths)", e);
        }
        Object factory = clazz.getConstructor().newInstance();
        Method m = clazz.getMethod(method, Map.class);
        Object fn;
        try {
            fn = m.invoke(factory, parameter);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Exception) throw (Exception) cause;
            if (cause instanceof Error) throw (Error) cause;
            throw e;
        }
        if (!expected.isInstance(fn)) {
            throw new IllegalStateException(className + "." + method + " returned "
                    + (fn == null ? "null" : fn.getClass().getName()) + ", not a " + expected.getName());
        }
        return (T) fn;
    }

    // ---------------------------------------------------------------- evidence

    /** The sink's path (where evidence and rows go): absolute, placeholders replaced. */
    private static Path outputDir(Object p, String where) {
        if (!(p instanceof String) || ((String) p).isEmpty()) {
            throw new IllegalArgumentException(
                    where + " must be a non-empty string (the fixture writes its output and evidence there)");
        }
        String path = (String) p;
        if (path.contains("${")) {
            throw new IllegalArgumentException(
                    where + " still holds an unreplaced ${...} placeholder: pass it with -p name=value");
        }
        Path dir = Paths.get(path);
        if (!dir.isAbsolute()) {
            throw new IllegalArgumentException(
                    where + " must be absolute (main() runs in the JobManager, whose working directory is not yours)");
        }
        return dir;
    }

    private static void writeEvidence(
            Path dir, MainArgs options, String job, String confJson, ClassLoader cl,
            String sourceClass, String sinkClass) throws IOException {
        Files.createDirectories(dir);
        byte[] jobBytes = job.getBytes(StandardCharsets.UTF_8);
        writeAtomically(dir.resolve("job.txt"), jobBytes);

        StringBuilder args = new StringBuilder();
        for (String name : options.names()) {
            String value;
            if ("job".equals(name)) {
                value = Integer.toString(jobBytes.length);
            } else if ("confProp".equals(name)) {
                value = confJson;
            } else {
                value = options.get(name);
            }
            args.append(name).append('=').append(escapeLine(value)).append('\n');
        }
        writeAtomically(dir.resolve("args.txt"), args.toString().getBytes(StandardCharsets.UTF_8));

        List<String> probes = new ArrayList<>();
        probes.add(Main.class.getName());
        probes.add(sourceClass);
        probes.add(sinkClass);
        for (String c : MARKER_CLASSES) probes.add(c);
        StringBuilder classes = new StringBuilder();
        for (String c : probes) {
            classes.append(c).append('=').append(whereFrom(c, cl)).append('\n');
        }
        writeAtomically(dir.resolve("classes.txt"), classes.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static String whereFrom(String className, ClassLoader cl) {
        try {
            Class<?> c = Class.forName(className, false, cl);
            CodeSource cs = c.getProtectionDomain().getCodeSource();
            URL loc = cs == null ? null : cs.getLocation();
            return loc == null ? "unknown-location" : loc.toString();
        } catch (ClassNotFoundException | LinkageError e) {
            return "missing";
        }
    }

    private static String escapeLine(String v) {
        return v.replace("\\", "\\\\").replace("\r", "\\r").replace("\n", "\\n");
    }

    /** Tests may poll for these files: never let them see a half-written one. */
    private static void writeAtomically(Path target, byte[] bytes) throws IOException {
        Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp");
        Files.write(tmp, bytes);
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    // ---------------------------------------------------------------- job JSON

    /** The parts of Chunjun's SyncConf the fixture uses; only content[0] counts, as in Chunjun. */
    static final class SyncJob {
        String readerName;
        Map<String, Object> readerParameter;
        String writerName;
        Map<String, Object> writerParameter;
        int channel = 1;
        int readerChannel = -1;
        int writerChannel = -1;

        static SyncJob parse(String text) {
            Map<String, Object> root;
            try {
                root = Json.parseObject(text);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        "the job (after URL-decoding and -p substitution) is not a JSON object: "
                                + e.getMessage(), e);
            }
            Map<String, Object> job = object(root, "job", "job");
            Object content = job.get("content");
            if (!(content instanceof List) || ((List<?>) content).isEmpty()) {
                throw new IllegalArgumentException("job.content must be a non-empty array");
            }
            Map<String, Object> c0 = asObject(((List<?>) content).get(0), "job.content[0]");
            Map<String, Object> reader = object(c0, "reader", "job.content[0].reader");
            Map<String, Object> writer = object(c0, "writer", "job.content[0].writer");

            SyncJob s = new SyncJob();
            s.readerName = string(reader, "name", "job.content[0].reader.name");
            s.readerParameter = object(reader, "parameter", "job.content[0].reader.parameter");
            s.writerName = string(writer, "name", "job.content[0].writer.name");
            s.writerParameter = object(writer, "parameter", "job.content[0].writer.parameter");

            Object setting = job.get("setting");
            if (setting instanceof Map) {
                Object speed = ((Map<?, ?>) setting).get("speed");
                if (speed instanceof Map) {
                    Map<?, ?> sp = (Map<?, ?>) speed;
                    s.channel = intValue(sp.get("channel"), 1, "job.setting.speed.channel");
                    s.readerChannel = intValue(sp.get("readerChannel"), -1, "job.setting.speed.readerChannel");
                    s.writerChannel = intValue(sp.get("writerChannel"), -1, "job.setting.speed.writerChannel");
                }
            }
            if (s.channel < 1) {
                throw new IllegalArgumentException("job.setting.speed.channel must be >= 1");
            }
            return s;
        }

        @SuppressWarnings("unchecked")
        private static Map<String, Object> asObject(Object v, String where) {
            if (!(v instanceof Map)) {
                throw new IllegalArgumentException(where + " must be a JSON object, got " + Json.typeName(v));
            }
            return (Map<String, Object>) v;
        }

        private static Map<String, Object> object(Map<String, Object> m, String key, String where) {
            if (!m.containsKey(key)) {
                throw new IllegalArgumentException(where + " is required");
            }
            return asObject(m.get(key), where);
        }

        private static String string(Map<String, Object> m, String key, String where) {
            Object v = m.get(key);
            if (!(v instanceof String) || ((String) v).isEmpty()) {
                throw new IllegalArgumentException(where + " is required (a non-empty string)");
            }
            return (String) v;
        }

        /** Numbers or numeric strings, as Gson accepts for an int field. */
        private static int intValue(Object v, int dflt, String where) {
            if (v == null) return dflt;
            try {
                if (v instanceof Long) return Math.toIntExact((Long) v);
                if (v instanceof Double && (Double) v == Math.rint((Double) v)) return (int) (double) (Double) v;
                if (v instanceof String) return Integer.parseInt(((String) v).trim());
            } catch (ArithmeticException | NumberFormatException e) {
                // fall through
            }
            throw new IllegalArgumentException(where + " must be an integer");
        }
    }
}
