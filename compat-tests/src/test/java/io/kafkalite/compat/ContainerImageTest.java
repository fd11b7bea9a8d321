package io.kafkalite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Volume;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.Container.ExecResult;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The image (docker/, built by {@code docker/build}) under Testcontainers' own {@code KafkaContainer}, taken for
 * apache/kafka: it waits for Kafka's "Transitioning from RECOVERY to RUNNING" line, then stock clients use
 * {@code getBootstrapServers()}; other containers on its network reach it by a {@code withListener} alias; a
 * named volume on /var/lib/kafka/data keeps the data for the next container. Skipped, loudly, where no container
 * engine answers at DOCKER_HOST (CI sets Podman up first: docker/container-engine.sh); fails if the engine answers
 * but the image was not built.
 */
class ContainerImageTest {
    static final String IMAGE_NAME = "localhost/kafkalite:latest";
    static final DockerImageName IMAGE = DockerImageName.parse(IMAGE_NAME).asCompatibleSubstituteFor("apache/kafka");

    private static final String DOCKER_HOST = System.getenv().getOrDefault("DOCKER_HOST", "<unset: Testcontainers' default locations>");
    private static boolean engineAnswers;

    @BeforeAll
    static void lookForTheEngine() {
        engineAnswers = DockerClientFactory.instance().isDockerAvailable();
        if (!engineAnswers) {
            System.err.println("SKIPPED ContainerImageTest, " + noEngine());
        }
    }

    /** Per test, so that each is reported as skipped (a skip in {@code @BeforeAll} is reported as no test at all). */
    @BeforeEach
    void engineAndImage() {
        Assumptions.assumeTrue(engineAnswers, ContainerImageTest::noEngine);
        try {
            DockerClientFactory.instance().client().inspectImageCmd(IMAGE_NAME).exec();
        } catch (NotFoundException e) {
            fail("The container engine at DOCKER_HOST=" + DOCKER_HOST + " has no image " + IMAGE_NAME
                    + ": build it with docker/build (docker/build --local-base where no registry is reachable)");
        }
    }

    private static String noEngine() {
        return "NO CONTAINER ENGINE at DOCKER_HOST=" + DOCKER_HOST
                + ": set one up with `eval \"$(bash docker/container-engine.sh)\"` and build the image with docker/build";
    }

    /**
     * Testcontainers' KafkaContainer waits for its start script and then runs it; Podman can show the copied script
     * before its mode is set ("Permission denied", exit 126, seen once under load), so a start is tried up to 3 times.
     */
    private static KafkaContainer kafka() {
        return new KafkaContainer(IMAGE).withStartupAttempts(3);
    }

    @Test
    void kafkaContainerStartsItAndStockClientsRoundTrip() throws Exception {
        try (KafkaContainer kafka = kafka()) {
            // given
            long started = System.nanoTime();
            kafka.start();
            long ready = millisSince(started);
            // when
            List<RecordMetadata> acks = produce(kafka.getBootstrapServers(), "round-trip", List.of("a", "b", "c"));
            long firstAck = millisSince(started);
            // then
            assertEquals(List.of(0L, 1L, 2L), acks.stream().map(RecordMetadata::offset).toList());
            assertEquals(List.of("a", "b", "c"), Records.values(kafka.getBootstrapServers(), "round-trip", 1, "read_uncommitted"));
            try (Admin admin = Admin.create(adminProps(kafka.getBootstrapServers()))) {
                assertEquals("4L6g3nShT-eMCtK--X86sw", admin.describeCluster().clusterId().get(), "the CLUSTER_ID Testcontainers sets");
            }
            System.out.printf("ContainerImageTest: KafkaContainer.start() took %d ms; first acknowledged produce %d ms after start()%n",
                    ready, firstAck);
        }
    }

