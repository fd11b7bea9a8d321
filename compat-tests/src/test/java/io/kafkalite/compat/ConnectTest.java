package io.kafkalite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stock Kafka Connect worker in distributed mode (connect-runtime 4.4.0, its own JVM) starts against the
 * broker: it creates its compacted internal topics, checks their cleanup policy through DescribeConfigs,
 * joins its group with the "connect" protocol, and serves its REST API.
 */
class ConnectTest {
    @RegisterExtension
    static final TestBroker broker = TestBroker.perClass(Map.of("group.initial.rebalance.delay.ms", "0", "log.cleaner.backoff.ms", "200"));
    @TempDir
    Path dir;

    @Test
    void aDistributedWorkerStartsAndJoinsItsGroup() throws Exception {
        int restPort = TestBroker.freePort();
        Process worker = startWorker(restPort, "connect-cluster", "connect");
        try {
            String connectors = awaitRest(worker, restPort, "/connectors");
            assertEquals("[]", connectors, "the worker serves /connectors once it has joined its group: " + tail(dir.resolve("connect.log")));
            try (Admin admin = broker.admin()) {
                ConfigResource res = new ConfigResource(ConfigResource.Type.TOPIC, "connect-configs");
                Config c = admin.describeConfigs(List.of(res)).all().get().get(res);
                assertEquals("compact", c.get("cleanup.policy").value());
                var groups = admin.listGroups().all().get();
                assertTrue(groups.stream().anyMatch(g -> g.groupId().equals("connect-cluster")), groups.toString());
            }
        } finally {
            stop(worker);
        }
    }

    @Test
    void aConnectorUpdatedManyTimesHasItsConfigTopicCompactedAndARestartedWorkerGetsTheLatestConfig() throws Exception {
        try (Admin admin = broker.admin()) { // the config topic with small segments, so its updates roll them
            admin.createTopics(List.of(new NewTopic("cc-configs", 1, (short) 1).configs(Map.of("cleanup.policy", "compact",
                    "segment.bytes", "1048576", "min.cleanable.dirty.ratio", "0.01", "delete.retention.ms", "1000")))).all().get();
        }
        int restPort = TestBroker.freePort();
        Process worker = startWorker(restPort, "connect-compaction", "cc");
        int updates = 0;
        try {
            awaitRest(worker, restPort, "/connectors");
            String padding = "p".repeat(100_000); // ~200 KB a update (connector and task config): five fill a segment
            long until = System.currentTimeMillis() + 20_000;
            while (System.currentTimeMillis() < until || updates < 40) {
                String body = "{\"connector.class\":\"" + ConfigOnlySourceConnector.class.getName() + "\",\"tasks.max\":\"1\","
                        + "\"update\":\"" + (updates + 1) + "\",\"padding\":\"" + padding + "\"}";
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + restPort + "/connectors/padded/config"))
                        .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(body))
                        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200 || r.statusCode() == 201) {
                    updates++;
                } else if (r.statusCode() != 409) { // 409: a rebalance is under way, try again
                    throw new AssertionError("PUT answered " + r.statusCode() + ": " + r.body());
                }
            }
        } finally {
            stop(worker);
        }
        long records = 0;
        long deadline = System.currentTimeMillis() + 30_000;
        do {
            Thread.sleep(500);
            try (KafkaConsumer<String, String> c = broker.consumer()) {
                records = Records.readToEnd(c, List.of(new TopicPartition("cc-configs", 0)), Duration.ofSeconds(30)).size();
            }
        } while (records >= updates && System.currentTimeMillis() < deadline); // uncompacted: 3 records (connector, task, commit) an update
        assertTrue(records < updates, "the config topic was compacted: " + records + " records after " + updates + " updates");

        Process restarted = startWorker(restPort, "connect-compaction", "cc");
        try {
            awaitRest(restarted, restPort, "/connectors");
            String expected = "\"update\":\"" + updates + "\"";
            String config = null;
            long until = System.currentTimeMillis() + 60_000;
            while ((config == null || !config.contains(expected)) && System.currentTimeMillis() < until) {
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + restPort + "/connectors/padded/config"))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                config = r.body();
                Thread.sleep(200);
            }
            assertTrue(config != null && config.contains(expected), "the restarted worker has update " + updates + ": "
                    + (config == null ? null : config.substring(0, Math.min(300, config.length()))));
        } finally {
            stop(restarted);
        }
    }

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** A distributed worker in its own JVM; its internal topics are {prefix}-configs, -offsets and -status. */
    private Process startWorker(int restPort, String group, String prefix) throws java.io.IOException {
        Path config = dir.resolve(group + ".properties");
        Files.writeString(config, String.join("\n", "bootstrap.servers=" + broker.bootstrap(), "group.id=" + group,
                "key.converter=org.apache.kafka.connect.json.JsonConverter", "value.converter=org.apache.kafka.connect.json.JsonConverter",
                "config.storage.topic=" + prefix + "-configs", "offset.storage.topic=" + prefix + "-offsets",
                "status.storage.topic=" + prefix + "-status",
                "config.storage.replication.factor=1", "offset.storage.replication.factor=1", "status.storage.replication.factor=1",
                "listeners=http://localhost:" + restPort, "plugin.discovery=only_scan", ""));
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "org.apache.kafka.connect.cli.ConnectDistributed", config.toString()));
        return new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("connect.log").toFile())).start();
    }

    /** The body of the first 200 answer to GET path, once the worker serves its REST API (null if it never does). */
    private static String awaitRest(Process worker, int restPort, String path) throws Exception {
        long deadline = System.currentTimeMillis() + 90_000;
        while (System.currentTimeMillis() < deadline && worker.isAlive()) {
            try {
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + restPort + path))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return r.body();
                }
            } catch (java.io.IOException notYet) {
                // not listening yet
            }
            Thread.sleep(500);
        }
        return null;
    }

    private static void stop(Process worker) throws InterruptedException {
        worker.destroy();
        if (!worker.waitFor(30, TimeUnit.SECONDS)) {
            worker.destroyForcibly();
        }
    }

    private static String tail(Path log) throws java.io.IOException {
        String s = Files.exists(log) ? Files.readString(log) : "";
        return s.length() > 3000 ? s.substring(s.length() - 3000) : s;
    }
}
