// SubmitJobClient: how a Java backend calls submitjob. One file, no dependencies, Java 8.
//
// Copy it into the backend (add your own `package` line) and call:
//
//     SubmitJobClient client = new SubmitJobClient("/opt/flink/bin/submitjob");
//     SubmitJobClient.Result r = client.submit(jobJson, Arrays.asList("--flink", "http://jobmanager:8081",
//             "--idempotency-key", "sync-task-" + taskId));
//     if (r.ok()) { save(r.jobId()); } else { show(r.errorCode(), r.errorMessage()); }
//     SubmitJobClient.Result s = client.control("status", r.jobId(), Arrays.asList("--flink", "http://jobmanager:8081"));
//     s.state(); s.counter("numRead");   // also "wait", "cancel", "stop", "savepoint"
//
// Smoke run:  javac --release 8 SubmitJobClient.java
//             java SubmitJobClient <submitjob-binary> <job-file> [submitjob args...]
// prints `jobId=<id>` or `error=<code>: <message>` and exits with submitjob's exit code.
//             java SubmitJobClient <submitjob-binary> --control <command> <job-id> [submitjob args...]
// prints `state=<state>` (and `savepoint=<path>`, `numRead=<n>` when there are) or the error.
// -Dsubmitjob.timeoutSeconds=N sets the client's own deadline (default 180).
//
// It is deliberately free of a package, of Spring and of a JSON library, so it compiles with plain
// javac; swap the tiny parser at the bottom for Jackson if the backend already has it.

import java.io.ByteArrayOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

public final class SubmitJobClient {

    /** submitjob's documented exit codes (README, "Exit codes"). */
    public enum Outcome {
        OK(0),
        /** Flink rejected the job, or could not take a savepoint (error.code says which). */
        FLINK_REJECTED(1),
        /** The job failed, was cancelled or has ended, so the command could not do what it was asked (error.code, error.state). */
        JOB_ENDED(3),
        /** Flink does not know the job id. */
        JOB_NOT_FOUND(4),
        USAGE(64),
        INVALID_JOB(65),
        MISSING_FILE(66),
        FLINK_UNREACHABLE(69),
        INTERNAL(70),
        /** The job may or may not run: look up (or resubmit with) error.jobId; same id, never a second job. */
        TIMED_OUT_OUTCOME_UNKNOWN(75),
        UNEXPECTED_RESPONSE(76),
        AUTHENTICATION_REJECTED(77),
        CONFIGURATION(78),
        /** TLS with Flink or its gateway failed (untrusted, expired or misnamed certificate, client certificate refused): nothing was sent, retrying will not help. */
        TLS_FAILED(79),
        /** An exit code submitjob does not document (killed by a signal, a newer version, ...). */
        UNKNOWN(-1);

        public final int exitCode;

        Outcome(int exitCode) {
            this.exitCode = exitCode;
        }

        public static Outcome fromExitCode(int exitCode) {
            for (Outcome o : values()) {
                if (o != UNKNOWN && o.exitCode == exitCode) {
                    return o;
                }
            }
            return UNKNOWN;
        }
    }

    /** Set when this client killed submitjob at its own deadline. Not a submitjob code. */
    public static final String CLIENT_TIMEOUT = "client_timeout";
    /** Set when stdout was not one JSON document (e.g. the binary is not submitjob). */
    public static final String UNPARSEABLE_OUTPUT = "unparseable_output";

    /** What one run of submitjob produced. */
    public static final class Result {
        private final int exitCode;
        private final boolean clientTimedOut;
        private final Map<String, Object> json;
        private final String parseError;
        private final String stderr;

        Result(int exitCode, boolean clientTimedOut, Map<String, Object> json, String parseError, String stderr) {
            this.exitCode = exitCode;
            this.clientTimedOut = clientTimedOut;
            this.json = json;
            this.parseError = parseError;
            this.stderr = stderr;
        }

        /** submitjob's exit code; -1 when this client killed it at its deadline. */
        public int exitCode() {
            return exitCode;
        }

        /**
         * A client timeout maps to TIMED_OUT_OUTCOME_UNKNOWN: the run may have reached Flink. Give
         * submitjob a --timeout shorter than the client's, so submitjob reports 75 itself, with the
         * job id to settle; or pass your own --job-id so you know it either way.
         */
        public Outcome outcome() {
            return clientTimedOut ? Outcome.TIMED_OUT_OUTCOME_UNKNOWN : Outcome.fromExitCode(exitCode);
        }

