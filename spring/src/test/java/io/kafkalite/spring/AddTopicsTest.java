package io.kafkalite.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** addTopics and addTopicsWithResults, checked through a stock admin client's describeTopics. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AddTopicsTest {
    private final KafkaliteEmbeddedKafkaBroker broker = new KafkaliteEmbeddedKafkaBroker(1, 4, "declared");

    @BeforeAll
    void start() {
        broker.afterPropertiesSet();
    }

    @AfterAll
    void stop() {
        broker.destroy();
    }

    @Test
    void declaredAndAddedTopicsGetThePartitionsPerTopic() {
        // when
        broker.addTopics("added-1", "added-2");

        // then
        Map<String, TopicDescription> topics = describe("declared", "added-1", "added-2");
        topics.values().forEach(t -> assertEquals(4, t.partitions().size(), t.name()));
        assertTrue(broker.getTopics().containsAll(Set.of("declared", "added-1", "added-2")), broker.getTopics().toString());
    }

    @Test
    void newTopicsGetTheirOwnPartitionsAndConfigs() throws Exception {
        // given
        NewTopic compacted = new NewTopic("compacted", 5, (short) 1).configs(Map.of("cleanup.policy", "compact"));
        NewTopic unsized = new NewTopic("unsized", Optional.empty(), Optional.empty());
        NewTopic assigned = new NewTopic("assigned", Map.of(0, List.of(1), 1, List.of(1)));

        // when
        broker.addTopics(compacted, unsized, assigned);

        // then
        Map<String, TopicDescription> topics = describe("compacted", "unsized", "assigned");
        assertEquals(5, topics.get("compacted").partitions().size());
        assertEquals(4, topics.get("unsized").partitions().size(), "num.partitions is the partitions per topic");
        assertEquals(2, topics.get("assigned").partitions().size());
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, "compacted");
        Config config = broker.doWithAdminFunction(admin -> get(() -> admin.describeConfigs(List.of(resource)).all().get().get(resource)));
        assertEquals("compact", config.get("cleanup.policy").value());
    }

    @Test
    void resultsNameEachFailure() {
        // given
        broker.addTopics("existing");

        // when
        Map<String, Exception> results = broker.addTopicsWithResults("existing", "fresh", "bad/name");

        // then
        assertEquals(Set.of("existing", "fresh", "bad/name"), results.keySet());
        assertNull(results.get("fresh"));
        assertInstanceOf(IllegalArgumentException.class, results.get("bad/name"));
        assertInstanceOf(IllegalArgumentException.class, results.get("existing"));
        assertEquals(4, describe("fresh").get("fresh").partitions().size());
        assertThrows(KafkaException.class, () -> broker.addTopics("existing"));
    }

    @Test
    void newTopicsAreCheckedAsSpringDoes() {
        // when an added topic is added again, or needs replicas this single broker cannot hold
        broker.addTopicsWithResults(new NewTopic("once", 1, (short) 1));
        assertThrows(IllegalArgumentException.class, () -> broker.addTopics(new NewTopic("once", 1, (short) 1)));
        assertThrows(IllegalArgumentException.class, () -> broker.addTopicsWithResults(new NewTopic("replicated", 1, (short) 3)));

        // then the refused topic was not created
        Set<String> names = broker.doWithAdminFunction(admin -> get(() -> admin.listTopics().names().get()));
        assertTrue(names.contains("once"), names.toString());
        assertTrue(!names.contains("replicated"), names.toString());
    }

    private Map<String, TopicDescription> describe(String... topics) {
        return broker.doWithAdminFunction(admin -> get(() -> admin.describeTopics(List.of(topics)).allTopicNames().get()))
                .entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    }

    private interface Call<T> {
        T call() throws Exception;
    }

    private static <T> T get(Call<T> call) {
        try {
            return call.call();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
