package io.kafkalite.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Apache Kafka 4.4.0 and our broker, one after the other on this machine, driven by Kafka's stock
 * tools; rounds alternate (Kafka, ours, Kafka, ours, ...) and medians are compared.
 *
 * <pre>
 * bench [--quick] [--guard] [--txn-only] [--security-only] [--startup-only] [--cluster N] [--brokers kafka,ours] [--rounds N]
 *       [--out FILE] [--libs DIR] [--launcher bin/broker]
 *   --quick          fewer records, one round: a few minutes
 *   --guard          produce throughput only; exits 1 when ours is below 0.8x Kafka's (CI regression guard)
 *   --txn-only       the transactions phase only
 *   --security-only  the SASL_SSL phase only
 *   --startup-only   start-up times and idle RSS only (and the in-JVM start of ours)
 *   --cluster N      N-node clusters of each (replication factor min(3, N)) instead of single brokers: {@link ClusterPhase}
 *   --brokers        which brokers to run (a missing one leaves its column NaN)
 * </pre>
 */
public final class Bench {
    private static final String HEAP = "1g";

    private final Path libs;
    private final Path launcher;
    private final Path work;
    private final boolean quick;
    private final boolean guard;
    private final boolean txnOnly;
    private final boolean securityOnly;
    private final boolean startupOnly;
    /** Nodes per cluster in a cluster run, 0 otherwise. */
    private final int cluster;
    /** The SASL_SSL phase's TLS files and client config; null in guard and transactions-only runs, which skip it. */
    private final SaslSslPhase saslSsl;

    private Bench(Path libs, Path launcher, Path work, boolean quick, boolean guard, boolean txnOnly, boolean securityOnly,
                  boolean startupOnly, int cluster) throws IOException, InterruptedException {
        this.libs = libs;
        this.launcher = launcher;
        this.work = work;
        this.quick = quick;
        this.guard = guard;
        this.txnOnly = txnOnly;
        this.securityOnly = securityOnly;
        this.startupOnly = startupOnly;
        this.cluster = cluster;
        this.saslSsl = guard || txnOnly || startupOnly || cluster > 0 ? null : SaslSslPhase.prepare(work.resolve("tls"));
    }

    public static void main(String[] args) throws Exception {
        List<String> a = Arrays.asList(args);
        boolean quick = a.contains("--quick") || a.contains("--guard");
        boolean guard = a.contains("--guard");
        if (Stream.of("--guard", "--txn-only", "--security-only", "--startup-only", "--cluster").filter(a::contains).count() > 1) {
            throw new IllegalArgumentException("--guard, --txn-only, --security-only, --startup-only and --cluster each select the phases: give one");
        }
        int rounds = Integer.parseInt(option(a, "--rounds", quick ? "1" : "3"));
        int cluster = Integer.parseInt(option(a, "--cluster", "0"));
        Path out = Path.of(option(a, "--out", cluster > 0 ? "bench/results-cluster.txt" : "bench/results.txt"));
        Bench bench = new Bench(Path.of(option(a, "--libs", "bench/target/lib")), Path.of(option(a, "--launcher", "bin/broker")),
                Files.createTempDirectory("kafkalite-bench"), quick, guard, a.contains("--txn-only"), a.contains("--security-only"),
                a.contains("--startup-only"), cluster);
        warmUpClient();
        Map<String, Map<String, List<Double>>> results = new LinkedHashMap<>();
        for (int round = 0; round < rounds; round++) {
            for (String broker : option(a, "--brokers", "kafka,ours").split(",")) {
                System.out.printf("== round %d: %s%n", round + 1, broker);
                Map<String, Double> r;
                try {
                    r = bench.runOnce(broker, round);
                } finally {
                    bench.deleteData(broker, round);
                }
                r.forEach((k, v) -> results.computeIfAbsent(k, x -> new LinkedHashMap<>()).computeIfAbsent(broker, x -> new ArrayList<>()).add(v));
            }
        }
        int failures = report(results, out, guard, cluster > 0 ? ClusterPhase.TARGETS : Map.of());
        System.exit(failures);
    }

    private static String option(List<String> args, String name, String dflt) {
        int i = args.indexOf(name);
        return i >= 0 && i + 1 < args.size() ? args.get(i + 1) : dflt;
    }