        public boolean clientTimedOut() {
            return clientTimedOut;
        }

        /** True only when the exit code and the document agree; either alone is not trusted. */
        public boolean ok() {
            return !clientTimedOut && exitCode == 0 && json != null && Boolean.TRUE.equals(json.get("ok"));
        }

        /** The submitted job's id, or on exit 75 the id to look up (error.jobId). */
        public String jobId() {
            Object id = json == null ? null : json.get("jobId");
            if (id == null) {
                id = error().get("jobId");
            }
            return id instanceof String ? (String) id : null;
        }

        public String flinkVersion() {
            Object v = json == null ? null : json.get("flinkVersion");
            return v instanceof String ? (String) v : null;
        }

        /** The job's state: from status, wait, cancel, stop, savepoint, submit --wait, or error.state. */
        public String state() {
            Object state = json == null ? null : json.get("state");
            if (state == null && json != null && json.get("status") instanceof Map) {
                state = ((Map<?, ?>) json.get("status")).get("state");
            }
            if (state == null) {
                state = error().get("state");
            }
            return state instanceof String ? (String) state : null;
        }

        /** stop and savepoint: the savepoint's path, to resume from with submit --savepoint. */
        public String savepoint() {
            Object path = json == null ? null : json.get("savepoint");
            return path instanceof String ? (String) path : null;
        }

        /** One of Chunjun's counters (numRead, numWrite, nErrors, ...) from status or wait; null when absent. */
        public Long counter(String name) {
            Object status = json == null ? null : (json.get("counters") != null ? json : json.get("status"));
            Object counters = status instanceof Map ? ((Map<?, ?>) status).get("counters") : null;
            Object value = counters instanceof Map ? ((Map<?, ?>) counters).get(name) : null;
            return value instanceof Long ? (Long) value : null;
        }

        /** error.code (e.g. "flink_rejected"), CLIENT_TIMEOUT, UNPARSEABLE_OUTPUT, or null when ok. */
        public String errorCode() {
            if (clientTimedOut) {
                return CLIENT_TIMEOUT;
            }
            Object code = error().get("code");
            if (code instanceof String) {
                return (String) code;
            }
            return ok() ? null : UNPARSEABLE_OUTPUT;
        }

        /** One line for people; submitjob has already scrubbed secrets from it. */
        public String errorMessage() {
            if (clientTimedOut) {
                return "submitjob did not finish before the client's deadline; the outcome is unknown";
            }
            Object message = error().get("message");
            if (message instanceof String) {
                return (String) message;
            }
            if (ok()) {
                return null;
            }
            return parseError != null ? "stdout is not a JSON document: " + parseError
                                      : "exit " + exitCode + " without an error object";
        }

        /** The whole document (LinkedHashMap/ArrayList/String/Long/BigDecimal/Boolean/null), or null. */
        public Map<String, Object> raw() {
            return json;
        }

        /** submitjob's messages for people (first 64 KiB). Secret-scrubbed by submitjob; fine to log. */
        public String stderr() {
            return stderr;
        }

        @SuppressWarnings("unchecked")
        private Map<String, Object> error() {
            Object e = json == null ? null : json.get("error");
            return e instanceof Map ? (Map<String, Object>) e : Collections.<String, Object>emptyMap();
        }
    }

    private static final int MAX_STDOUT = 8 << 20; // the document is a few KiB; this only guards memory
    private static final int MAX_STDERR = 64 << 10;

    private final String binary;
    private final long timeoutMillis;
    private final long graceMillis;

    /** Default deadline 180 s: above submitjob's own 120 s plus its 5 s settlement lookup. */
    public SubmitJobClient(String binary) {
        this(binary, 180, TimeUnit.SECONDS, 5, TimeUnit.SECONDS);
    }

    public SubmitJobClient(String binary, long timeout, TimeUnit timeoutUnit, long grace, TimeUnit graceUnit) {
        if (binary == null || binary.isEmpty()) {
            throw new IllegalArgumentException("binary");
        }
        this.binary = binary;
        this.timeoutMillis = timeoutUnit.toMillis(timeout);
        this.graceMillis = graceUnit.toMillis(grace);
    }

