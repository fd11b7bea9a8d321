package io.kafkalite.logstore;

import static org.apache.kafka.common.config.ConfigDef.Importance.LOW;
import static org.apache.kafka.common.config.ConfigDef.Importance.MEDIUM;
import static org.apache.kafka.common.config.ConfigDef.Range.atLeast;
import static org.apache.kafka.common.config.ConfigDef.Range.between;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.record.TimestampType;

/**
 * Topic-level configs with Kafka's names, types, defaults and broker synonyms.
 *
 * <p>A topic's effective value comes from its own override, else from the broker property
 * named by {@link #brokerSynonym(String)}, else from Kafka's default. {@link #definition()} is
 * the single list of every topic config we know; DescribeConfigs answers from it.
 */
public final class LogConfig {
    public static final String COMPACT = TopicConfig.CLEANUP_POLICY_COMPACT;

    private static final Map<String, String> BROKER_SYNONYMS = new LinkedHashMap<>();
    private static final ConfigDef DEFINITION = new ConfigDef();

    static {
        long week = 7L * 24 * 3600 * 1000;
        define(TopicConfig.CLEANUP_POLICY_CONFIG, "log.cleanup.policy", Type.LIST, "delete",
                ConfigDef.ValidList.in("compact", "delete"), "Retention policy: delete and/or compact.");
        define(TopicConfig.COMPRESSION_TYPE_CONFIG, "compression.type", Type.STRING, "producer",
                ConfigDef.ValidString.in("uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"),
                "Final compression of stored batches; 'producer' keeps what the producer sent.");
        define(TopicConfig.COMPRESSION_GZIP_LEVEL_CONFIG, "compression.gzip.level", Type.INT, -1, between(-1, 9), "gzip level.");
        define(TopicConfig.COMPRESSION_LZ4_LEVEL_CONFIG, "compression.lz4.level", Type.INT, 9, between(1, 17), "lz4 level.");
        define(TopicConfig.COMPRESSION_ZSTD_LEVEL_CONFIG, "compression.zstd.level", Type.INT, 3, between(-131072, 22), "zstd level.");
        define(TopicConfig.DELETE_RETENTION_MS_CONFIG, "log.cleaner.delete.retention.ms", Type.LONG, 86_400_000L, atLeast(0), "Tombstone retention.");
        define(TopicConfig.FILE_DELETE_DELAY_MS_CONFIG, "log.segment.delete.delay.ms", Type.LONG, 60_000L, atLeast(0), "Delay before deleting a file.");
        define(TopicConfig.FLUSH_MESSAGES_INTERVAL_CONFIG, "log.flush.interval.messages", Type.LONG, Long.MAX_VALUE, atLeast(1),
                "fsync after this many messages.");
        define(TopicConfig.FLUSH_MS_CONFIG, "log.flush.interval.ms", Type.LONG, Long.MAX_VALUE, atLeast(0), "fsync at least this often.");
        define(TopicConfig.INDEX_INTERVAL_BYTES_CONFIG, "log.index.interval.bytes", Type.INT, 4096, atLeast(0), "Bytes between index entries.");
        define(TopicConfig.MAX_COMPACTION_LAG_MS_CONFIG, "log.cleaner.max.compaction.lag.ms", Type.LONG, Long.MAX_VALUE, atLeast(1), "Max compaction lag.");
        define(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, "message.max.bytes", Type.INT, 1_048_588, atLeast(0), "Largest record batch size allowed.");
        define(TopicConfig.MESSAGE_TIMESTAMP_AFTER_MAX_MS_CONFIG, "log.message.timestamp.after.max.ms", Type.LONG, 3_600_000L, atLeast(0),
                "How far a CreateTime timestamp may lie in the future.");
        define(TopicConfig.MESSAGE_TIMESTAMP_BEFORE_MAX_MS_CONFIG, "log.message.timestamp.before.max.ms", Type.LONG, Long.MAX_VALUE, atLeast(0),
                "How far a CreateTime timestamp may lie in the past.");
        define(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG, "log.message.timestamp.type", Type.STRING, "CreateTime",
                ConfigDef.ValidString.in("CreateTime", "LogAppendTime"), "CreateTime or LogAppendTime.");
        define(TopicConfig.MIN_CLEANABLE_DIRTY_RATIO_CONFIG, "log.cleaner.min.cleanable.ratio", Type.DOUBLE, 0.5, between(0, 1), "Compaction trigger.");
        define(TopicConfig.MIN_COMPACTION_LAG_MS_CONFIG, "log.cleaner.min.compaction.lag.ms", Type.LONG, 0L, atLeast(0), "Min compaction lag.");
        define(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, "min.insync.replicas", Type.INT, 1, atLeast(1), "Min in-sync replicas for acks=all.");
        define(TopicConfig.PREALLOCATE_CONFIG, "log.preallocate", Type.BOOLEAN, false, null, "Preallocate segment files.");
        define(TopicConfig.RETENTION_BYTES_CONFIG, "log.retention.bytes", Type.LONG, -1L, null, "Max partition size before deleting old segments.");
        define(TopicConfig.RETENTION_MS_CONFIG, "log.retention.ms", Type.LONG, week, atLeast(-1), "Max age before deleting old segments.");
        define(TopicConfig.SEGMENT_BYTES_CONFIG, "log.segment.bytes", Type.INT, 1_073_741_824, atLeast(1024 * 1024), "Segment file size.");
        define(TopicConfig.SEGMENT_INDEX_BYTES_CONFIG, "log.index.size.max.bytes", Type.INT, 10_485_760, atLeast(4), "Index size per segment.");
        define(TopicConfig.SEGMENT_JITTER_MS_CONFIG, "log.roll.jitter.ms", Type.LONG, 0L, atLeast(0), "Segment roll jitter.");
        define(TopicConfig.SEGMENT_MS_CONFIG, "log.roll.ms", Type.LONG, week, atLeast(1), "Max segment age before rolling.");
        define(TopicConfig.UNCLEAN_LEADER_ELECTION_ENABLE_CONFIG, "unclean.leader.election.enable", Type.BOOLEAN, false, null,
                "Allow out-of-sync replicas to lead.");
        define(TopicConfig.LOCAL_LOG_RETENTION_BYTES_CONFIG, "log.local.retention.bytes", Type.LONG, -2L, atLeast(-2), "Tiered storage only.");
        define(TopicConfig.LOCAL_LOG_RETENTION_MS_CONFIG, "log.local.retention.ms", Type.LONG, -2L, atLeast(-2), "Tiered storage only.");
        define(TopicConfig.REMOTE_LOG_STORAGE_ENABLE_CONFIG, null, Type.BOOLEAN, false, null, "Tiered storage (not supported).");
        define(TopicConfig.REMOTE_LOG_COPY_DISABLE_CONFIG, null, Type.BOOLEAN, false, null, "Tiered storage (not supported).");
        define(TopicConfig.REMOTE_LOG_DELETE_ON_DISABLE_CONFIG, null, Type.BOOLEAN, false, null, "Tiered storage (not supported).");
        define("leader.replication.throttled.replicas", null, Type.LIST, "", null, "Replication throttling.");
        define("follower.replication.throttled.replicas", null, Type.LIST, "", null, "Replication throttling.");
    }

