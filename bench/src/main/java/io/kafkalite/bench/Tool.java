package io.kafkalite.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Kafka's stock perf tools (kafka-tools 4.4.0), each in its own JVM, and what their output says. */
final class Tool {
    private final Path libs;
    private final Path workDir;
    /** A client config file (security settings) for produce and consume, or null. */
    private final Path clientConfig;

    Tool(Path libs, Path workDir) {
        this(libs, workDir, null);
    }

    private Tool(Path libs, Path workDir, Path clientConfig) {
        this.libs = libs;
        this.workDir = workDir;
        this.clientConfig = clientConfig;
    }

    /** The same tools, producing and consuming with the settings of {@code file} (passed as --command-config). */
    Tool withClientConfig(Path file) {
        return new Tool(libs, workDir, file);
    }

    private void addClientConfig(List<String> args) {
        if (clientConfig != null) {
            args.addAll(List.of("--command-config", clientConfig.toString()));
        }
    }

    Process start(String mainClass, List<String> args, String logName) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(BrokerProcess.java(), "-Xmx512m", "-cp", libs.resolve("*").toString(), mainClass));
        cmd.addAll(args);
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(workDir.resolve(logName).toFile()).start();
    }

    String run(String mainClass, List<String> args, String logName) throws IOException, InterruptedException {
        Process p = start(mainClass, args, logName);
        return await(p, logName);
    }

    String await(Process p, String logName) throws IOException, InterruptedException {
        if (!p.waitFor(15, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException(logName + " did not finish");
        }
        String out = Files.readString(workDir.resolve(logName));
        if (p.exitValue() != 0) {
            throw new IllegalStateException(logName + " failed (" + p.exitValue() + "): " + tail(out));
        }
        return out;
    }

    /** ProducerPerformance (acks=all, linger.ms=5, batch.size=131072); {@code extra} are more tool options. */
    Process produce(String bootstrap, String topic, long records, int size, String logName, String... extra) throws IOException {
        List<String> args = new ArrayList<>(List.of(extra));
        addClientConfig(args);
        args.addAll(List.of("--topic", topic, "--num-records", String.valueOf(records), "--record-size", String.valueOf(size),
                "--throughput", "-1", "--producer-props", "bootstrap.servers=" + bootstrap, "acks=all", "linger.ms=5", "batch.size=131072"));
        return start("org.apache.kafka.tools.ProducerPerformance", args, logName);
    }

    /** ProducerPerformance in transactions: one transactional id, a commit every {@code durationMs}; prints the producer's metrics. */
    Process produceTransactional(String bootstrap, String topic, long records, int size, String transactionalId, int durationMs,
            String logName) throws IOException {
        return produce(bootstrap, topic, records, size, logName, "--transactional-id", transactionalId, "--transaction-duration-ms",
                String.valueOf(durationMs), "--print-metrics");
    }

    /** A metric printed by --print-metrics ("group:name", any tags), e.g. "producer-metrics:txn-commit-time-ns-total". */
    static double metric(String output, String name) {
        Matcher m = Pattern.compile("^" + Pattern.quote(name) + ":\\{[^}]*\\}\\s*: ([0-9.]+)$", Pattern.MULTILINE).matcher(output);
        if (!m.find()) {
            throw new IllegalStateException("no metric " + name + " in: " + tail(output));
        }
        return Double.parseDouble(m.group(1));
    }

    static double producedMBps(String output) {
        Matcher m = Pattern.compile("records sent, [0-9.]+ records/sec \\(([0-9.]+) MB/sec\\), [0-9.]+ ms avg latency, [0-9.]+ ms max latency, ")
                .matcher(output);
        double last = -1;
        while (m.find()) {
            last = Double.parseDouble(m.group(1));
        }
        if (last < 0) {
            throw new IllegalStateException("no ProducerPerformance summary in: " + tail(output));
        }
        return last;
    }

    /**
     * ConsumerPerformance: fetch MB/s (excluding the group join) from its CSV line; {@code properties} are consumer configs
     * ("isolation.level=read_committed"), passed with --command-property.
     */
    double consume(String bootstrap, String topic, long records, String logName, String... properties) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("--bootstrap-server", bootstrap, "--topic", topic, "--num-records", String.valueOf(records),
                "--timeout", "120000", "--group", "perf-" + System.nanoTime()));
        addClientConfig(args);
        // the consumer's metrics (fetch latency, fetch size) at the end of the log, for diagnosis; the result line comes first
        args.add("--print-metrics");
        for (String property : properties) {
            args.addAll(List.of("--command-property", property));
        }
        String out = run("org.apache.kafka.tools.ConsumerPerformance", args, logName);
        for (String line : out.lines().toList()) {
            String[] f = line.split(",\\s*");
            if (f.length >= 10 && f[0].matches("\\d{4}-.*")) {
                if (Long.parseLong(f[4].trim()) < records) {
                    throw new IllegalStateException("ConsumerPerformance read " + f[4] + " of " + records);
                }
                return Double.parseDouble(f[8].trim());
            }
        }
        throw new IllegalStateException("no ConsumerPerformance result in: " + tail(out));
    }

    /** EndToEndLatency (acks=all): p50, p99, p99.9 in ms. */
    double[] endToEnd(String bootstrap, String topic, int records, int size, String logName) throws IOException, InterruptedException {
        String out = run("org.apache.kafka.tools.EndToEndLatency", List.of(bootstrap, topic, String.valueOf(records), "all", String.valueOf(size)), logName);
        Matcher m = Pattern.compile("Percentiles: 50th = ([0-9.]+), 99th = ([0-9.]+), 99.9th = ([0-9.]+)").matcher(out);
        if (!m.find()) {
            throw new IllegalStateException("no EndToEndLatency percentiles in: " + tail(out));
        }
        return new double[] {Double.parseDouble(m.group(1)), Double.parseDouble(m.group(2)), Double.parseDouble(m.group(3))};
    }

    static String tail(String s) {
        return s.length() > 2000 ? s.substring(s.length() - 2000) : s;
    }
}
