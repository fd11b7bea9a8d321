package io.kafkalite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterClientQuotasOptions;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.quota.ClientQuotaAlteration;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.apache.kafka.common.quota.ClientQuotaFilter;
import org.apache.kafka.common.quota.ClientQuotaFilterComponent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Client quotas as operators manage them: kafka-configs (org.apache.kafka.tools.ConfigCommand, in its own JVM)
 * for clients, users and their defaults, and the admin client's alterClientQuotas / describeClientQuotas with
 * Kafka's filters and errors; the quotas survive a broker restart.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class ClientQuotaToolsTest {
    private static final String CONFIG_COMMAND = "org.apache.kafka.tools.ConfigCommand";

    @TempDir
    Path dir;

    private Tools.Result configs(TestBroker broker, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("--bootstrap-server", broker.bootstrap()));
        all.addAll(List.of(args));
        return Tools.run(dir, CONFIG_COMMAND, all);
    }

    private static void assertTool(Tools.Result r, String expectedText) {
        assertEquals(0, r.exitCode(), r.stdout() + r.stderr());
        assertTrue(r.stdout().contains(expectedText), "expected '" + expectedText + "' in:\n" + r.stdout());
    }

    @Test
    void kafkaConfigsSetsDescribesAndDeletesQuotasThatSurviveARestart() throws Exception {
        try (TestBroker broker = TestBroker.start(dir.resolve("data"))) {
            // when
            assertTool(configs(broker, "--alter", "--entity-type", "clients", "--entity-name", "app", "--add-config",
                    "producer_byte_rate=1024,consumer_byte_rate=2048"), "Completed updating config for client app.");
            assertTool(configs(broker, "--alter", "--entity-type", "users", "--entity-name", "alice", "--add-config",
                    "producer_byte_rate=4096,request_percentage=50"), "Completed updating config for user alice.");
            assertTool(configs(broker, "--alter", "--entity-type", "clients", "--entity-default", "--add-config", "consumer_byte_rate=100"),
                    "Completed updating default config for clients in the cluster.");
            assertTool(configs(broker, "--alter", "--entity-type", "users", "--entity-name", "alice", "--entity-type", "clients",
                    "--entity-name", "app", "--add-config", "producer_byte_rate=512"), "Completed updating config");

            assertTool(configs(broker, "--alter", "--entity-type", "users", "--entity-default", "--add-config", "producer_byte_rate=300"),
                    "Completed updating default config for users in the cluster.");
            assertTool(configs(broker, "--alter", "--entity-type", "ips", "--entity-name", "127.0.0.1", "--add-config",
                    "connection_creation_rate=10"), "Completed updating config for ip 127.0.0.1.");

            // then
            assertTool(configs(broker, "--describe", "--entity-type", "users", "--entity-default"),
                    "Quota configs for the default user-principal are producer_byte_rate=300.0");
            assertTool(configs(broker, "--describe", "--entity-type", "ips", "--entity-name", "127.0.0.1"),
                    "Quota configs for ip '127.0.0.1' are connection_creation_rate=10.0");
            assertTool(configs(broker, "--describe", "--entity-type", "clients", "--entity-name", "app"),
                    "Quota configs for client-id 'app' are ");
            Tools.Result app = configs(broker, "--describe", "--entity-type", "clients", "--entity-name", "app");
            assertTrue(app.stdout().contains("producer_byte_rate=1024.0") && app.stdout().contains("consumer_byte_rate=2048.0"), app.stdout());
            assertTool(configs(broker, "--describe", "--entity-type", "clients", "--entity-default"),
                    "Quota configs for the default client-id are consumer_byte_rate=100.0");
            Tools.Result alice = configs(broker, "--describe", "--entity-type", "users", "--entity-name", "alice");
            assertTrue(alice.stdout().contains("Quota configs for user-principal 'alice' are "), alice.stdout());
            assertTrue(alice.stdout().contains("request_percentage=50.0"), alice.stdout());
            assertTool(configs(broker, "--describe", "--entity-type", "users", "--entity-name", "alice", "--entity-type", "clients",
                    "--entity-name", "app"), "Quota configs for user-principal 'alice', client-id 'app' are producer_byte_rate=512.0");
            Tools.Result allClients = configs(broker, "--describe", "--entity-type", "clients");
            assertTrue(allClients.stdout().contains("client-id 'app'") && allClients.stdout().contains("the default client-id"),
                    allClients.stdout());

            // when the broker restarts, then they are still there
            broker.restart();
            assertTool(configs(broker, "--describe", "--entity-type", "clients", "--entity-default"),
                    "Quota configs for the default client-id are consumer_byte_rate=100.0");

            // when a quota is deleted
            assertTool(configs(broker, "--alter", "--entity-type", "clients", "--entity-name", "app", "--delete-config", "producer_byte_rate"),
                    "Completed updating config for client app.");
            Tools.Result after = configs(broker, "--describe", "--entity-type", "clients", "--entity-name", "app");
            assertTrue(after.stdout().contains("consumer_byte_rate=2048.0") && !after.stdout().contains("producer_byte_rate"), after.stdout());
            assertTool(configs(broker, "--alter", "--entity-type", "clients", "--entity-default", "--delete-config", "consumer_byte_rate"),
                    "Completed updating default config for clients");
            assertEquals("", configs(broker, "--describe", "--entity-type", "clients", "--entity-default").stdout().trim());
        }
    }

    @Test
    void theAdminClientAltersAndDescribesWithKafkasFiltersAndErrors() throws Exception {
        try (TestBroker broker = TestBroker.start(dir.resolve("data")); Admin admin = broker.admin()) {
            ClientQuotaEntity app = entity(ClientQuotaEntity.CLIENT_ID, "app");
            ClientQuotaEntity bobApp = new ClientQuotaEntity(Map.of(ClientQuotaEntity.USER, "bob", ClientQuotaEntity.CLIENT_ID, "app"));
            ClientQuotaEntity localhost = entity(ClientQuotaEntity.IP, "127.0.0.1");
            admin.alterClientQuotas(List.of(
                    new ClientQuotaAlteration(app, List.of(new ClientQuotaAlteration.Op("producer_byte_rate", 1000.0))),
                    new ClientQuotaAlteration(bobApp, List.of(new ClientQuotaAlteration.Op("consumer_byte_rate", 2000.0))),
                    new ClientQuotaAlteration(localhost, List.of(new ClientQuotaAlteration.Op("connection_creation_rate", 10.0)))))
                    .all().get();

            // validate_only changes nothing
            admin.alterClientQuotas(List.of(new ClientQuotaAlteration(app, List.of(new ClientQuotaAlteration.Op("producer_byte_rate", 5.0)))),
                    new AlterClientQuotasOptions().validateOnly(true)).all().get();
            assertEquals(Map.of(app, Map.of("producer_byte_rate", 1000.0)),
                    admin.describeClientQuotas(ClientQuotaFilter.containsOnly(List.of(ClientQuotaFilterComponent.ofEntity("client-id", "app"))))
                            .entities().get());
            // contains: every entity with a client id app, also bob's
            assertEquals(2, admin.describeClientQuotas(ClientQuotaFilter.contains(List.of(ClientQuotaFilterComponent.ofEntity("client-id", "app"))))
                    .entities().get().size());
            assertEquals(Map.of(localhost, Map.of("connection_creation_rate", 10.0)),
                    admin.describeClientQuotas(ClientQuotaFilter.contains(List.of(ClientQuotaFilterComponent.ofEntityType("ip")))).entities().get());
            assertEquals(3, admin.describeClientQuotas(ClientQuotaFilter.all()).entities().get().size());

            // Kafka's errors
            ExecutionException negative = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, () -> admin.alterClientQuotas(
                    List.of(new ClientQuotaAlteration(app, List.of(new ClientQuotaAlteration.Op("producer_byte_rate", -1.0))))).all().get());
            assertInstanceOf(InvalidRequestException.class, negative.getCause());
            assertEquals("Quota producer_byte_rate must be greater than 0", negative.getCause().getMessage());
            ExecutionException unknown = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, () -> admin.alterClientQuotas(
                    List.of(new ClientQuotaAlteration(localhost, List.of(new ClientQuotaAlteration.Op("producer_byte_rate", 1.0))))).all().get());
            assertEquals("Invalid configuration key producer_byte_rate", unknown.getCause().getMessage());
        }
    }

    private static ClientQuotaEntity entity(String type, String name) {
        Map<String, String> m = new HashMap<>();
        m.put(type, name);
        return new ClientQuotaEntity(m);
    }
}
