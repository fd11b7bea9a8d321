package io.kafkalite.cluster;

import io.kafkalite.cluster.MetadataRecord.AllocateProducerIds;
import io.kafkalite.cluster.MetadataRecord.AlterPartition;
import io.kafkalite.cluster.MetadataRecord.AlterTopicConfigs;
import io.kafkalite.cluster.MetadataRecord.ControlledShutdown;
import io.kafkalite.cluster.MetadataRecord.CoordinatorEpoch;
import io.kafkalite.cluster.MetadataRecord.CreatePartitions;
import io.kafkalite.cluster.MetadataRecord.CreateTopic;
import io.kafkalite.cluster.MetadataRecord.DeleteTopic;
import io.kafkalite.cluster.MetadataRecord.DurableMapWrite;
import io.kafkalite.cluster.MetadataRecord.ElectLeaders;
import io.kafkalite.cluster.MetadataRecord.FenceBroker;
import io.kafkalite.cluster.MetadataRecord.InitCluster;
import io.kafkalite.cluster.MetadataRecord.MinInsyncReplicasDefault;
import io.kafkalite.cluster.MetadataRecord.Reassign;
import io.kafkalite.cluster.MetadataRecord.RegisterBroker;
import io.kafkalite.cluster.MetadataRecord.UnfenceBroker;
import io.kafkalite.cluster.MetadataQuorum.ApplyResult;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.protocol.Errors;

/**
 * The bytes of a {@link MetadataRecord}: a format version, a type byte, then the fields in declaration order
 * (DataOutputStream encoding, see CodecIo). A Ratis log entry holds one or more records (a node batches the proposals
 * queued while earlier ones are in flight): a format version, their count, then each record's bytes, length first.
 * The reply of an entry is the list of their {@link ApplyResult}s. A new field means a new format version; old
 * versions must stay readable (the log is replayed at every start).
 */
public final class MetadataRecordCodec {
    static final byte VERSION = 1;

    private MetadataRecordCodec() { }