    private static void define(String name, String synonym, Type type, Object dflt, ConfigDef.Validator validator, String doc) {
        DEFINITION.define(name, type, dflt, validator, name.startsWith("segment") || name.startsWith("max") ? MEDIUM : LOW, doc);
        if (synonym != null) {
            BROKER_SYNONYMS.put(name, synonym);
        }
    }

    /** Every topic config we know, with Kafka's defaults. */
    public static ConfigDef definition() {
        return DEFINITION;
    }

    /** The broker property that sets this topic config's default, or null. */
    public static String brokerSynonym(String topicConfig) {
        return BROKER_SYNONYMS.get(topicConfig);
    }

    /** Throws ConfigException naming the first unknown or invalid config. */
    public static void validate(Map<String, String> overrides) {
        for (Map.Entry<String, String> e : overrides.entrySet()) {
            ConfigDef.ConfigKey key = DEFINITION.configKeys().get(e.getKey());
            if (key == null) {
                throw new ConfigException("Unknown topic config name: " + e.getKey());
            }
            if (e.getValue() == null) {
                throw new ConfigException("Null value not supported for topic config: " + e.getKey());
            }
            Object parsed = ConfigDef.parseType(key.name, e.getValue(), key.type);
            if (key.validator != null) {
                key.validator.ensureValid(key.name, parsed);
            }
        }
    }

    /** Topic-level defaults taken from broker properties (by synonym); anything not set keeps Kafka's default. */
    public static Map<String, String> brokerDefaults(Map<String, String> brokerProps) {
        Map<String, String> defaults = new LinkedHashMap<>();
        BROKER_SYNONYMS.forEach((topicName, brokerName) -> {
            String v = brokerProps.get(brokerName);
            if (v != null) {
                defaults.put(topicName, v);
            }
        });
        String retentionMs = retentionMsFromBroker(brokerProps);
        if (retentionMs != null) {
            defaults.put(TopicConfig.RETENTION_MS_CONFIG, retentionMs);
        }
        String rollMs = brokerProps.get("log.roll.ms");
        if (rollMs == null && brokerProps.get("log.roll.hours") != null) {
            defaults.put(TopicConfig.SEGMENT_MS_CONFIG, String.valueOf(Long.parseLong(brokerProps.get("log.roll.hours").trim()) * 3_600_000L));
        }
        validate(defaults);
        return defaults;
    }

