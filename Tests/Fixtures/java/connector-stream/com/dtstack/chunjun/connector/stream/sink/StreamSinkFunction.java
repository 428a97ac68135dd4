package com.dtstack.chunjun.connector.stream.sink;

import com.dtstack.chunjun.connector.stream.util.Subtasks;

import org.apache.flink.api.common.accumulators.LongCounter;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;

/**
 * Writes to {@code <path>/.part-<i>.inprogress} and renames it to {@code part-<i>} on close(),
 * after leaving {@code <path>/taskmanager-classes-<i>.txt}: where the TaskManager loaded this
 * class from, and the metrics plugin's marker class as its user-code classloader sees it
 * ({@code class=<location>} or {@code class=missing}),
 * so a test that sees part-* sees the whole file (close() also runs on cancel or failure, which
 * then leaves the rows written so far; a subtask that got no row leaves an empty part-i).
 *
 * <p>User accumulators, named as in Chunjun 1.12.8's Metrics class and registered with the first
 * row: {@code numWrite} (+1 per row) and {@code byteWrite} (+ the row's UTF-8 bytes, without the
 * newline).
 *
 * <p>Set up lazily (first row, else close()) instead of in open(Configuration), which Flink 2.x
 * replaced by open(OpenContext); the subtask index comes from {@link Subtasks}. So the same
 * source builds for 1.x and 2.x (see build-dist.sh).
 */
// Deprecated in 1.20 (a "legacy" package in 2.x, which build-dist.sh rewrites) but common to all
// versions; the full name instead of an import keeps javac --release 8 quiet (it flags imports,
// which @SuppressWarnings cannot reach).
@SuppressWarnings("deprecation")
public class StreamSinkFunction
        extends org.apache.flink.streaming.api.functions.sink.RichSinkFunction<String> {

    private static final long serialVersionUID = 2L;

    private final String path;
    private transient BufferedWriter writer;
    private transient Path inProgress;
    private transient Path target;
    private transient LongCounter numWrite;
    private transient LongCounter byteWrite;

    StreamSinkFunction(String path) {
        this.path = path;
    }

    private void start() throws IOException {
        int subtask = Subtasks.index(getRuntimeContext());
        Path dir = Paths.get(path);
        Files.createDirectories(dir);
        target = dir.resolve("part-" + subtask);
        inProgress = dir.resolve(".part-" + subtask + ".inprogress");
        writer = Files.newBufferedWriter(inProgress, StandardCharsets.UTF_8);
        String classes = getClass().getName() + "=" + whereFrom(getClass().getName()) + "\n"
                + METRICS_MARKER + "=" + whereFrom(METRICS_MARKER) + "\n";
        Path evidence = dir.resolve("taskmanager-classes-" + subtask + ".txt");
        Path tmp = dir.resolve(".taskmanager-classes-" + subtask + ".tmp");
        Files.write(tmp, classes.getBytes(StandardCharsets.UTF_8));
        Files.move(tmp, evidence, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static final String METRICS_MARKER = "com.dtstack.chunjun.metrics.prometheus.PrometheusReport";

    private static String whereFrom(String className) {
        try {
            Class<?> c = Class.forName(className, false, Thread.currentThread().getContextClassLoader());
            java.security.CodeSource cs = c.getProtectionDomain().getCodeSource();
            return cs == null || cs.getLocation() == null ? "unknown-location" : cs.getLocation().toString();
        } catch (ClassNotFoundException | LinkageError e) {
            return "missing";
        }
    }

    @Override
    public void invoke(String value, Context context) throws IOException {
        if (writer == null) {
            start();
            numWrite = new LongCounter();
            byteWrite = new LongCounter();
            getRuntimeContext().addAccumulator("numWrite", numWrite);
            getRuntimeContext().addAccumulator("byteWrite", byteWrite);
        }
        writer.write(value);
        writer.write('\n');
        numWrite.add(1L);
        byteWrite.add(value.getBytes(StandardCharsets.UTF_8).length);
    }

    @Override
    public void close() throws Exception {
        if (target == null) {
            start(); // no row came: leave an empty part-i, as an eager open() did
        }
        if (writer != null) {
            writer.close();
            writer = null;
            Files.move(inProgress, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
    }
}
