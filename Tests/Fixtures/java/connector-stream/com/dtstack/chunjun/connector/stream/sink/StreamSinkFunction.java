package com.dtstack.chunjun.connector.stream.sink;

import org.apache.flink.configuration.Configuration;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;

/**
 * Writes to {@code <path>/.part-<i>.inprogress} and renames it to {@code part-<i>} on close(),
 * so a test that sees part-* sees the whole file (close() also runs on cancel or failure, which
 * then leaves the rows written so far).
 */
// Deprecated in 1.20 but common to 1.12 and 1.20; the full name instead of an import keeps
// javac --release 8 quiet (it flags imports, which @SuppressWarnings cannot reach).
@SuppressWarnings("deprecation")
public class StreamSinkFunction
        extends org.apache.flink.streaming.api.functions.sink.RichSinkFunction<String> {

    private static final long serialVersionUID = 1L;

    private final String path;
    private transient BufferedWriter writer;
    private transient Path inProgress;
    private transient Path target;

    StreamSinkFunction(String path) {
        this.path = path;
    }

    @Override
    public void open(Configuration parameters) throws Exception {
        int subtask = getRuntimeContext().getIndexOfThisSubtask();
        Path dir = Paths.get(path);
        Files.createDirectories(dir);
        target = dir.resolve("part-" + subtask);
        inProgress = dir.resolve(".part-" + subtask + ".inprogress");
        writer = Files.newBufferedWriter(inProgress, StandardCharsets.UTF_8);
    }

    @Override
    public void invoke(String value, Context context) throws IOException {
        writer.write(value);
        writer.write('\n');
    }

    @Override
    public void close() throws Exception {
        if (writer != null) {
            writer.close();
            writer = null;
            Files.move(inProgress, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
    }
}
