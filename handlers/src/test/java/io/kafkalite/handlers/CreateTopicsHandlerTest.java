package io.kafkalite.handlers;

import static io.kafkalite.handlers.HandlerCalls.answer;
import static io.kafkalite.handlers.HandlerCalls.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.kafkalite.logstore.LogStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopic;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopicConfig;
import org.apache.kafka.common.message.CreateTopicsResponseData.CreatableTopicResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.CreateTopicsResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** CreateTopicsHandler on an in-memory log store: one error code per topic, validate_only, versions. */
class CreateTopicsHandlerTest {
    final LogStore store = LogStore.inMemory(Map.of());
    final CreateTopicsHandler handler = new CreateTopicsHandler(store, new ClusterInfo(1, "cluster", "localhost", 9092),
            DynamicBrokerConfig.load(new BrokerConfig(Map.of("num.partitions", "3")), store.durableMap("broker_configs")), Authorization.NONE);

    @AfterEach
    void close() {
        store.close();
    }

    static CreatableTopic topic(String name, int partitions, int rf, Map<String, String> configs) {
        CreatableTopic t = new CreatableTopic().setName(name).setNumPartitions(partitions).setReplicationFactor((short) rf);
        configs.forEach((k, v) -> t.configs().add(new CreatableTopicConfig().setName(k).setValue(v)));
        return t;
    }

    CreateTopicsResponse create(short version, boolean validateOnly, CreatableTopic... topics) throws Exception {
        CreateTopicsRequestData data = new CreateTopicsRequestData().setTimeoutMs(5000).setValidateOnly(validateOnly);
        for (CreatableTopic t : topics) {
            data.topics().add(t.duplicate());
        }
        return answer(handler, request(ApiKeys.CREATE_TOPICS, data, version));
    }

    /** name -> error of each topic result. */
    static Map<String, Errors> errors(CreateTopicsResponse response) {
        Map<String, Errors> errors = new TreeMap<>();
        response.data().topics().forEach(r -> errors.put(r.name(), Errors.forCode(r.errorCode())));
        return errors;
    }

    @Test
    void eachTopicGetsItsOwnError() throws Exception {
        // given
        store.createTopic("exists", 1, Map.of());
        // when
        CreateTopicsResponse response = create((short) 7, false,
                topic("ok", 2, 1, Map.of("cleanup.policy", "compact")),
                topic("exists", 1, 1, Map.of()),
                topic("bad name!", 1, 1, Map.of()),
                topic("..", 1, 1, Map.of()),
                topic("x".repeat(250), 1, 1, Map.of()),
                topic("rf3", 1, 3, Map.of()),
                topic("rf0", 1, 0, Map.of()),
                topic("zero", 0, 1, Map.of()),
                topic("unknown-config", 1, 1, Map.of("no.such.config", "1")),
                topic("bad-value", 1, 1, Map.of("cleanup.policy", "sometimes")),
                topic("bad-number", 1, 1, Map.of("retention.ms", "soon")));
        // then
        Map<String, Errors> expected = new TreeMap<>();
        expected.put("ok", Errors.NONE);
        expected.put("exists", Errors.TOPIC_ALREADY_EXISTS);
        expected.put("bad name!", Errors.INVALID_TOPIC_EXCEPTION);
        expected.put("..", Errors.INVALID_TOPIC_EXCEPTION);
        expected.put("x".repeat(250), Errors.INVALID_TOPIC_EXCEPTION);
        expected.put("rf3", Errors.INVALID_REPLICATION_FACTOR);
        expected.put("rf0", Errors.INVALID_REPLICATION_FACTOR);
        expected.put("zero", Errors.INVALID_PARTITIONS);
        expected.put("unknown-config", Errors.INVALID_CONFIG);
        expected.put("bad-value", Errors.INVALID_CONFIG);
        expected.put("bad-number", Errors.INVALID_CONFIG);
        assertEquals(expected, errors(response));
        List<String> created = new ArrayList<>();
        store.topics().forEach(t -> created.add(t.name()));
        assertEquals(List.of("exists", "ok"), created.stream().sorted().toList(), "only the valid topic was created");
        assertEquals("compact", store.topic("ok").configs().get("cleanup.policy"));
    }

    @Test
    void aNameTwiceInOneRequestIsInvalidForBoth() throws Exception {
        CreateTopicsResponse response = create((short) 7, false, topic("twice", 1, 1, Map.of()), topic("twice", 2, 1, Map.of()),
                topic("once", 1, 1, Map.of()));
        List<String> results = response.data().topics().stream().map(r -> r.name() + " " + Errors.forCode(r.errorCode())).toList();
        assertEquals(List.of("twice INVALID_REQUEST", "twice INVALID_REQUEST", "once NONE"), results);
        assertNull(store.topic("twice"));
    }

    @Test
    void validateOnlyChecksAndCreatesNothing() throws Exception {
        // when
        CreateTopicsResponse response = create((short) 7, true, topic("checked", 4, 1, Map.of()), topic("bad name!", 1, 1, Map.of()),
                topic("defaults", -1, -1, Map.of()));
        // then
        Map<String, CreatableTopicResult> results = new TreeMap<>();
        response.data().topics().forEach(r -> results.put(r.name(), r));
        assertEquals(Errors.NONE, Errors.forCode(results.get("checked").errorCode()));
        assertEquals(4, results.get("checked").numPartitions());
        assertEquals(Uuid.ZERO_UUID, results.get("checked").topicId(), "no topic, no id");
        assertEquals(Errors.INVALID_TOPIC_EXCEPTION, Errors.forCode(results.get("bad name!").errorCode()));
        assertEquals(3, results.get("defaults").numPartitions(), "num.partitions");
        assertEquals(1, results.get("defaults").replicationFactor());
        assertEquals(List.of(), List.copyOf(store.topics()), "nothing created");
    }

    @Test
    void v7AnswersWithTheTopicIdAndConfigs() throws Exception {
        // when
        CreatableTopicResult r = create((short) 7, false, topic("t", 2, 1, Map.of("retention.ms", "1000"))).data().topics().find("t");
        // then
        assertEquals(Errors.NONE, Errors.forCode(r.errorCode()));
        assertNotEquals(Uuid.ZERO_UUID, r.topicId());
        assertEquals(store.topic("t").id(), r.topicId());
        assertEquals(2, r.numPartitions());
        assertEquals(1, r.replicationFactor());
        assertEquals("1000", r.configs().stream().filter(c -> c.name().equals("retention.ms")).findFirst().orElseThrow().value());
    }

    @ParameterizedTest
    @ValueSource(shorts = {2, 4})
    void beforeV5NoConfigsNorCounts(short version) throws Exception {
        CreatableTopicResult r = create(version, false, topic("t", 2, 1, Map.of("retention.ms", "1000"))).data().topics().find("t");
        assertEquals(Errors.NONE, Errors.forCode(r.errorCode()));
        assertEquals(List.of(), List.copyOf(r.configs()), "v" + version + " has no configs in its answer");
        assertEquals(Uuid.ZERO_UUID, r.topicId(), "v" + version + " has no topic id");
        assertEquals(2, store.topic("t").partitions());
    }
}
