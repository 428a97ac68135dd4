package com.dtstack.chunjun.connector.stream.source;

import com.dtstack.chunjun.connector.stream.util.Subtasks;

import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.BasicTypeInfo;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Emits the fixture rows (see StreamSourceFactory for the parameters): bounded unless
 * sliceRecordCount was empty.
 *
 * <p>Stateful like Chunjun's readers (legacy sources that are CheckpointedFunctions): each
 * subtask keeps the index of its next row in operator state ({@code ListState<Long>}), so a job
 * restored from a savepoint goes on at the row after it. A row is emitted and the index advanced
 * under the checkpoint lock, so a snapshot never splits the two.
 *
 * <p>User accumulators, named as in Chunjun 1.12.8's Metrics class and registered when run()
 * starts: {@code numRead} (+1 per row), {@code byteRead} (+ the row's UTF-8 bytes) and
 * {@code readDuration} (milliseconds since run() started). They count this run only.
 *
 * <p>With failAfterRecords N (>= 0) the subtask throws {@code RuntimeException("fixture reader
 * failed after N records: " + failMessage)} once it has emitted N rows in this run.
 *
 * <p>No open(Configuration) and no getIndexOfThisSubtask(): neither exists in Flink 2.x. Setup
 * happens in initializeState()/run() and the subtask index comes from {@link Subtasks}, so the
 * same source builds for 1.x and 2.x (see build-dist.sh).
 */
// Deprecated in 1.20 (moved to a "legacy" package in 2.x, which build-dist.sh rewrites) but
// common to all versions; the full name instead of an import keeps javac --release 8 quiet (it
// flags imports, which @SuppressWarnings cannot reach).
@SuppressWarnings("deprecation")
public class StreamSourceFunction
        extends org.apache.flink.streaming.api.functions.source.RichParallelSourceFunction<String>
        implements CheckpointedFunction {

    private static final long serialVersionUID = 2L;

    private final long[] counts;
    private final String[] names;
    private final String[] types;
    private final String[] values;
    private final long intervalNanos;
    private final long failAfterRecords;
    private final String failMessage;
    private volatile boolean running = true;

    /** Operator state: one entry per subtask, its next row index. */
    private transient ListState<Long> nextRowState;
    /** Index of the next row to emit; read and written under the checkpoint lock only. */
    private transient long nextRow;

    StreamSourceFunction(long[] counts, String[] names, String[] types, String[] values,
            long intervalNanos, long failAfterRecords, String failMessage) {
        this.counts = counts;
        this.names = names;
        this.types = types;
        this.values = values;
        this.intervalNanos = intervalNanos;
        this.failAfterRecords = failAfterRecords;
        this.failMessage = failMessage;
    }

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
        nextRowState = context.getOperatorStateStore().getListState(
                new ListStateDescriptor<Long>("chunjun-fixture-next-row", BasicTypeInfo.LONG_TYPE_INFO));
        nextRow = 0;
        if (context.isRestored()) {
            // Same parallelism: exactly this subtask's entry. Fewer subtasks than before: the
            // furthest of the entries it was given.
            for (Long v : nextRowState.get()) {
                if (v != null && v > nextRow) nextRow = v;
            }
        }
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
        // Legacy sources are snapshotted under the checkpoint lock, like the emit below.
        nextRowState.clear();
        nextRowState.add(nextRow);
    }

    @Override
    public void run(SourceContext<String> ctx) throws Exception {
        int subtask = Subtasks.index(getRuntimeContext());
        long n = counts.length == 0 ? Long.MAX_VALUE : counts[Math.min(subtask, counts.length - 1)];
        long startMillis = System.currentTimeMillis();
        LongCounter numRead = new LongCounter();
        LongCounter byteRead = new LongCounter();
        LongCounter readDuration = new LongCounter();
        getRuntimeContext().addAccumulator("numRead", numRead);
        getRuntimeContext().addAccumulator("byteRead", byteRead);
        getRuntimeContext().addAccumulator("readDuration", readDuration);
        long durationReported = 0;

        Object lock = ctx.getCheckpointLock();
        long emitted = 0;
        long next = System.nanoTime();
        failIfDue(emitted);
        while (running) {
            String line;
            synchronized (lock) {
                if (nextRow >= n) break;
                line = row(nextRow);
                ctx.collect(line);
                nextRow++;
            }
            emitted++;
            numRead.add(1L);
            byteRead.add(line.getBytes(StandardCharsets.UTF_8).length);
            long elapsed = System.currentTimeMillis() - startMillis;
            readDuration.add(elapsed - durationReported);
            durationReported = elapsed;
            failIfDue(emitted);
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
        long elapsed = System.currentTimeMillis() - startMillis;
        readDuration.add(elapsed - durationReported);
    }

    private void failIfDue(long emitted) {
        if (failAfterRecords >= 0 && emitted >= failAfterRecords) {
            throw new RuntimeException(
                    "fixture reader failed after " + failAfterRecords + " records: " + failMessage);
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