    private static String retentionMsFromBroker(Map<String, String> p) {
        if (p.get("log.retention.ms") != null) {
            return p.get("log.retention.ms").trim();
        }
        if (p.get("log.retention.minutes") != null) {
            return String.valueOf(Long.parseLong(p.get("log.retention.minutes").trim()) * 60_000L);
        }
        if (p.get("log.retention.hours") != null) {
            return String.valueOf(Long.parseLong(p.get("log.retention.hours").trim()) * 3_600_000L);
        }
        return null;
    }

    // ---- effective values of one topic, typed for the data path ----

    private final Map<String, Object> values;
    public final int maxMessageBytes;
    public final boolean compact;
    public final String compressionType;
    public final TimestampType timestampType;
    public final long timestampBeforeMaxMs;
    public final long timestampAfterMaxMs;
    public final int segmentBytes;
    public final int indexIntervalBytes;
    public final long flushMessages;
    public final long flushMs;
    public final long retentionMs;
    public final long segmentMs;
    public final long retentionBytes;
    public final boolean delete;
    public final long fileDeleteDelayMs;
    public final long deleteRetentionMs;
    public final double minCleanableDirtyRatio;
    public final long minCompactionLagMs;
    public final long maxCompactionLagMs;

    /** @param brokerDefaults result of {@link #brokerDefaults}; @param overrides the topic's own configs */
    public LogConfig(Map<String, String> brokerDefaults, Map<String, String> overrides) {
        Map<String, String> merged = new LinkedHashMap<>(brokerDefaults);
        merged.putAll(overrides);
        this.values = DEFINITION.parse(merged);
        this.maxMessageBytes = (Integer) values.get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG);
        @SuppressWarnings("unchecked")
        List<String> policy = (List<String>) values.get(TopicConfig.CLEANUP_POLICY_CONFIG);
        this.compact = policy.contains(COMPACT);
        this.compressionType = (String) values.get(TopicConfig.COMPRESSION_TYPE_CONFIG);
        this.timestampType = "LogAppendTime".equals(values.get(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG))
                ? TimestampType.LOG_APPEND_TIME : TimestampType.CREATE_TIME;
        this.timestampBeforeMaxMs = (Long) values.get(TopicConfig.MESSAGE_TIMESTAMP_BEFORE_MAX_MS_CONFIG);
        this.timestampAfterMaxMs = (Long) values.get(TopicConfig.MESSAGE_TIMESTAMP_AFTER_MAX_MS_CONFIG);
        this.segmentBytes = (Integer) values.get(TopicConfig.SEGMENT_BYTES_CONFIG);
        this.indexIntervalBytes = (Integer) values.get(TopicConfig.INDEX_INTERVAL_BYTES_CONFIG);
        this.flushMessages = (Long) values.get(TopicConfig.FLUSH_MESSAGES_INTERVAL_CONFIG);
        this.flushMs = (Long) values.get(TopicConfig.FLUSH_MS_CONFIG);
        this.retentionMs = (Long) values.get(TopicConfig.RETENTION_MS_CONFIG);
        this.segmentMs = (Long) values.get(TopicConfig.SEGMENT_MS_CONFIG);
        this.retentionBytes = (Long) values.get(TopicConfig.RETENTION_BYTES_CONFIG);
        this.delete = policy.contains(TopicConfig.CLEANUP_POLICY_DELETE);
        this.fileDeleteDelayMs = (Long) values.get(TopicConfig.FILE_DELETE_DELAY_MS_CONFIG);
        this.deleteRetentionMs = (Long) values.get(TopicConfig.DELETE_RETENTION_MS_CONFIG);
        this.minCleanableDirtyRatio = (Double) values.get(TopicConfig.MIN_CLEANABLE_DIRTY_RATIO_CONFIG);
        this.minCompactionLagMs = (Long) values.get(TopicConfig.MIN_COMPACTION_LAG_MS_CONFIG);
        this.maxCompactionLagMs = (Long) values.get(TopicConfig.MAX_COMPACTION_LAG_MS_CONFIG);
    }

    /** The parsed effective value of a topic config. */
    public Object value(String name) {
        return values.get(name);
    }

    public int intValue(String name) {
        return (Integer) Objects.requireNonNull(values.get(name), name);
    }
}
