package io.kafkalite.cluster;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.Uuid;

/** A {@link MetadataImage} as snapshot bytes (a format version, then every field; see {@link MetadataSnapshot}). */
final class MetadataImageCodec {
    /**
     * 2 added the coordinator epoch (a version 1 snapshot has none: -1); 3 each partition's last known ELR and the
     * default min.insync.replicas (older snapshots: none, and 1).
     */
    static final byte VERSION = 3;

    private MetadataImageCodec() { }

    static void write(DataOutputStream out, MetadataImage image) throws IOException {
        out.writeByte(VERSION);
        out.writeLong(image.appliedIndex());
        CodecIo.writeString(out, image.clusterId());
        out.writeInt(image.brokers().size());
        for (BrokerRegistration b : image.brokers().values()) {
            out.writeInt(b.id());
            out.writeLong(b.incarnation());
            CodecIo.writeEndpoints(out, b.endpoints());
            CodecIo.writeString(out, b.rack());
            out.writeBoolean(b.fenced());
            out.writeBoolean(b.shuttingDown());
        }
        out.writeInt(image.topics().size());
        for (TopicImage t : image.topics().values()) {
            CodecIo.writeString(out, t.name());
            CodecIo.writeUuid(out, t.id());
            CodecIo.writeStringMap(out, t.configs());
            out.writeInt(t.partitions().size());
            for (PartitionState p : t.partitions()) {
                CodecIo.writeInts(out, p.replicas());
                out.writeInt(p.leader());
                out.writeInt(p.leaderEpoch());
                CodecIo.writeInts(out, p.isr());
                CodecIo.writeInts(out, p.elr());
                out.writeInt(p.partitionEpoch());
                CodecIo.writeInts(out, p.adding());
                CodecIo.writeInts(out, p.removing());
                CodecIo.writeInts(out, p.lastKnownElr());
            }
        }
        out.writeInt(image.topicNames().size());
        for (Map.Entry<Uuid, String> e : image.topicNames().entrySet()) {
            CodecIo.writeUuid(out, e.getKey());
            CodecIo.writeString(out, e.getValue());
        }
        out.writeLong(image.nextProducerId());
        out.writeLong(image.coordinatorEpoch());
        out.writeInt(image.minInsyncReplicas());
    }

    static MetadataImage read(DataInputStream in) throws IOException {
        byte version = in.readByte();
        if (version < 1 || version > VERSION) {
            throw new IOException("Unknown metadata image format version " + version);
        }
        long appliedIndex = in.readLong();
        String clusterId = CodecIo.readString(in);
        Map<Integer, BrokerRegistration> brokers = new HashMap<>();
        for (int i = CodecIo.readCount(in); i > 0; i--) {
            BrokerRegistration b = new BrokerRegistration(in.readInt(), in.readLong(), CodecIo.readEndpoints(in), CodecIo.readString(in),
                    in.readBoolean(), in.readBoolean());
            brokers.put(b.id(), b);
        }
        Map<String, TopicImage> topics = new HashMap<>();
        for (int i = CodecIo.readCount(in); i > 0; i--) {
            String name = CodecIo.readString(in);
            Uuid id = CodecIo.readUuid(in);
            Map<String, String> configs = CodecIo.readStringMap(in);
            int n = CodecIo.readCount(in);
            List<PartitionState> partitions = new ArrayList<>(n);
            for (int p = 0; p < n; p++) {
                partitions.add(new PartitionState(CodecIo.readInts(in), in.readInt(), in.readInt(), CodecIo.readInts(in),
                        CodecIo.readInts(in), in.readInt(), CodecIo.readInts(in), CodecIo.readInts(in),
                        version < 3 ? List.of() : CodecIo.readInts(in)));
            }
            topics.put(name, new TopicImage(name, id, configs, partitions));
        }
        Map<Uuid, String> topicNames = new HashMap<>();
        for (int i = CodecIo.readCount(in); i > 0; i--) {
            topicNames.put(CodecIo.readUuid(in), CodecIo.readString(in));
        }
        long nextProducerId = in.readLong();
        long coordinatorEpoch = version == 1 ? -1 : in.readLong();
        int minInsyncReplicas = version < 3 ? 1 : in.readInt();
        return new MetadataImage(appliedIndex, clusterId, brokers, topics, topicNames, nextProducerId, coordinatorEpoch,
                minInsyncReplicas);
    }
}