    /**
     * Runs `submitjob submit --job - <options...>` with the job on stdin. The job goes through
     * stdin, never an argument: arguments are visible to every user on the host (ps,
     * /proc/PID/cmdline), and the job holds database passwords. Never log jobText either.
     */
    public Result submit(String jobText, List<String> options) throws IOException, InterruptedException {
        List<String> command = new ArrayList<String>();
        command.add("submit");
        command.add("--job");
        command.add("-");
        command.addAll(options);
        return run(command, jobText.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Runs a command about one job: status, wait (add "--until", "running" or "finished"), cancel,
     * stop, savepoint. A wait longer than this client's deadline needs a client made with a longer one.
     */
    public Result control(String command, String jobId, List<String> options) throws IOException, InterruptedException {
        List<String> arguments = new ArrayList<String>();
        arguments.add(command);
        arguments.add(jobId);
        arguments.addAll(options);
        return run(arguments, null);
    }

    /** Runs any submitjob subcommand: arguments as a list, straight to exec, no shell to quote for. */
    public Result run(List<String> arguments, byte[] stdin) throws IOException, InterruptedException {
        List<String> command = new ArrayList<String>();
        command.add(binary);
        command.addAll(arguments);
        final Process process = new ProcessBuilder(command).start();

        // Three pipes, three threads. The child blocks as soon as any pipe buffer (64 KiB on
        // Linux) fills: if we wrote stdin and then read stdout, a chatty stderr (--verbose prints
        // Flink's whole stack trace) would fill up, the child would stop, and we would wait on
        // each other until the deadline. Draining all of them at once means nothing can jam.
        final byte[] input = stdin == null ? new byte[0] : stdin;
        Thread writer = daemon("submitjob-stdin", new Runnable() {
            public void run() {
                try (OutputStream out = process.getOutputStream()) {
                    out.write(input);
                } catch (IOException ignored) {
                    // The child exited without reading it all (a usage error, say); its exit code
                    // and stdout say why, so a broken pipe here adds nothing.
                }
            }
        });
        final Drain out = new Drain(process.getInputStream(), MAX_STDOUT);
        final Drain err = new Drain(process.getErrorStream(), MAX_STDERR);
        Thread outReader = daemon("submitjob-stdout", out);
        Thread errReader = daemon("submitjob-stderr", err);

        boolean timedOut = false;
        try {
            if (!process.waitFor(timeoutMillis, TimeUnit.MILLISECONDS)) {
                timedOut = true;
                // SIGTERM first, so submitjob can end its calls cleanly; SIGKILL if it does not.
                process.destroy();
                if (!process.waitFor(graceMillis, TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(graceMillis, TimeUnit.MILLISECONDS);
                }
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw e;
        }
        // The pipes reach EOF once the child is gone; bounded anyway, in case a grandchild kept them.
        writer.join(graceMillis);
        outReader.join(graceMillis);
        errReader.join(graceMillis);

        // Decode only now: a UTF-8 character may straddle two reads.
        String stdoutText = new String(out.bytes(), StandardCharsets.UTF_8);
        String stderrText = new String(err.bytes(), StandardCharsets.UTF_8);
        Map<String, Object> json = null;
        String parseError = null;
        if (!timedOut) {
            try {
                Object doc = Json.parse(stdoutText);
                if (doc instanceof Map) {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> map = (Map<String, Object>) doc;
                    json = map;
                } else {
                    parseError = "not an object";
                }
            } catch (IllegalArgumentException e) {
                parseError = e.getMessage();
            }
        }
        return new Result(timedOut ? -1 : process.exitValue(), timedOut, json, parseError, stderrText);
    }

    private static Thread daemon(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true); // never keeps the JVM alive
        t.start();
        return t;
    }

    /** Reads a stream to its end, keeping the first `limit` bytes and discarding (but still reading) the rest. */
    private static final class Drain implements Runnable {
        private final InputStream in;
        private final int limit;
        private final ByteArrayOutputStream kept = new ByteArrayOutputStream();

        Drain(InputStream in, int limit) {
            this.in = in;
            this.limit = limit;
        }

        public void run() {
            byte[] buffer = new byte[8192];
            try (InputStream stream = in) {
                int n;
                while ((n = stream.read(buffer)) != -1) {
                    synchronized (kept) {
                        int room = limit - kept.size();
                        if (room > 0) {
                            kept.write(buffer, 0, Math.min(n, room));
                        }
                    }
                }
            } catch (IOException ignored) {
                // The stream closed under us (the child was killed); keep what arrived.
            }
        }

        byte[] bytes() {
            synchronized (kept) {
                return kept.toByteArray();
            }
        }
    }

    /** Smoke run: java SubmitJobClient <submitjob-binary> <job-file> [submitjob args...] */
    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: java SubmitJobClient <submitjob-binary> <job-file> [submitjob args...]");
            System.exit(64);
        }
        long timeout = Long.getLong("submitjob.timeoutSeconds", 180L);
        SubmitJobClient client = new SubmitJobClient(args[0], timeout, TimeUnit.SECONDS, 5, TimeUnit.SECONDS);
        boolean control = args[1].equals("--control") && args.length >= 4;
        Result r;
        if (control) {
            r = client.control(args[2], args[3], Arrays.asList(args).subList(4, args.length));
        } else {
            String job = new String(Files.readAllBytes(Paths.get(args[1])), StandardCharsets.UTF_8);
            r = client.submit(job, Arrays.asList(args).subList(2, args.length));
        }
        if (!r.stderr().isEmpty()) {
            System.err.print(r.stderr()); // submitjob's own lines, already secret-scrubbed
        }
        // UTF-8 whatever the locale: Flink's messages are not ASCII-only.
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, "UTF-8");
        if (r.ok() && control) {
            out.println("state=" + r.state());
            if (r.savepoint() != null) {
                out.println("savepoint=" + r.savepoint());
            }
            if (r.counter("numRead") != null) {
                out.println("numRead=" + r.counter("numRead"));
            }
        } else if (r.ok()) {
            out.println("jobId=" + r.jobId());
        } else {
            out.println("error=" + r.errorCode() + ": " + r.errorMessage());
        }
        // A client timeout exits 75, like submitjob's own: the outcome is unknown either way.
        System.exit(r.clientTimedOut() ? 75 : r.exitCode());
    }

