package com.dtstack.chunjun.connector.stream.source;


import java.util.Locale;

/** Emits the fixture rows; bounded unless sliceRecordCount was empty. See StreamSourceFactory. */
// Deprecated in 1.20 but common to 1.12 and 1.20; the full name instead of an import keeps
// javac --release 8 quiet (it flags imports, which @SuppressWarnings cannot reach).
@SuppressWarnings("deprecation")
public class StreamSourceFunction
        extends org.apache.flink.streaming.api.functions.source.RichParallelSourceFunction<String> {

    private static final long serialVersionUID = 1L;

    private final long[] counts;
    private final String[] names;
    private final String[] types;
    private final String[] values;
    private final long intervalNanos;
    private volatile boolean running = true;

    StreamSourceFunction(long[] counts, String[] names, String[] types, String[] values, long intervalNanos) {
        this.counts = counts;
        this.names = names;
        this.types = types;
        this.values = values;
        this.intervalNanos = intervalNanos;
    }

    @Override
    public void run(SourceContext<String> ctx) throws Exception {
        int subtask = getRuntimeContext().getIndexOfThisSubtask();
        long n = counts.length == 0 ? Long.MAX_VALUE : counts[Math.min(subtask, counts.length - 1)];
        long next = System.nanoTime();
        for (long row = 0; row < n && running; row++) {
            String line = row(row);
            synchronized (ctx.getCheckpointLock()) {
                ctx.collect(line);
            }
            if (intervalNanos > 0) {
                next += intervalNanos;
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    try {
                        Thread.sleep(wait / 1_000_000L, (int) (wait % 1_000_000L));
                    } catch (InterruptedException e) {
                        if (!running) break; // cancel() interrupts the source thread
                        Thread.currentThread().interrupt();
                        throw e;
                    }
                }
            }
        }
    }

    @Override
    public void cancel() {
        running = false;
    }

    private String row(long row) {
        StringBuilder sb = new StringBuilder().append(row);
        for (int i = 0; i < names.length; i++) {
            sb.append(',');
            sb.append(values[i] != null ? values[i] : generated(i, row));
        }
        return sb.toString();
    }

    private String generated(int i, long row) {
        switch (types[i].toLowerCase(Locale.ROOT)) {
            case "id":
            case "int":
            case "integer":
            case "bigint":
            case "long":
            case "smallint":
            case "tinyint":
                return Long.toString(row);
            case "boolean":
                return Boolean.toString(row % 2 == 0);
            default:
                return names[i] + "_" + row;
        }
    }
}
