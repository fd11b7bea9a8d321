package io.kafkalite.logstore;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.common.Uuid;

/**
 * Every on-disk layout of the store in one place.
 *
 * <pre>
 * Files (in each directory of log.dirs; see FileBackend for which partition is in which):
 *         {log.dir}/.lock                                         held by the running broker (LogDir)
 *         {log.dir}/{topic}-{partition}/{baseOffset:%020d}.log   record batches exactly as appended
 *         {log.dir}/{topic}-{partition}/partition.metadata        "version: 0\ntopic_id: {id}\n", as Kafka writes it
 *         {log.dir}/{topic}-{partition}/leader-epoch-checkpoint   "0\n{count}\n" then "{epoch} {start offset}\n" lines, as Kafka
 *                                                                 writes it (LeaderEpochCache; absent until an epoch is recorded)
 *         {log.dir}/{topic}-{partition}/{base:%020d}.log.cleaned             a cleaning in progress (SegmentSwap)
 *         {log.dir}/{topic}-{partition}/{base:%020d}.log.{end:%020d}.swap    a committed swap of [base, end)
 *         {log.dir}/{topic}-{partition}.{uuid}-delete/            a deleted partition, removed after file.delete.delay.ms
 *         {log.dir}/meta.lmdb/                                    the LMDB environment below
 *
 * LMDB, one environment per directory, holding its partitions' rows; "topics", "producer.id.block" and the
 * durable maps only in the first directory's (all integers big-endian, so the default comparator sorts keys numerically):
 *   partition prefix P = [16 topic id][4 partition]
 *   db "offsets"    key P[8 offset]            value [4 file position]        sparse: every index.interval.bytes
 *   db "times"      key P[8 maxTimestamp^MSB]  value [8 base offset of the batch that reached that max]
 *                                                                            (written at index points, where the max grew)
 *   db "producers"  key P[8 producer id]       value ProducerStateTable#encode
 *   db "aborted"    key P[8 last offset]       value [8 producer id][8 first offset][8 last stable offset]
 *                                                                            one row per aborted transaction; the last
 *                                                                            offset is its ABORT marker's (AbortedTxnIndex)
 *   db "partitions" key P                      value [8 recovery point][8 log start offset][8 first dirty offset]
 *                                                                            recovery point: segments below it are fsynced;
 *                                                                            first dirty offset: where the cleaner goes on
 *                                                                            (-1: never cleaned; absent in rows written before)
 *                                                      [8 high watermark]    only for replicated partitions (checkpointed
 *                                                                            every 5 s and at close; absent otherwise)
 *   db "topics"     key topic name (UTF-8)     value [16 id][4 partitions][4 n]{[2 len][key][4 len][value]}
 *                                                      [4 m]{[4 partition]}  the partitions with a log here, only when
 *                                                                            not all (cluster mode: the ones assigned
 *                                                                            to this broker; absent: every partition)
 *   db "meta"       key name (UTF-8)           value: "cluster.id" UTF-8 (every directory: they must agree);
 *                                                     "producer.id.block" [8 next free id]
 * </pre>
 *
 * <p>On start the store re-reads each partition's segments from its recovery point (see FileStorage).
 */
final class StoreLayout {
    static final int PREFIX = 20;
    static final int INDEX_KEY = PREFIX + 8;

    private StoreLayout() { }

    static byte[] prefix(Uuid topicId, int partition) {
        return ByteBuffer.allocate(PREFIX).putLong(topicId.getMostSignificantBits())
                .putLong(topicId.getLeastSignificantBits()).putInt(partition).array();
    }

    static byte[] key(byte[] prefix, long value) {
        return ByteBuffer.allocate(prefix.length + 8).put(prefix).putLong(value).array();
    }

    /** Prefix P followed by a long; used for the offsets, times and producers keys. */
    static void putKey(ByteBuffer dst, byte[] prefix, long value) {
        dst.clear();
        dst.put(prefix).putLong(value).flip();
    }

    /** Time keys flip the sign bit so negative timestamps sort before positive ones. */
    static long timeKey(long timestamp) {
        return timestamp ^ Long.MIN_VALUE;
    }

    static long timeFromKey(long key) {
        return key ^ Long.MIN_VALUE;
    }

    static boolean hasPrefix(ByteBuffer key, byte[] prefix) {
        if (key.remaining() < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (key.get(key.position() + i) != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    static byte[] encodeTopic(Topic t, BitSet local) {
        Map<String, String> configs = t.configs();
        boolean all = local.nextClearBit(0) >= t.partitions();
        int size = 24 + (all ? 0 : 4 + 4 * local.cardinality());
        for (Map.Entry<String, String> e : configs.entrySet()) {
            size += 6 + utf8(e.getKey()).length + utf8(e.getValue()).length;
        }
        ByteBuffer buf = ByteBuffer.allocate(size);
        buf.putLong(t.id().getMostSignificantBits()).putLong(t.id().getLeastSignificantBits());
        buf.putInt(t.partitions()).putInt(configs.size());
        for (Map.Entry<String, String> e : configs.entrySet()) {
            byte[] k = utf8(e.getKey());
            byte[] v = utf8(e.getValue());
            buf.putShort((short) k.length).put(k).putInt(v.length).put(v);
        }
        if (!all) {
            buf.putInt(local.cardinality());
            local.stream().forEach(buf::putInt);
        }
        return buf.array();
    }

    static StoredTopic decodeTopic(String name, ByteBuffer buf) {
        Uuid id = new Uuid(buf.getLong(), buf.getLong());
        int partitions = buf.getInt();
        int n = buf.getInt();
        Map<String, String> configs = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            byte[] k = new byte[buf.getShort()];
            buf.get(k);
            byte[] v = new byte[buf.getInt()];
            buf.get(v);
            configs.put(new String(k, StandardCharsets.UTF_8), new String(v, StandardCharsets.UTF_8));
        }
        BitSet local = buf.hasRemaining() ? new BitSet(partitions) : StoredTopic.all(partitions);
        for (int m = buf.hasRemaining() ? buf.getInt() : 0; m > 0; m--) {
            local.set(buf.getInt());
        }
        return new StoredTopic(new Topic(name, id, partitions, configs), local);
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String segmentFileName(long baseOffset) {
        return String.format("%020d.log", baseOffset);
    }

    static String partitionDirName(String topic, int partition) {
        return topic + "-" + partition;
    }
}