    /**
     * A strict RFC 8259 parser, just enough for submitjob's one document. Objects become
     * LinkedHashMap (member order kept), arrays ArrayList, integers Long (BigDecimal when they
     * do not fit), other numbers BigDecimal (no binary rounding), true/false Boolean, null null.
     */
    static final class Json {
        private static final int MAX_DEPTH = 256; // a hostile document must not overflow the stack

        private final String s;
        private int i;
        private int depth;

        private Json(String s) {
            this.s = s;
        }

        /** Parses exactly one document, whitespace around it allowed. Throws IllegalArgumentException. */
        static Object parse(String text) {
            Json p = new Json(text);
            p.ws();
            Object value = p.value();
            p.ws();
            if (p.i != text.length()) {
                throw p.fail("text after the document");
            }
            return value;
        }

        private Object value() {
            if (i >= s.length()) {
                throw fail(i == 0 ? "empty" : "unexpected end");
            }
            char c = s.charAt(i);
            switch (c) {
                case '{': return object();
                case '[': return array();
                case '"': return string();
                case 't': return literal("true", Boolean.TRUE);
                case 'f': return literal("false", Boolean.FALSE);
                case 'n': return literal("null", null);
                default:
                    if (c == '-' || (c >= '0' && c <= '9')) {
                        return number();
                    }
                    throw fail("unexpected '" + c + "'");
            }
        }

        private Map<String, Object> object() {
            enter();
            Map<String, Object> map = new LinkedHashMap<String, Object>();
            i++; // {
            ws();
            if (peek() == '}') {
                i++;
                depth--;
                return map;
            }
            while (true) {
                ws();
                if (peek() != '"') {
                    throw fail("expected a member name");
                }
                String key = string();
                ws();
                expect(':');
                ws();
                map.put(key, value());
                ws();
                char c = next();
                if (c == '}') {
                    depth--;
                    return map;
                }
                if (c != ',') {
                    throw fail("expected ',' or '}'");
                }
            }
        }