    private Map<String, Double> runOnce(String name, int round) throws Exception {
        Map<String, Double> r = new LinkedHashMap<>();
        Path dir = work.resolve(name + "-" + round);
        int port = freePortPair();
        Tool tool = new Tool(libs, Files.createDirectories(dir));
        // the guard measures full-size runs: short runs mostly measure JIT warm-up of both JVMs
        long big = quick && !guard ? 200_000 : 1_000_000;
        long small = quick && !guard ? 400_000 : 2_000_000;
        if (cluster > 0) {
            try (Cluster c = Cluster.start(name, cluster, dir, libs, launcher, HEAP)) {
                ClusterPhase.run(c, tool, big, quick ? 2_000 : 10_000, r);
            }
            return print(r);
        }
        if (txnOnly) {
            try (BrokerProcess b = start(name, dir, port)) {
                secondsToFirstProduce(b, new Properties());
                transactions(b, tool, big, round, r);
            }
            return print(r);
        }
        if (securityOnly) {
            saslSsl(name, dir, port, tool, big, r);
            return print(r);
        }
        if (startupOnly) {
            try (BrokerProcess b = start(name, dir, port)) {
                r.put("startup_empty_s", secondsToFirstProduce(b, new Properties()));
                Thread.sleep(2000);
                r.put("idle_rss_mib", b.memoryMiB("VmRSS"));
                fillTenTopics(b);
            }
            try (BrokerProcess b = start(name, dir, port)) {
                r.put("startup_with_data_s", secondsToFirstProduce(b, new Properties()));
            }
            inJvmStart(name, r);
            return print(r);
        }
        try (BrokerProcess b = start(name, dir, port)) {
            r.put("startup_empty_s", secondsToFirstProduce(b, new Properties()));
            Thread.sleep(2000);
            r.put("idle_rss_mib", b.memoryMiB("VmRSS"));
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", b.bootstrap()))) {
                admin.createTopics(List.of(new NewTopic("t1k-p1", 1, (short) 1), new NewTopic("t1k-p6", 6, (short) 1),
                        new NewTopic("t100-p1", 1, (short) 1), new NewTopic("t100-p6", 6, (short) 1), new NewTopic("multi", 6, (short) 1),
                        new NewTopic("e2e", 1, (short) 1))).all().get();
            }
            double[] cpuProduce = {0};
            double[] bytesProduced = {0};
            Map<String, Object[]> produceRuns = new LinkedHashMap<>();
            produceRuns.put("produce_1kb_p6_mbps", new Object[] {"t1k-p6", big, 1024});
            if (!guard) {
                produceRuns.put("produce_1kb_p1_mbps", new Object[] {"t1k-p1", big, 1024});
                produceRuns.put("produce_100b_p1_mbps", new Object[] {"t100-p1", small, 100});
                produceRuns.put("produce_100b_p6_mbps", new Object[] {"t100-p6", small, 100});
            } else {
                produceRuns.put("produce_100b_p6_mbps", new Object[] {"t100-p6", small, 100});
            }
            for (Map.Entry<String, Object[]> run : produceRuns.entrySet()) {
                String topic = (String) run.getValue()[0];
                long records = (Long) run.getValue()[1];
                int size = (Integer) run.getValue()[2];
                double cpu0 = b.cpuSeconds();
                String log = run.getKey() + ".log";
                r.put(run.getKey(), Tool.producedMBps(tool.await(tool.produce(b.bootstrap(), topic, records, size, log), log)));
                cpuProduce[0] += b.cpuSeconds() - cpu0;
                bytesProduced[0] += records * size;
            }
            if (!guard) {
                double cpu0 = b.cpuSeconds();
                List<Process> producers = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    producers.add(tool.produce(b.bootstrap(), "multi", big / 3, 1024, "multi-" + i + ".log"));
                }
                double sum = 0;
                for (int i = 0; i < 3; i++) {
                    sum += Tool.producedMBps(tool.await(producers.get(i), "multi-" + i + ".log"));
                }
                r.put("produce_1kb_3producers_mbps", sum);
                cpuProduce[0] += b.cpuSeconds() - cpu0;
                bytesProduced[0] += 3 * (big / 3) * 1024.0;
                r.put("cpu_s_per_gb_produced", cpuProduce[0] / (bytesProduced[0] / 1e9));

                double cpuC = b.cpuSeconds();
                r.put("consume_1kb_mbps", tool.consume(b.bootstrap(), "t1k-p6", big, "consume-1kb.log"));
                r.put("consume_100b_mbps", tool.consume(b.bootstrap(), "t100-p6", small, "consume-100b.log"));
                r.put("cpu_s_per_gb_consumed", (b.cpuSeconds() - cpuC) / ((big * 1024.0 + small * 100.0) / 1e9));

                double[] e2e = tool.endToEnd(b.bootstrap(), "e2e", quick ? 2_000 : 10_000, 1024, "e2e.log");
                r.put("e2e_p50_ms", e2e[0]);
                r.put("e2e_p99_ms", e2e[1]);
                r.put("e2e_p999_ms", e2e[2]);
                r.put("peak_rss_mib", b.memoryMiB("VmHWM"));
                fillTenTopics(b);
            }
        }
        if (!guard) {
            try (BrokerProcess b = start(name, dir, port)) {
                r.put("startup_with_data_s", secondsToFirstProduce(b, new Properties()));
                // after the restart, so that the metrics above are measured as before transactions existed
                transactions(b, tool, big, round, r);
            }
            saslSsl(name, dir, port, tool, big, r);
            inJvmStart(name, r);
        }
        return print(r);
    }

    /**
     * Ours only (Kafka has no embedding API to compare): {@link InJvmStart} in a fresh JVM each, in memory and on disk,
     * with the broker jars that {@code bin/broker} runs and the JVM's defaults, as a user's test JVM would have.
     */
    private static void inJvmStart(String name, Map<String, Double> r) throws Exception {
        if (!name.equals("ours")) {
            return;
        }
        for (String mode : List.of("memory", "disk")) {
            Process p = new ProcessBuilder(BrokerProcess.java(), "-cp", "bench/target/classes:broker/target/broker.jar:broker/target/lib/*",
                    InJvmStart.class.getName(), mode)
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(2, TimeUnit.MINUTES) || p.exitValue() != 0) {
                throw new IllegalStateException("InJvmStart " + mode + " failed: " + out);
            }
            for (String line : out.split("\n")) {
                String[] kv = line.trim().split(" ");
                if (kv.length == 2 && kv[0].endsWith("_ms")) {
                    r.put("injvm_" + mode + "_" + kv[0], Double.parseDouble(kv[1]));
                }
            }
        }
    }

    /** The SASL_SSL phase on a broker started with that listener only (and its own data directory). */
    private void saslSsl(String name, Path dir, int port, Tool tool, long records, Map<String, Double> r) throws Exception {
        Path secured = dir.resolve(SaslSslPhase.PROTOCOL.toLowerCase());
        Map<String, String> props = saslSsl.serverProps(name.equals("kafka"));
        try (BrokerProcess b = name.equals("kafka") ? BrokerProcess.kafka(libs, secured, port, HEAP, SaslSslPhase.PROTOCOL, props)
                : BrokerProcess.ours(launcher, secured, port, HEAP, SaslSslPhase.PROTOCOL, props)) {
            r.put("startup_sasl_ssl_s", secondsToFirstProduce(b, saslSsl.clientProperties(b.bootstrap())));
            saslSsl.run(b, tool, records, r);
        }
    }

    /**
     * Transactional produce (one transactional id, a commit every 100 ms, 1 KB records, 6 partitions), then the same topic
     * consumed read_committed and read_uncommitted (after unmeasured reads of an eighth of it at each level, so that
     * neither pays for the broker's cold fetch path). "txn_rc_over_ru" is read_committed over read_uncommitted
     * throughput within one broker (what the isolation level costs), not a comparison of the two brokers.
     */
    private static void transactions(BrokerProcess b, Tool tool, long records, int round, Map<String, Double> r) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", b.bootstrap()))) {
            admin.createTopics(List.of(new NewTopic("txn", 6, (short) 1), new NewTopic("txn-warm-up", 1, (short) 1))).all().get();
        }
        // the transaction coordinator's first use (Kafka creates its 50-partition state topic) is not what is measured
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, b.bootstrap());
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "bench-txn-warm-up");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>("txn-warm-up", "warm-up".getBytes()));
            producer.commitTransaction();
        }
        double gb = records * 1024.0 / 1e9;
        double cpu0 = b.cpuSeconds();
        String log = "produce-txn.log";
        String out = tool.await(tool.produceTransactional(b.bootstrap(), "txn", records, 1024, "bench-txn-" + round, 100, log), log);
        r.put("produce_txn_1kb_p6_mbps", Tool.producedMBps(out));
        r.put("cpu_s_per_gb_txn_produced", (b.cpuSeconds() - cpu0) / gb);
        // how long the producer waited in commitTransaction (the last records' acknowledgements, then EndTxn)
        r.put("txn_commit_wait_s", Tool.metric(out, "producer-metrics:txn-commit-time-ns-total") / 1e9);
        // both isolation levels' read paths warmed up (JIT), so that neither measured read pays for the other
        tool.consume(b.bootstrap(), "txn", records / 8, "consume-txn-warm-up-rc.log", "isolation.level=read_committed");
        tool.consume(b.bootstrap(), "txn", records / 8, "consume-txn-warm-up-ru.log", "isolation.level=read_uncommitted");
        double cpu1 = b.cpuSeconds();
        double committed = tool.consume(b.bootstrap(), "txn", records, "consume-txn-rc.log", "isolation.level=read_committed");
        double cpu2 = b.cpuSeconds();
        double uncommitted = tool.consume(b.bootstrap(), "txn", records, "consume-txn-ru.log", "isolation.level=read_uncommitted");
        r.put("consume_txn_rc_mbps", committed);
        r.put("consume_txn_ru_mbps", uncommitted);
        r.put("txn_rc_over_ru", committed / uncommitted);
        r.put("cpu_s_per_gb_txn_rc_consumed", (cpu2 - cpu1) / gb);
        r.put("cpu_s_per_gb_txn_ru_consumed", (b.cpuSeconds() - cpu2) / gb);
    }

    /** Deletes a round's broker data (a full run writes about 20 GB); the tools' and brokers' logs stay. */
    private void deleteData(String name, int round) throws IOException {
        Path dir = work.resolve(name + "-" + round);
        List<Path> dirs = new ArrayList<>(List.of(dir.resolve("logs"), dir.resolve(SaslSslPhase.PROTOCOL.toLowerCase()).resolve("logs")));
        dirs.addAll(ClusterPhase.dataDirs(dir, cluster));
        for (Path data : dirs) {
            if (Files.exists(data)) {
                try (Stream<Path> paths = Files.walk(data)) {
                    for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                        Files.delete(p);
                    }
                }
            }
        }
    }

    private static Map<String, Double> print(Map<String, Double> r) {
        r.forEach((k, v) -> System.out.printf("   %-36s %10.2f%n", k, v));
        return r;
    }

    private BrokerProcess start(String name, Path dir, int port) throws Exception {
        return name.equals("kafka") ? BrokerProcess.kafka(libs, dir, port, HEAP, "PLAINTEXT", Map.of())
                : BrokerProcess.ours(launcher, dir, port, HEAP, "PLAINTEXT", Map.of());
    }

    /**
     * Seconds from process start until a produce (to a new, auto-created topic) is acknowledged; {@code client} are the
     * producer's other properties (security).
     */
    private static double secondsToFirstProduce(BrokerProcess b, Properties client) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!b.listening()) {
            if (!b.process.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException(b.name + " did not start");
            }
            Thread.sleep(5);
        }
        awaitFirstProduce(b.bootstrap(), client);
        return (System.nanoTime() - b.startedNanos) / 1e9;
    }

    /** Sends one record (acks=all) to a new, auto-created topic and waits until it is acknowledged (at most 120 s). */
    static void awaitFirstProduce(String bootstrap, Properties client) throws Exception {
        Properties p = new Properties();
        p.putAll(client);
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.RECONNECT_BACKOFF_MS_CONFIG, 10);
        p.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 10);
        p.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, 10);
        p.put(ProducerConfig.RETRY_BACKOFF_MAX_MS_CONFIG, 10);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>("first-produce-" + System.nanoTime(), "hello".getBytes())).get(120, TimeUnit.SECONDS);
        }
    }

    /**
     * One produce through the bench's own producer before any measurement, to an in-JVM broker of ours: otherwise
     * the start-up time of whichever broker is measured first includes loading the client's classes.
     */
    private static void warmUpClient() throws Exception {
        try (io.kafkalite.broker.Broker broker = io.kafkalite.broker.Broker.builder().inMemory().start()) {
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
            p.put(ProducerConfig.ACKS_CONFIG, "all");
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
                producer.send(new ProducerRecord<>("warm-up", "hello".getBytes())).get(60, TimeUnit.SECONDS);
            }
        }
    }

    /** 10 topics x 6 partitions holding data, for the restart measurement. */
    private void fillTenTopics(BrokerProcess b) throws Exception {
        List<NewTopic> topics = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            topics.add(new NewTopic("data-" + i, 6, (short) 1));
        }
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", b.bootstrap()))) {
            admin.createTopics(topics).all().get();
        }
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, b.bootstrap());
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        byte[] value = new byte[1024];
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int t = 0; t < 10; t++) {
                for (int i = 0; i < (quick ? 2_000 : 10_000); i++) {
                    producer.send(new ProducerRecord<>("data-" + t, value));
                }
            }
        }
    }

    private static int freePortPair() throws IOException {
        for (int attempt = 0; attempt < 50; attempt++) {
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            try (ServerSocket s = new ServerSocket(port + 1)) {
                return port;
            } catch (IOException taken) {
                // try another pair
            }
        }
        throw new IOException("no two free adjacent ports");
    }

    /**
     * Prints the table and writes "key value" lines; returns how many guard checks failed. With {@code targets} (metric ->
     * ">= 1.2" or "<= 0.7", on ours/Kafka), the table also shows each target, whether the median ratio meets it, and
     * the ratio of each round (round i of ours over round i of Kafka).
     */
    private static int report(Map<String, Map<String, List<Double>>> results, Path out, boolean guard, Map<String, String> targets)
            throws IOException {
        StringBuilder table = new StringBuilder(String.format("%-36s %12s %12s %10s%s%n", "metric (median)", "kafka", "ours", "ours/kafka",
                targets.isEmpty() ? "" : String.format(" %-8s %-6s %s", "target", "met", "per round")));
        StringBuilder lines = new StringBuilder();
        int failures = 0;
        for (Map.Entry<String, Map<String, List<Double>>> e : results.entrySet()) {
            double kafka = median(e.getValue().get("kafka"));
            double ours = median(e.getValue().get("ours"));
            double ratio = ours / kafka;
            table.append(String.format("%-36s %12.2f %12.2f %10.2f", e.getKey(), kafka, ours, ratio));
            if (!targets.isEmpty()) {
                String target = targets.getOrDefault(e.getKey(), "");
                table.append(String.format(" %-8s %-6s %s", target, target.isEmpty() || Double.isNaN(ratio) ? "" : meets(ratio, target) ? "yes" : "NO",
                        roundRatios(e.getValue().get("kafka"), e.getValue().get("ours"))));
            }
            table.append(System.lineSeparator());
            lines.append(String.format("kafka.%s %.3f%nours.%s %.3f%nratio.%s %.3f%n", e.getKey(), kafka, e.getKey(), ours, e.getKey(), ratio));
            if (guard && e.getKey().startsWith("produce_") && ratio < 0.8) {
                table.append(String.format("GUARD FAILED: %s is %.2fx Kafka's (< 0.8x)%n", e.getKey(), ratio));
                failures++;
            }
        }
        System.out.print(table);
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, lines.toString());
        return failures;
    }

    private static boolean meets(double ratio, String target) {
        double bound = Double.parseDouble(target.substring(2).trim());
        return target.startsWith(">=") ? ratio >= bound : ratio <= bound;
    }

    private static String roundRatios(List<Double> kafka, List<Double> ours) {
        if (kafka == null || ours == null) {
            return "";
        }
        List<String> ratios = new ArrayList<>();
        for (int i = 0; i < Math.min(kafka.size(), ours.size()); i++) {
            ratios.add(String.format("%.2f", ours.get(i) / kafka.get(i)));
        }
        return String.join(" ", ratios);
    }

    private static double median(List<Double> values) {
        if (values == null) {
            return Double.NaN;
        }
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(null);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
}