    public static byte[] encode(MetadataRecord record) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(VERSION);
            write(out, record);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        return bytes.toByteArray();
    }

    /** Throws IllegalArgumentException for bytes that are no record of a known version. */
    public static MetadataRecord decode(byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            byte version = in.readByte();
            if (version != VERSION) {
                throw new IllegalArgumentException("Unknown metadata record format version " + version);
            }
            return read(in);
        } catch (IOException e) {
            throw new IllegalArgumentException("Truncated metadata record", e);
        }
    }

    private static void write(DataOutputStream out, MetadataRecord record) throws IOException {
        if (record instanceof InitCluster r) {
            out.writeByte(1);
            CodecIo.writeString(out, r.clusterId());
        } else if (record instanceof RegisterBroker r) {
            out.writeByte(2);
            out.writeInt(r.brokerId());
            out.writeLong(r.incarnation());
            CodecIo.writeEndpoints(out, r.endpoints());
            CodecIo.writeString(out, r.rack());
        } else if (record instanceof FenceBroker r) {
            out.writeByte(3);
            out.writeInt(r.brokerId());
        } else if (record instanceof UnfenceBroker r) {
            out.writeByte(4);
            out.writeInt(r.brokerId());
            out.writeLong(r.incarnation());
        } else if (record instanceof ControlledShutdown r) {
            out.writeByte(5);
            out.writeInt(r.brokerId());
            out.writeLong(r.incarnation());
        } else if (record instanceof CreateTopic r) {
            out.writeByte(6);
            CodecIo.writeString(out, r.name());
            CodecIo.writeUuid(out, r.id());
            CodecIo.writeStringMap(out, r.configs());
            CodecIo.writeIntLists(out, r.assignments());
        } else if (record instanceof DeleteTopic r) {
            out.writeByte(7);
            CodecIo.writeUuid(out, r.id());
        } else if (record instanceof CreatePartitions r) {
            out.writeByte(8);
            CodecIo.writeUuid(out, r.id());
            CodecIo.writeIntLists(out, r.newAssignments());
        } else if (record instanceof AlterTopicConfigs r) {
            out.writeByte(9);
            CodecIo.writeUuid(out, r.id());
            CodecIo.writeStringMap(out, r.configs());
        } else if (record instanceof AlterPartition r) {
            out.writeByte(10);
            CodecIo.writeUuid(out, r.topicId());
            out.writeInt(r.partition());
            out.writeInt(r.leaderId());
            out.writeInt(r.leaderEpoch());
            out.writeInt(r.partitionEpoch());
            CodecIo.writeInts(out, r.newIsr());
        } else if (record instanceof ElectLeaders r) {
            out.writeByte(11);
            out.writeBoolean(r.preferred());
            out.writeInt(r.partitions().size());
            for (var e : r.partitions().entrySet()) {
                CodecIo.writeUuid(out, e.getKey());
                CodecIo.writeInts(out, e.getValue());
            }
        } else if (record instanceof Reassign r) {
            out.writeByte(12);
            CodecIo.writeUuid(out, r.topicId());
            out.writeInt(r.partition());
            CodecIo.writeInts(out, r.target());
        } else if (record instanceof DurableMapWrite r) {
            out.writeByte(r.coordinatorEpoch() == -1 ? 13 : 15); // 13: unfenced, as written before epochs existed
            if (r.coordinatorEpoch() != -1) {
                out.writeLong(r.coordinatorEpoch());
            }
            CodecIo.writeString(out, r.map());
            out.writeInt(r.changes().size());
            for (Map.Entry<byte[], byte[]> e : r.changes()) {
                CodecIo.writeBytes(out, e.getKey());
                CodecIo.writeBytes(out, e.getValue());
            }
        } else if (record instanceof AllocateProducerIds r) {
            out.writeByte(14);
            out.writeInt(r.brokerId());
            out.writeInt(r.count());
        } else if (record instanceof CoordinatorEpoch r) {
            out.writeByte(16);
            out.writeLong(r.epoch());
        } else if (record instanceof MinInsyncReplicasDefault r) {
            out.writeByte(17);
            out.writeInt(r.minInsyncReplicas());
        } else {
            throw new IllegalArgumentException("No encoding for " + record.getClass().getSimpleName());
        }
    }

    private static MetadataRecord read(DataInputStream in) throws IOException {
        byte type = in.readByte();
        return switch (type) {
            case 1 -> new InitCluster(CodecIo.readString(in));
            case 2 -> new RegisterBroker(in.readInt(), in.readLong(), CodecIo.readEndpoints(in), CodecIo.readString(in));
            case 3 -> new FenceBroker(in.readInt());
            case 4 -> new UnfenceBroker(in.readInt(), in.readLong());
            case 5 -> new ControlledShutdown(in.readInt(), in.readLong());
            case 6 -> new CreateTopic(CodecIo.readString(in), CodecIo.readUuid(in), CodecIo.readStringMap(in), CodecIo.readIntLists(in));
            case 7 -> new DeleteTopic(CodecIo.readUuid(in));
            case 8 -> new CreatePartitions(CodecIo.readUuid(in), CodecIo.readIntLists(in));
            case 9 -> new AlterTopicConfigs(CodecIo.readUuid(in), CodecIo.readStringMap(in));
            case 10 -> new AlterPartition(CodecIo.readUuid(in), in.readInt(), in.readInt(), in.readInt(), in.readInt(), CodecIo.readInts(in));
            case 11 -> {
                boolean preferred = in.readBoolean();
                int n = CodecIo.readCount(in);
                Map<org.apache.kafka.common.Uuid, List<Integer>> partitions = new java.util.LinkedHashMap<>();
                for (int i = 0; i < n; i++) {
                    partitions.put(CodecIo.readUuid(in), CodecIo.readInts(in));
                }
                yield new ElectLeaders(preferred, partitions);
            }
            case 12 -> new Reassign(CodecIo.readUuid(in), in.readInt(), CodecIo.readInts(in));
            case 13, 15 -> {
                long epoch = type == 15 ? in.readLong() : -1;
                String map = CodecIo.readString(in);
                int n = CodecIo.readCount(in);
                List<Map.Entry<byte[], byte[]>> changes = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    changes.add(new AbstractMap.SimpleImmutableEntry<>(CodecIo.readBytes(in), CodecIo.readBytes(in)));
                }
                yield new DurableMapWrite(map, changes, epoch);
            }
            case 14 -> new AllocateProducerIds(in.readInt(), in.readInt());
            case 16 -> new CoordinatorEpoch(in.readLong());
            case 17 -> new MinInsyncReplicasDefault(in.readInt());
            default -> throw new IllegalArgumentException("Unknown metadata record type " + type);
        };
    }

    /** A log entry of these records, in order. */
    static byte[] encodeEntry(List<MetadataRecord> records) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 * records.size());
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(VERSION);
            out.writeInt(records.size());
            for (MetadataRecord r : records) {
                CodecIo.writeBytes(out, encode(r));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** The bytes of each record of a log entry (each decoded on its own: one that cannot be does not spoil the others). */
    static List<byte[]> decodeEntry(byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            byte version = in.readByte();
            if (version != VERSION) {
                throw new IllegalArgumentException("Unknown metadata log entry format version " + version);
            }
            int n = CodecIo.readCount(in);
            List<byte[]> records = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                records.add(CodecIo.readBytes(in));
            }
            return records;
        } catch (IOException e) {
            throw new IllegalArgumentException("Truncated metadata log entry", e);
        }
    }

    static byte[] encodeResults(List<ApplyResult> results) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(32 * results.size());
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(VERSION);
            out.writeInt(results.size());
            for (ApplyResult result : results) {
                out.writeShort(result.error().code());
                CodecIo.writeString(out, result.message());
                out.writeLong(result.index());
                out.writeLong(result.producerIdStart());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static List<ApplyResult> decodeResults(byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            byte version = in.readByte();
            if (version != VERSION) {
                throw new IllegalArgumentException("Unknown apply result format version " + version);
            }
            int n = CodecIo.readCount(in);
            List<ApplyResult> results = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                results.add(new ApplyResult(Errors.forCode(in.readShort()), CodecIo.readString(in), in.readLong(), in.readLong()));
            }
            return results;
        } catch (IOException e) {
            throw new IllegalArgumentException("Truncated apply results", e);
        }
    }
}