    @Test
    void anotherContainerOnTheNetworkReachesItByItsListenerAlias() throws Exception {
        try (Network network = Network.newNetwork();
             KafkaContainer kafka = kafka().withListener("kafka:19092").withNetwork(network);
             GenericContainer<?> tools = new GenericContainer<>(IMAGE).withNetwork(network).withCommand("sleep", "600")
                     .waitingFor(Wait.forSuccessfulCommand("true"))) {
            // given
            kafka.start();
            tools.start();
            // when: Kafka's own tools in the second container, through the TC-0 listener Testcontainers adds
            exec(tools, "/opt/kafka/bin/kafka-topics.sh --bootstrap-server kafka:19092 --create --topic net --partitions 1");
            exec(tools, "printf 'one\\ntwo\\n' | /opt/kafka/bin/kafka-console-producer.sh --bootstrap-server kafka:19092 --topic net");
            ExecResult consumed = exec(tools, "/opt/kafka/bin/kafka-console-consumer.sh --bootstrap-server kafka:19092 --topic net"
                    + " --from-beginning --max-messages 2 --group net-readers");
            ExecResult versions = exec(tools, "/opt/kafka/bin/kafka-broker-api-versions.sh --bootstrap-server kafka:19092");
            ExecResult group = exec(tools, "/opt/kafka/bin/kafka-consumer-groups.sh --bootstrap-server kafka:19092 --describe --group net-readers");
            // then: the listener advertises its own address, and the host sees the same records through its mapped port
            assertEquals("one\ntwo\n", consumed.getStdout());
            assertTrue(versions.getStdout().startsWith("kafka:19092 (id: 1 rack: null"), versions.getStdout());
            assertTrue(group.getStdout().matches("(?s).*net-readers\\s+net\\s+0\\s+2\\s+2\\s+0.*"), group.getStdout());
            assertEquals(List.of("one", "two"), Records.values(kafka.getBootstrapServers(), "net", 1, "read_uncommitted"));
        }
    }

    @Test
    void aNamedVolumeKeepsTheDataForTheNextContainer() throws Exception {
        String volume = "kafkalite-test-" + UUID.randomUUID();
        try {
            // given records written by one container
            try (KafkaContainer first = kafka().withCreateContainerCmdModifier(cmd -> mountData(cmd, volume))) {
                first.start();
                produce(first.getBootstrapServers(), "kept", List.of("x", "y"));
            }
            // when a new container starts on the same volume
            try (KafkaContainer second = kafka().withCreateContainerCmdModifier(cmd -> mountData(cmd, volume))) {
                second.start();
                // then it serves them, and appends after them
                assertEquals(List.of("x", "y"), Records.values(second.getBootstrapServers(), "kept", 1, "read_uncommitted"));
                assertEquals(2L, produce(second.getBootstrapServers(), "kept", List.of("z")).get(0).offset());
            }
        } finally {
            DockerClientFactory.instance().client().removeVolumeCmd(volume).exec();
        }
    }

    private static void mountData(CreateContainerCmd cmd, String volume) {
        cmd.getHostConfig().withBinds(new Bind(volume, new Volume("/var/lib/kafka/data")));
    }

    /** Runs a shell command in the container; fails with its output unless it exits with 0. */
    private static ExecResult exec(GenericContainer<?> container, String command) throws Exception {
        ExecResult result = container.execInContainer("sh", "-c", command);
        assertEquals(0, result.getExitCode(), command + "\nstdout: " + result.getStdout() + "\nstderr: " + result.getStderr());
        return result;
    }

    private static List<RecordMetadata> produce(String bootstrap, String topic, List<String> values) throws Exception {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        List<RecordMetadata> acks = new ArrayList<>();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
            for (String value : values) {
                acks.add(producer.send(new ProducerRecord<>(topic, value)).get());
            }
        }
        return acks;
    }

    private static Properties adminProps(String bootstrap) {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        return props;
    }

    private static long millisSince(long nanos) {
        return (System.nanoTime() - nanos) / 1_000_000;
    }
}
