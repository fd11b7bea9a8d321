package io.kafkalite.handlers.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkalite.cluster.MetadataRecord;
import io.kafkalite.logstore.Topic;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicIdPartition;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Node 1's partition roles (through its ReplicaManager) against a LocalQuorum: order, and logs created late. */
class PartitionRolesTest {
    private final ReplicationFixture cluster = new ReplicationFixture();

    PartitionRolesTest() throws Exception { }

    @AfterEach
    void close() {
        cluster.close();
    }

    @Test
    void leaderRolesAreTakenBeforeFollowerRolesAndTheirFetchers() throws Exception {
        Topic t = cluster.store.createTopic("t", 3, Map.of());
        cluster.submit(new MetadataRecord.CreateTopic("t", t.id(), Map.of(), List.of(List.of(2, 1), List.of(1, 2), List.of(3, 1))));
        assertEquals(List.of("stop t-1", "follow t-0 leader 2 epoch 0", "follow t-2 leader 3 epoch 0"), cluster.fetchers.calls());
    }

    @Test
    void aRoleWhoseLogIsMissingIsTakenAsSoonAsTheLogIsCreated() throws Exception {
        Uuid id = Uuid.randomUuid();
        cluster.submit(new MetadataRecord.CreateTopic("t", id, Map.of(), List.of(List.of(1, 2))));
        TopicPartition tp = new TopicPartition("t", 0);
        assertNull(cluster.replicas.replication(tp), "no log yet");
        CompletableFuture<Void> produce = cluster.replicas.awaitLeaderRoles(List.of(new TopicIdPartition(id, tp)));
        assertNotNull(produce, "a produce waits for the role");
        assertFalse(produce.isDone());

        cluster.store.createTopic("t", id, 1, Map.of());
        cluster.replicas.logsCreated("t");
        cluster.sync();
        assertEquals(Errors.NONE, cluster.replicas.leaderError(tp, 0), "taken at once, no retry later");
        assertTrue(produce.isDone());
        assertNull(cluster.replicas.awaitLeaderRoles(List.of(new TopicIdPartition(id, tp))));
    }

    @Test
    void aMissingLogOfATopicDeletedMeanwhileTakesNoRole() throws Exception {
        Uuid id = Uuid.randomUuid();
        cluster.submit(new MetadataRecord.CreateTopic("t", id, Map.of(), List.of(List.of(1, 2))));
        cluster.submit(new MetadataRecord.DeleteTopic(id));
        cluster.store.createTopic("t", id, 1, Map.of());
        cluster.replicas.logsCreated("t");
        cluster.sync();
        assertNull(cluster.replicas.replication(new TopicPartition("t", 0)));
        assertEquals(List.of(), cluster.fetchers.calls());
    }
}
