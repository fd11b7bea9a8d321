package io.kafkalite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConsumerGroupOffsetsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.OffsetCommitRequest;
import org.apache.kafka.common.requests.OffsetCommitResponse;
import org.apache.kafka.common.requests.OffsetFetchRequest;
import org.apache.kafka.common.requests.OffsetFetchResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Group ids longer than the store's key limit (LMDB: 511 bytes) commit and fetch offsets as Kafka
 * allows, survive a restart, and never fail other groups' commits.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class LongGroupIdTest {
    private static final String LONG_GROUP = "g".repeat(1000);

    @TempDir
    Path dir;

    static short commit(RawClient c, String group, String topic, long offset) throws Exception {
        OffsetCommitRequestData data = new OffsetCommitRequestData().setGroupId(group).setGenerationIdOrMemberEpoch(-1).setMemberId("")
                .setTopics(List.of(new OffsetCommitRequestData.OffsetCommitRequestTopic().setName(topic).setPartitions(List.of(
                        new OffsetCommitRequestData.OffsetCommitRequestPartition().setPartitionIndex(0).setCommittedOffset(offset)
                                .setCommittedMetadata("long")))));
        OffsetCommitResponse r = c.call(new OffsetCommitRequest(data, (short) 9));
        return r.data().topics().get(0).partitions().get(0).errorCode();
    }

    static long fetch(RawClient c, String group, String topic) throws Exception {
        OffsetFetchRequestData data = new OffsetFetchRequestData().setGroups(List.of(new OffsetFetchRequestData.OffsetFetchRequestGroup()
                .setGroupId(group).setTopics(List.of(new OffsetFetchRequestData.OffsetFetchRequestTopics().setName(topic)
                        .setPartitionIndexes(List.of(0))))));
        OffsetFetchResponse r = c.call(OffsetFetchRequest.Builder.forTopicNames(data, false).build((short) 9));
        var g = r.data().groups().get(0);
        assertEquals(Errors.NONE.code(), g.errorCode());
        var p = g.topics().get(0).partitions().get(0);
        assertEquals(Errors.NONE.code(), p.errorCode());
        return p.committedOffset();
    }

    @Test
    void aThousandByteGroupIdCommitsAndFetchesAlongsideOtherGroupsAndAfterARestart() throws Exception {
        try (TestBroker broker = TestBroker.start(dir)) {
            // given
            try (Admin admin = broker.admin()) {
                admin.createTopics(List.of(new NewTopic("long-keys", 1, (short) 1))).all().get();
            }
            TopicPartition tp = new TopicPartition("long-keys", 0);
            // when: the long group commits in the same moment as 50 other groups (one LMDB batch)
            try (Admin admin = broker.admin()) {
                List<AlterConsumerGroupOffsetsResult> others = new ArrayList<>();
                AlterConsumerGroupOffsetsResult longCommit = admin.alterConsumerGroupOffsets(LONG_GROUP, Map.of(tp, new OffsetAndMetadata(7, "m")));
                for (int i = 0; i < 50; i++) {
                    others.add(admin.alterConsumerGroupOffsets("other-" + i, Map.of(tp, new OffsetAndMetadata(i))));
                }
                // then
                longCommit.all().get();
                for (AlterConsumerGroupOffsetsResult r : others) {
                    r.all().get();
                }
                assertEquals(7, admin.listConsumerGroupOffsets(LONG_GROUP).partitionsToOffsetAndMetadata().get().get(tp).offset());
                assertEquals(49, admin.listConsumerGroupOffsets("other-49").partitionsToOffsetAndMetadata().get().get(tp).offset());
            }
            try (RawClient c = new RawClient(broker.port())) {
                assertEquals(Errors.NONE.code(), commit(c, LONG_GROUP, "long-keys", 9));
                assertEquals(9, fetch(c, LONG_GROUP, "long-keys"));
            }
            // and after a restart
            broker.restart();
            try (RawClient c = new RawClient(broker.port())) {
                assertEquals(9, fetch(c, LONG_GROUP, "long-keys"), "the long group's offset was loaded");
                assertEquals(Errors.NONE.code(), commit(c, LONG_GROUP, "long-keys", 10));
                assertEquals(10, fetch(c, LONG_GROUP, "long-keys"));
            }
            try (Admin admin = broker.admin()) {
                assertEquals(30, admin.listConsumerGroupOffsets("other-30").partitionsToOffsetAndMetadata().get().get(tp).offset());
            }
        }
    }

    @Test
    void aCommitForAThousandByteTopicNameGetsUnknownTopicOrPartitionAsInKafka() throws Exception {
        try (TestBroker broker = TestBroker.start(dir); RawClient c = new RawClient(broker.port())) {
            // Kafka answers a commit for a topic that does not exist (whatever its name) with UNKNOWN_TOPIC_OR_PARTITION
            assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION.code(), commit(c, LONG_GROUP, "t".repeat(1000), 1));
            assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION.code(), commit(c, "short-group", "t".repeat(1000), 1));
        }
    }
}
