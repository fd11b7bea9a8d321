package io.kafkalite.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.kafkalite.cluster.MetadataQuorum.ApplyResult;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.AbstractMap;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

class MetadataRecordCodecTest {
    private static final Uuid TOPIC = Uuid.randomUuid();

    @Test
    void everyRecordTypeRoundTrips() {
        List<MetadataRecord> records = List.of(
                new MetadataRecord.InitCluster("MkU3OEVBNTcwNTJENDM2Qk"),
                new MetadataRecord.RegisterBroker(2, 77L, Map.of("PLAINTEXT", new BrokerRegistration.HostPort("h", 9092),
                        "SSL", new BrokerRegistration.HostPort("::1", 9094)), "rack-a"),
                new MetadataRecord.RegisterBroker(3, -1L, Map.of(), null),
                new MetadataRecord.FenceBroker(3),
                new MetadataRecord.UnfenceBroker(3, 78L),
                new MetadataRecord.ControlledShutdown(3, 79L),
                new MetadataRecord.CreateTopic("t\u00e9", TOPIC, Map.of("cleanup.policy", "compact"), List.of(List.of(1, 2, 3), List.of(2, 3, 1))),
                new MetadataRecord.DeleteTopic(TOPIC),
                new MetadataRecord.CreatePartitions(TOPIC, List.of(List.of(3, 1))),
                new MetadataRecord.AlterTopicConfigs(TOPIC, Map.of()),
                new MetadataRecord.AlterPartition(TOPIC, 4, 1, 5, 9, List.of(1, 2)),
                new MetadataRecord.ElectLeaders(true, Map.of(TOPIC, List.of(0, 1))),
                new MetadataRecord.Reassign(TOPIC, 0, List.of(2, 3)),
                new MetadataRecord.Reassign(TOPIC, 0, null),
                new MetadataRecord.AllocateProducerIds(1, 1000),
                new MetadataRecord.CoordinatorEpoch(7),
                new MetadataRecord.MinInsyncReplicasDefault(2));
        for (MetadataRecord r : records) {
            assertEquals(r, MetadataRecordCodec.decode(MetadataRecordCodec.encode(r)));
        }
        assertEquals(MetadataRecord.class.getPermittedSubclasses().length, records.stream().map(Object::getClass).distinct().count() + 1,
                "every record type but DurableMapWrite (tested below)");
    }

    @Test
    void durableMapWriteRoundTrips() {
        var w = new MetadataRecord.DurableMapWrite("group_offsets", List.of(
                new AbstractMap.SimpleImmutableEntry<>(new byte[] {1, 2}, new byte[] {3}),
                new AbstractMap.SimpleImmutableEntry<>(new byte[] {4}, null)));
        var back = (MetadataRecord.DurableMapWrite) MetadataRecordCodec.decode(MetadataRecordCodec.encode(w));
        assertEquals("group_offsets", back.map());
        assertEquals(2, back.changes().size());
        assertArrayEquals(new byte[] {1, 2}, back.changes().get(0).getKey());
        assertArrayEquals(new byte[] {3}, back.changes().get(0).getValue());
        assertArrayEquals(new byte[] {4}, back.changes().get(1).getKey());
        assertNull(back.changes().get(1).getValue());
        assertEquals(-1, back.coordinatorEpoch());
        var fenced = new MetadataRecord.DurableMapWrite("transactions", List.of(new AbstractMap.SimpleImmutableEntry<>(new byte[] {5}, null)), 3);
        assertEquals(3, ((MetadataRecord.DurableMapWrite) MetadataRecordCodec.decode(MetadataRecordCodec.encode(fenced))).coordinatorEpoch());
    }

    @Test
    void entriesAndResultsRoundTrip() {
        List<MetadataRecord> records = List.of(new MetadataRecord.FenceBroker(1), new MetadataRecord.InitCluster("c"));
        List<MetadataRecord> back = MetadataRecordCodec.decodeEntry(MetadataRecordCodec.encodeEntry(records)).stream()
                .map(MetadataRecordCodec::decode).toList();
        assertEquals(records, back);
        List<ApplyResult> results = List.of(new ApplyResult(Errors.NONE, null, 12, 5000), new ApplyResult(Errors.FENCED_LEADER_EPOCH, "epoch 3 < 4", 12, -1));
        assertEquals(results, MetadataRecordCodec.decodeResults(MetadataRecordCodec.encodeResults(results)));
    }

    @Test
    void garbageIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> MetadataRecordCodec.decode(new byte[] {9, 1}));
        assertThrows(IllegalArgumentException.class, () -> MetadataRecordCodec.decode(new byte[] {1, 99}));
        byte[] truncated = Arrays.copyOf(MetadataRecordCodec.encode(new MetadataRecord.UnfenceBroker(1, 2)), 6);
        assertThrows(IllegalArgumentException.class, () -> MetadataRecordCodec.decode(truncated));
    }

    @Test
    void imageRoundTrips() throws IOException {
        MetadataImage image = new MetadataImage(42, "cid",
                Map.of(1, new BrokerRegistration(1, 5, Map.of("PLAINTEXT", new BrokerRegistration.HostPort("a", 1)), null, false, true)),
                Map.of("t", new TopicImage("t", TOPIC, Map.of("k", "v"), List.of(
                        new PartitionState(List.of(1, 2), 1, 3, List.of(1), List.of(2), 7, List.of(2), List.of()),
                        new PartitionState(List.of(2, 1), -1, 4, List.of(), List.of(1), 9, List.of(), List.of(), List.of(2)),
                        PartitionState.initial(List.of(2, 1))))),
                Map.of(TOPIC, "t"), 9000, 4, 2);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            MetadataImageCodec.write(out, image);
        }
        assertEquals(image, MetadataImageCodec.read(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray()))));
        ByteArrayOutputStream empty = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(empty)) {
            MetadataImageCodec.write(out, MetadataImage.EMPTY);
        }
        assertEquals(MetadataImage.EMPTY, MetadataImageCodec.read(new DataInputStream(new ByteArrayInputStream(empty.toByteArray()))));
    }

    /** A snapshot image written before the last known ELR and the default min.insync.replicas (format version 2). */
    @Test
    void aVersion2ImageIsRead() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(2);
            out.writeLong(42);
            CodecIo.writeString(out, "cid");
            out.writeInt(0); // brokers
            out.writeInt(1);
            CodecIo.writeString(out, "t");
            CodecIo.writeUuid(out, TOPIC);
            CodecIo.writeStringMap(out, Map.of("k", "v"));
            out.writeInt(1);
            CodecIo.writeInts(out, List.of(1, 2));
            out.writeInt(1);
            out.writeInt(3);
            CodecIo.writeInts(out, List.of(1));
            CodecIo.writeInts(out, List.of());
            out.writeInt(7);
            CodecIo.writeInts(out, List.of());
            CodecIo.writeInts(out, List.of());
            out.writeInt(1);
            CodecIo.writeUuid(out, TOPIC);
            CodecIo.writeString(out, "t");
            out.writeLong(9000);
            out.writeLong(4);
        }
        MetadataImage read = MetadataImageCodec.read(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
        assertEquals(new MetadataImage(42, "cid", Map.of(), Map.of("t", new TopicImage("t", TOPIC, Map.of("k", "v"),
                List.of(new PartitionState(List.of(1, 2), 1, 3, List.of(1), List.of(), 7, List.of(), List.of())))),
                Map.of(TOPIC, "t"), 9000, 4, 1), read);
    }
}