        private List<Object> array() {
            enter();
            List<Object> list = new ArrayList<Object>();
            i++; // [
            ws();
            if (peek() == ']') {
                i++;
                depth--;
                return list;
            }
            while (true) {
                ws();
                list.add(value());
                ws();
                char c = next();
                if (c == ']') {
                    depth--;
                    return list;
                }
                if (c != ',') {
                    throw fail("expected ',' or ']'");
                }
            }
        }

        private String string() {
            i++; // opening quote
            StringBuilder b = new StringBuilder();
            while (true) {
                char c = next();
                if (c == '"') {
                    return b.toString();
                }
                if (c < 0x20) {
                    throw fail("control character in a string");
                }
                if (c != '\\') {
                    b.append(c);
                    continue;
                }
                char e = next();
                switch (e) {
                    case '"': b.append('"'); break;
                    case '\\': b.append('\\'); break;
                    case '/': b.append('/'); break;
                    case 'b': b.append('\b'); break;
                    case 'f': b.append('\f'); break;
                    case 'n': b.append('\n'); break;
                    case 'r': b.append('\r'); break;
                    case 't': b.append('\t'); break;
                    case 'u': {
                        char u = hex4();
                        // A character outside the BMP arrives as two escapes, \uD83D\uDE00. Java
                        // strings are UTF-16 too, so the pair is kept as its two chars; a lone
                        // half is a malformed document, not something to pass on.
                        if (Character.isHighSurrogate(u)) {
                            if (!s.startsWith("\\u", i)) {
                                throw fail("high surrogate without its low half");
                            }
                            i += 2;
                            char low = hex4();
                            if (!Character.isLowSurrogate(low)) {
                                throw fail("high surrogate without its low half");
                            }
                            b.append(u).append(low);
                        } else if (Character.isLowSurrogate(u)) {
                            throw fail("low surrogate without its high half");
                        } else {
                            b.append(u);
                        }
                        break;
                    }
                    default:
                        throw fail("bad escape \\" + e);
                }
            }
        }

        private char hex4() {
            if (i + 4 > s.length()) {
                throw fail("short \\u escape");
            }
            int v = 0;
            for (int k = 0; k < 4; k++) {
                int d = Character.digit(s.charAt(i + k), 16);
                if (d < 0) {
                    throw fail("bad \\u escape");
                }
                v = v * 16 + d;
            }
            i += 4;
            return (char) v;
        }

        private Object number() {
            int start = i;
            boolean integral = true;
            if (peek() == '-') {
                i++;
            }
            if (peek() == '0') {
                i++;
            } else if (isDigit(peek())) {
                digits();
            } else {
                throw fail("bad number");
            }
            if (peek() == '.') {
                integral = false;
                i++;
                if (!isDigit(peek())) {
                    throw fail("bad number");
                }
                digits();
            }
            if (peek() == 'e' || peek() == 'E') {
                integral = false;
                i++;
                if (peek() == '+' || peek() == '-') {
                    i++;
                }
                if (!isDigit(peek())) {
                    throw fail("bad number");
                }
                digits();
            }
            String text = s.substring(start, i);
            if (integral && text.length() <= 18) {
                return Long.valueOf(text); // 18 digits always fit a long
            }
            return new BigDecimal(text);
        }

        private Object literal(String word, Object value) {
            if (!s.startsWith(word, i)) {
                throw fail("unexpected '" + s.charAt(i) + "'");
            }
            i += word.length();
            return value;
        }

        private void digits() {
            while (isDigit(peek())) {
                i++;
            }
        }

        private static boolean isDigit(char c) {
            return c >= '0' && c <= '9';
        }

        private void enter() {
            if (++depth > MAX_DEPTH) {
                throw fail("nested deeper than " + MAX_DEPTH);
            }
        }

        private void ws() {
            while (i < s.length()) {
                char c = s.charAt(i);
                if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                    return;
                }
                i++;
            }
        }

        private char peek() {
            return i < s.length() ? s.charAt(i) : '\0';
        }

        private char next() {
            if (i >= s.length()) {
                throw fail("unexpected end");
            }
            return s.charAt(i++);
        }

        private void expect(char c) {
            if (next() != c) {
                throw fail("expected '" + c + "'");
            }
        }

        private IllegalArgumentException fail(String why) {
            return new IllegalArgumentException(why + " at offset " + i);
        }
    }
}
