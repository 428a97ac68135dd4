package com.dtstack.chunjun.connector.stream.source;


import java.util.List;
import java.util.Map;

/**
 * TEST FIXTURE reader factory for "streamreader" (Chunjun's naming rule finds it by this exact
 * class name). The fixture Main calls {@code createSource(Map)} by reflection, so this jar needs
 * nothing from chunjun-core.jar.
 *
 * <p>Reader parameter:
 * <ul>
 *   <li>{@code sliceRecordCount}: array of numbers (or numeric strings, as in Chunjun's examples),
 *       or one string of comma-separated numbers ({@code "6"}, {@code "10,7"}: SQL options are
 *       strings); subtask i emits {@code sliceRecordCount[min(i, len-1)]} rows. Absent or empty:
 *       unbounded (the job runs until cancelled; for cancel/savepoint tests).
 *   <li>{@code column}: array of {@code {name, type, value?}}; each row is
 *       {@code <rowIndex>,<col1>,<col2>...}, a column's {@code value} if given, else generated
 *       from its type (integer types: the row index; boolean: even row index; others:
 *       {@code <name>_<rowIndex>}). No columns: each row is just {@code <rowIndex>}. (A SQL job
 *       passes its CREATE TABLE columns here.)
 *   <li>{@code permitsPerSecond}: optional rows per second per subtask (default unlimited when
 *       bounded, 10 when unbounded, so an unbounded job does not fill the disk).
 *   <li>{@code failAfterRecords}: optional N >= 0; a subtask that has emitted N rows in this run
 *       fails with {@code RuntimeException("fixture reader failed after N records: <failMessage>")}
 *       (for failed-job and error-scrubbing tests). Absent or negative: never.
 *   <li>{@code failMessage}: optional text for that exception (default {@code "no reason"}).
 * </ul>
 *
 * <p>The source keeps its next row index in operator state (restores go on after the savepoint)
 * and reports the accumulators numRead, byteRead and readDuration; see StreamSourceFunction.
 */
// Deprecated in 1.20 (a "legacy" package in 2.x, which build-dist.sh rewrites) but common to all
// versions; the full name instead of an import keeps javac --release 8 quiet (it flags imports,
// which @SuppressWarnings cannot reach).
@SuppressWarnings("deprecation")
public class StreamSourceFactory {

    public org.apache.flink.streaming.api.functions.source.SourceFunction<String> createSource(
            Map<String, Object> parameter) {
        long[] counts = counts(parameter.get("sliceRecordCount"));
        Object columnsValue = parameter.get("column");
        List<?> columns = columnsValue instanceof List ? (List<?>) columnsValue : java.util.Collections.emptyList();
        if (columnsValue != null && !(columnsValue instanceof List)) {
            throw new IllegalArgumentException("streamreader parameter.column must be an array");
        }
        String[] names = new String[columns.size()];
        String[] types = new String[columns.size()];
        String[] values = new String[columns.size()];
        for (int i = 0; i < columns.size(); i++) {
            Object c = columns.get(i);
            if (!(c instanceof Map)) {
                throw new IllegalArgumentException("streamreader parameter.column[" + i + "] must be an object");
            }
            Map<?, ?> m = (Map<?, ?>) c;
            names[i] = m.get("name") == null ? "col" + i : String.valueOf(m.get("name"));
            types[i] = m.get("type") == null ? "string" : String.valueOf(m.get("type"));
            values[i] = m.containsKey("value") ? text(m.get("value")) : null;
        }
        double permits = number(parameter.get("permitsPerSecond"), counts.length == 0 ? 10 : 0);
        long intervalNanos = permits > 0 ? (long) (1_000_000_000L / permits) : 0;
        Object failAfterValue = parameter.get("failAfterRecords");
        double failAfter = number(failAfterValue, failAfterValue == null ? -1 : Double.NaN);
        if (Double.isNaN(failAfter)) {
            throw new IllegalArgumentException("streamreader parameter.failAfterRecords must be a number");
        }
        Object failMessage = parameter.get("failMessage");
        return new StreamSourceFunction(counts, names, types, values, intervalNanos,
                failAfter < 0 ? -1 : (long) failAfter,
                failMessage == null ? "no reason" : text(failMessage));
    }

    private static long[] counts(Object v) {
        if (v == null) return new long[0];
        if (v instanceof String) {
            String text = ((String) v).trim();
            v = text.isEmpty() ? java.util.Collections.emptyList() : java.util.Arrays.asList(text.split(",", -1));
        }
        if (!(v instanceof List)) {
            throw new IllegalArgumentException("streamreader parameter.sliceRecordCount must be an array"
                    + " or a string of comma-separated numbers");
        }
        List<?> l = (List<?>) v;
        long[] out = new long[l.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (long) number(l.get(i), -1);
            if (out[i] < 0) {
                throw new IllegalArgumentException("streamreader parameter.sliceRecordCount[" + i + "] must be a number >= 0");
            }
        }
        return out;
    }

    private static double number(Object v, double dflt) {
        if (v == null) return dflt;
        if (v instanceof Number) return ((Number) v).doubleValue();
        if (v instanceof String) {
            try {
                return Double.parseDouble(((String) v).trim());
            } catch (NumberFormatException e) {
                return dflt;
            }
        }
        return dflt;
    }

    private static String text(Object v) {
        if (v == null) return "null";
        return String.valueOf(v); // String, Long, Double, Boolean
    }
}
