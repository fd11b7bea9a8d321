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
    static final TestBroker broker = TestBroker.perClass(Map.of("group.initial.rebalance.delay.ms", "0"));
    @TempDir
    Path dir;

    @Test
    void aDistributedWorkerStartsAndJoinsItsGroup() throws Exception {
        int restPort = TestBroker.freePort();
        Path config = dir.resolve("worker.properties");
        Files.writeString(config, String.join("\n", "bootstrap.servers=" + broker.bootstrap(), "group.id=connect-cluster",
                "key.converter=org.apache.kafka.connect.json.JsonConverter", "value.converter=org.apache.kafka.connect.json.JsonConverter",
                "config.storage.topic=connect-configs", "offset.storage.topic=connect-offsets", "status.storage.topic=connect-status",
                "config.storage.replication.factor=1", "offset.storage.replication.factor=1", "status.storage.replication.factor=1",
                "listeners=http://localhost:" + restPort, "plugin.discovery=only_scan", ""));
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "org.apache.kafka.connect.cli.ConnectDistributed", config.toString()));
        Process worker = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("connect.log").toFile()).start();
        try {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            String connectors = null;
            long deadline = System.currentTimeMillis() + 90_000;
            while (connectors == null && System.currentTimeMillis() < deadline && worker.isAlive()) {
                try {
                    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + restPort + "/connectors"))
                            .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() == 200) {
                        connectors = r.body();
                    }
                } catch (java.io.IOException notYet) {
                    Thread.sleep(500);
                }
            }
            assertEquals("[]", connectors, "the worker serves /connectors once it has joined its group: " + tail(dir.resolve("connect.log")));
            try (Admin admin = broker.admin()) {
                ConfigResource res = new ConfigResource(ConfigResource.Type.TOPIC, "connect-configs");
                Config c = admin.describeConfigs(List.of(res)).all().get().get(res);
                assertEquals("compact", c.get("cleanup.policy").value());
                var groups = admin.listGroups().all().get();
                assertTrue(groups.stream().anyMatch(g -> g.groupId().equals("connect-cluster")), groups.toString());
            }
        } finally {
            worker.destroy();
            if (!worker.waitFor(30, TimeUnit.SECONDS)) {
                worker.destroyForcibly();
            }
        }
    }

    private static String tail(Path log) throws java.io.IOException {
        String s = Files.exists(log) ? Files.readString(log) : "";
        return s.length() > 3000 ? s.substring(s.length() - 3000) : s;
    }
}
