package io.kafkalite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeConfigsRequest;
import org.apache.kafka.common.requests.DescribeConfigsResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * BROKER_LOGGER configs (KIP-412) through kafka-tools 4.4's kafka-configs {@code --entity-type broker-loggers}: the
 * broker process's loggers and levels, changed at run time; and an embedded broker, whose application's logging
 * backend keeps its levels.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class BrokerLoggerTest {
    private static final String CONFIG_COMMAND = "org.apache.kafka.tools.ConfigCommand";

    @TempDir
    Path dir;

    @Test
    void kafkaConfigsChangesLogLevelsOfTheBrokerProcess() throws Exception {
        Path log = dir.resolve("broker.log");
        try (BrokerProcess broker = BrokerProcess.start(dir.resolve("data"), TestBroker.freePort(), log)) {
            // given: the broker logs at INFO
            String describe = configs(broker, "--describe").stdout();
            assertTrue(describe.contains("root=INFO"), describe);
            assertTrue(describe.contains("io.kafkalite.wire.RequestDecoder=INFO"), describe);
            sendWithTrailingBytes(broker);

            // when
            Tools.Result alter = configs(broker, "--alter", "--add-config", "io.kafkalite=DEBUG");

            // then: the loggers below io.kafkalite log at DEBUG from now on
            assertEquals(0, alter.exitCode(), alter.stdout() + alter.stderr());
            String after = configs(broker, "--describe").stdout();
            assertTrue(after.contains("io.kafkalite=DEBUG"), after);
            assertTrue(after.contains("io.kafkalite.wire.RequestDecoder=DEBUG"), after);
            assertTrue(after.contains("root=INFO"), after);
            sendWithTrailingBytes(broker);
            assertEquals(1, debugLines(log), "only the request after the change is logged at DEBUG");

            // when: the level is deleted again
            Tools.Result delete = configs(broker, "--alter", "--delete-config", "io.kafkalite");
            assertEquals(0, delete.exitCode(), delete.stdout() + delete.stderr());
            sendWithTrailingBytes(broker);

            // then
            assertEquals(1, debugLines(log));
            assertTrue(configs(broker, "--describe").stdout().contains("io.kafkalite.wire.RequestDecoder=INFO"));
            assertTrue(Files.readString(log).contains("Updated the log level of io.kafkalite to DEBUG"));

            // and Kafka's errors
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()))) {
                assertInstanceOf(InvalidConfigurationException.class, alterError(admin, "1", AlterConfigOp.OpType.SET, "no.such.logger", "DEBUG"));
                assertInstanceOf(InvalidConfigurationException.class, alterError(admin, "1", AlterConfigOp.OpType.SET, "root", "VERBOSE"));
                assertInstanceOf(InvalidRequestException.class, alterError(admin, "1", AlterConfigOp.OpType.DELETE, "root", null));
                assertInstanceOf(InvalidRequestException.class, alterError(admin, "1", AlterConfigOp.OpType.APPEND, "root", "DEBUG"));
            }
            // another broker's loggers (the admin client would send this to broker 2 itself)
            try (RawClient client = new RawClient(Integer.parseInt(broker.bootstrap().split(":")[1]))) {
                DescribeConfigsRequestData other = new DescribeConfigsRequestData();
                other.resources().add(new DescribeConfigsRequestData.DescribeConfigsResource()
                        .setResourceType(ConfigResource.Type.BROKER_LOGGER.id()).setResourceName("2"));
                DescribeConfigsResponse r = client.call(new DescribeConfigsRequest.Builder(other).build((short) 4));
                assertEquals(Errors.INVALID_REQUEST.code(), r.data().results().get(0).errorCode());
            }
        }
    }

    @Test
    void anEmbeddedBrokerDescribesTheApplicationsRootLevel() throws Exception {
        try (TestBroker broker = TestBroker.start(dir, Map.of()); Admin admin = broker.admin()) {
            ConfigResource loggers = new ConfigResource(ConfigResource.Type.BROKER_LOGGER, "1");
            Config config = admin.describeConfigs(List.of(loggers)).all().get().get(loggers);
            ConfigEntry root = config.get("root");
            assertEquals(ConfigEntry.ConfigSource.DYNAMIC_BROKER_LOGGER_CONFIG, root.source());
            assertTrue(List.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR").contains(root.value()), root.value());
            // slf4j-simple (this JVM's backend) cannot change levels at run time
            assertInstanceOf(InvalidRequestException.class, alterError(admin, "1", AlterConfigOp.OpType.SET, "root", "DEBUG"));
        }
    }

    private Tools.Result configs(BrokerProcess broker, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("--bootstrap-server", broker.bootstrap(), "--entity-type", "broker-loggers", "--entity-name", "1"));
        all.addAll(List.of(args));
        return Tools.run(dir, CONFIG_COMMAND, all);
    }

    /** An ApiVersions v0 request with 3 bytes after its (empty) body: the request decoder logs them at DEBUG. */
    private static void sendWithTrailingBytes(BrokerProcess broker) throws Exception {
        try (RawClient client = new RawClient(Integer.parseInt(broker.bootstrap().split(":")[1]))) {
            client.sendFrame(ApiKeys.API_VERSIONS.id, (short) 0, 1, new byte[] {1, 2, 3});
            client.readFrame();
        }
    }

    private static long debugLines(Path log) throws Exception {
        return Files.readAllLines(log).stream().filter(l -> l.contains("[DEBUG] RequestDecoder - Ignoring 3 bytes")).count();
    }

    private static Throwable alterError(Admin admin, String node, AlterConfigOp.OpType op, String logger, String level) {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.BROKER_LOGGER, node);
        AlterConfigOp change = new AlterConfigOp(new ConfigEntry(logger, level), op);
        return assertThrows(ExecutionException.class, () -> admin.incrementalAlterConfigs(Map.of(resource, List.of(change))).all().get()).getCause();
    }
}
