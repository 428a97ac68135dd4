package com.dtstack.chunjun.connector.stream.sink;


import java.nio.file.Paths;
import java.util.Map;

/**
 * TEST FIXTURE writer factory for "streamwriter". Writer parameter {@code path}: an absolute
 * directory; subtask i writes its rows, one per line (UTF-8, '\n'), to {@code <path>/part-<i>}
 * and counts them in the accumulators numWrite and byteWrite (see StreamSinkFunction).
 */
// Deprecated in 1.20 (a "legacy" package in 2.x, which build-dist.sh rewrites) but common to all
// versions; the full name instead of an import keeps javac --release 8 quiet (it flags imports,
// which @SuppressWarnings cannot reach).
@SuppressWarnings("deprecation")
public class StreamSinkFactory {

    public org.apache.flink.streaming.api.functions.sink.SinkFunction<String> createSink(
            Map<String, Object> parameter) {
        Object path = parameter.get("path");
        if (!(path instanceof String) || !Paths.get((String) path).isAbsolute()) {
            throw new IllegalArgumentException("streamwriter parameter.path must be an absolute directory path");
        }
        return new StreamSinkFunction((String) path);
    }
}
