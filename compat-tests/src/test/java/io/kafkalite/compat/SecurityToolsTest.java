package io.kafkalite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka's security CLI as its users run it, each tool in its own JVM over SASL_PLAINTEXT with a
 * {@code --command-config} file: kafka-acls (org.apache.kafka.tools.AclCommand) adds, lists and removes
 * ACLs that stock clients then obey; kafka-configs (org.apache.kafka.tools.ConfigCommand) manages SCRAM
 * users that then authenticate (or no longer do); a user who is not a super user gets Kafka's
 * authorization error from kafka-acls.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class SecurityToolsTest {
    private static final String ACL_COMMAND = "org.apache.kafka.tools.AclCommand";
    private static final String CONFIG_COMMAND = "org.apache.kafka.tools.ConfigCommand";

    @RegisterExtension
    static final SecureBroker broker = SecureBroker.withAuthorizer();
    @TempDir
    static Path dir;

    @BeforeAll
    static void createTopics() throws Exception {
        try (Admin admin = broker.admin("admin")) {
            admin.createTopics(List.of(new NewTopic("orders-x", 1, (short) 1), new NewTopic("payments", 1, (short) 1),
                    new NewTopic("invoices", 1, (short) 1))).all().get();
        }
        try (KafkaProducer<String, String> producer = broker.producer(broker.saslPlain("admin"))) {
            producer.send(new ProducerRecord<>("orders-x", "k", "order-1")).get();
        }
    }

    @Test
    void kafkaAclsAddsListsAndRemovesAclsThatClientsObey() throws Exception {
        // given: the ACLs of a typical set-up, through the CLI
        assertTool(acls("admin", "--add", "--allow-principal", "User:alice", "--operation", "Read", "--topic", "orders-",
                "--resource-pattern-type", "prefixed"), "Adding ACLs for resource `" + topic("orders-", "PREFIXED") + "`");
        assertTool(acls("admin", "--add", "--deny-principal", "User:alice", "--operation", "Read", "--topic", "payments"),
                "Adding ACLs for resource `" + topic("payments", "LITERAL") + "`");
        assertTool(acls("admin", "--add", "--allow-principal", "User:alice", "--group", "g1", "--operation", "Read"),
                "Adding ACLs for resource `" + group("g1") + "`");
        assertTool(acls("admin", "--add", "--allow-principal", "User:bob", "--producer", "--topic", "invoices"), "Adding ACLs");
        assertTool(acls("admin", "--add", "--allow-principal", "User:bob", "--consumer", "--topic", "invoices", "--group", "billing"),
                "Adding ACLs");

        // when / then: --list shows every ACL under its resource
        Map<String, Set<String>> all = listed(acls("admin", "--list"));
        assertEquals(Map.of(
                topic("orders-", "PREFIXED"), Set.of(entry("alice", "READ", "ALLOW")),
                topic("payments", "LITERAL"), Set.of(entry("alice", "READ", "DENY")),
                group("g1"), Set.of(entry("alice", "READ", "ALLOW")),
                // --producer: WRITE, DESCRIBE, CREATE; --consumer: READ, DESCRIBE on the topic and READ on the group
                topic("invoices", "LITERAL"), Set.of(entry("bob", "WRITE", "ALLOW"), entry("bob", "DESCRIBE", "ALLOW"),
                        entry("bob", "CREATE", "ALLOW"), entry("bob", "READ", "ALLOW")),
                group("billing"), Set.of(entry("bob", "READ", "ALLOW"))), all);
        assertEquals(Map.of(topic("orders-", "PREFIXED"), Set.of(entry("alice", "READ", "ALLOW"))),
                listed(acls("admin", "--list", "--topic", "orders-", "--resource-pattern-type", "prefixed")));
        assertEquals(Map.of(topic("orders-", "PREFIXED"), Set.of(entry("alice", "READ", "ALLOW"))),
                listed(acls("admin", "--list", "--topic", "orders-x", "--resource-pattern-type", "match")),
                "MATCH finds the prefixed ACL that applies to orders-x");
        assertEquals(Map.of(topic("payments", "LITERAL"), Set.of(entry("alice", "READ", "DENY"))),
                listed(acls("admin", "--list", "--topic", "payments", "--resource-pattern-type", "match")));

        // alice reads orders-x in group g1
        try (KafkaConsumer<String, String> consumer = broker.consumer(broker.saslPlain("alice"), "g1")) {
            consumer.subscribe(List.of("orders-x"));
            assertEquals(List.of("order-1"), SecureBrokerRecords.values(consumer, 1, Duration.ofSeconds(30)));
        }

        // when: --remove --force
        Tools.Result removed = acls("admin", "--remove", "--force", "--allow-principal", "User:alice", "--operation", "Read", "--topic",
                "orders-", "--resource-pattern-type", "prefixed");
        assertEquals(0, removed.exitCode(), removed.stdout() + removed.stderr()); // Kafka's tool prints nothing on removal

        // then: no longer listed, and alice may no longer read
        Map<String, Set<String>> afterRemove = listed(acls("admin", "--list"));
        Map<String, Set<String>> expected = new HashMap<>(all);
        expected.remove(topic("orders-", "PREFIXED"));
        assertEquals(expected, afterRemove);
        assertEquals(Map.of(), listed(acls("admin", "--list", "--topic", "orders-x", "--resource-pattern-type", "match")));
        try (KafkaConsumer<String, String> consumer = broker.consumer(broker.saslPlain("alice"), "g1")) {
            consumer.assign(List.of(new TopicPartition("orders-x", 0)));
            consumer.seekToBeginning(consumer.assignment());
            assertThrows(TopicAuthorizationException.class, () -> consumer.poll(Duration.ofSeconds(20)));
        }
    }

    @Test
    void kafkaConfigsManagesScramCredentials() throws Exception {
        // when
        assertTool(configs("admin", "--alter", "--add-config", "SCRAM-SHA-512=[password=bob-pw]", "--entity-type", "users",
                "--entity-name", "bob"), "Completed updating config for user bob.");
        // then
        assertTool(configs("admin", "--describe", "--entity-type", "users", "--entity-name", "bob"),
                "SCRAM credential configs for user-principal 'bob' are SCRAM-SHA-512=iterations=4096");
        describeCluster(broker.sasl("SASL_PLAINTEXT", "SCRAM-SHA-512", SecureBroker.scramJaas("bob", "bob-pw")));

        // when
        assertTool(configs("admin", "--alter", "--delete-config", "SCRAM-SHA-512", "--entity-type", "users", "--entity-name", "bob"),
                "Completed updating config for user bob.");
        // then
        Tools.Result described = configs("admin", "--describe", "--entity-type", "users", "--entity-name", "bob");
        assertEquals(0, described.exitCode(), described.stdout() + described.stderr());
        assertTrue(!described.stdout().contains("SCRAM-SHA-512"), described.stdout());
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> describeCluster(broker.sasl("SASL_PLAINTEXT", "SCRAM-SHA-512", SecureBroker.scramJaas("bob", "bob-pw"))));
        assertInstanceOf(SaslAuthenticationException.class, e.getCause(), e.toString());
    }

    @Test
    void aUserWhoIsNotASuperUserCannotListAcls() throws Exception {
        Tools.Result r = acls("alice", "--list");
        assertNotEquals(0, r.exitCode(), r.stdout());
        assertTrue((r.stdout() + r.stderr()).contains("org.apache.kafka.common.errors.ClusterAuthorizationException"),
                r.stdout() + r.stderr());
    }

    private static Tools.Result acls(String user, String... args) throws Exception {
        return tool(ACL_COMMAND, user, args);
    }

    private static Tools.Result configs(String user, String... args) throws Exception {
        return tool(CONFIG_COMMAND, user, args);
    }

    /** The tool authenticated as {@code user} with SASL/PLAIN through a --command-config file, as Kafka's docs show. */
    private static Tools.Result tool(String mainClass, String user, String... args) throws Exception {
        Path config = dir.resolve(user + ".properties");
        if (!Files.exists(config)) {
            Files.writeString(config, "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=PLAIN\nsasl.jaas.config="
                    + SecureBroker.plainJaas(user) + "\n");
        }
        List<String> all = new ArrayList<>(List.of("--bootstrap-server", broker.bootstrap("SASL_PLAINTEXT"), "--command-config",
                config.toString()));
        all.addAll(List.of(args));
        return Tools.run(dir, mainClass, all);
    }

    private static void assertTool(Tools.Result r, String expectedText) {
        assertEquals(0, r.exitCode(), r.stdout() + r.stderr());
        assertTrue(r.stdout().contains(expectedText), "expected '" + expectedText + "' in:\n" + r.stdout());
    }

    private static String topic(String name, String patternType) {
        return "ResourcePattern(resourceType=TOPIC, name=" + name + ", patternType=" + patternType + ")";
    }

    private static String group(String name) {
        return "ResourcePattern(resourceType=GROUP, name=" + name + ", patternType=LITERAL)";
    }

    private static String entry(String user, String operation, String permission) {
        return "(principal=User:" + user + ", host=*, operation=" + operation + ", permissionType=" + permission + ")";
    }

    private static final Pattern RESOURCE = Pattern.compile("Current ACLs for resource `(ResourcePattern\\([^`]*\\))`:");

    /** kafka-acls --list output: each resource pattern with the ACL entries listed under it. */
    private static Map<String, Set<String>> listed(Tools.Result r) {
        assertEquals(0, r.exitCode(), r.stdout() + r.stderr());
        Map<String, Set<String>> listed = new TreeMap<>();
        Set<String> current = null;
        for (String line : r.stdout().lines().toList()) {
            Matcher m = RESOURCE.matcher(line);
            if (m.find()) {
                current = new TreeSet<>();
                Set<String> previous = listed.put(m.group(1), current);
                assertEquals(null, previous, "a resource is listed once: " + r.stdout());
            } else if (line.trim().startsWith("(principal=")) {
                assertTrue(current != null, r.stdout());
                current.add(line.trim());
            }
        }
        return listed;
    }

    private static void describeCluster(Map<String, Object> client) throws Exception {
        Map<String, Object> c = new HashMap<>(client);
        c.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 20_000);
        c.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        try (Admin admin = Admin.create(c)) {
            admin.describeCluster().clusterId().get();
        }
    }
}
