package io.kafkalite.groups;

import java.util.Map;

/** Group coordinator settings, with Kafka's property names and defaults. */
public record GroupConfig(int minSessionTimeoutMs, int maxSessionTimeoutMs, int initialRebalanceDelayMs, int maxSize,
                          int offsetMetadataMaxBytes, long offsetsRetentionMs, long offsetsRetentionCheckIntervalMs,
                          int consumerSessionTimeoutMs, int consumerHeartbeatIntervalMs, MigrationPolicy migrationPolicy) {

    /** With the default {@code group.consumer.migration.policy} (bidirectional). */
    public GroupConfig(int minSessionTimeoutMs, int maxSessionTimeoutMs, int initialRebalanceDelayMs, int maxSize,
                       int offsetMetadataMaxBytes, long offsetsRetentionMs, long offsetsRetentionCheckIntervalMs,
                       int consumerSessionTimeoutMs, int consumerHeartbeatIntervalMs) {
        this(minSessionTimeoutMs, maxSessionTimeoutMs, initialRebalanceDelayMs, maxSize, offsetMetadataMaxBytes, offsetsRetentionMs,
                offsetsRetentionCheckIntervalMs, consumerSessionTimeoutMs, consumerHeartbeatIntervalMs, MigrationPolicy.BIDIRECTIONAL);
    }

    public static GroupConfig from(Map<String, String> props) {
        return new GroupConfig(
                intOf(props, "group.min.session.timeout.ms", 6_000),
                intOf(props, "group.max.session.timeout.ms", 1_800_000),
                intOf(props, "group.initial.rebalance.delay.ms", 3_000),
                intOf(props, "group.max.size", Integer.MAX_VALUE),
                intOf(props, "offset.metadata.max.bytes", 4096),
                longOf(props, "offsets.retention.minutes", 10_080) * 60_000L,
                longOf(props, "offsets.retention.check.interval.ms", 600_000),
                intOf(props, "group.consumer.session.timeout.ms", 45_000),
                intOf(props, "group.consumer.heartbeat.interval.ms", 5_000),
                MigrationPolicy.parse(props.getOrDefault("group.consumer.migration.policy", "bidirectional")));
    }

    public static GroupConfig defaults() {
        return from(Map.of());
    }

    private static int intOf(Map<String, String> props, String name, int dflt) {
        String v = props.get(name);
        return v == null ? dflt : Integer.parseInt(v.trim());
    }

    private static long longOf(Map<String, String> props, String name, long dflt) {
        String v = props.get(name);
        return v == null ? dflt : Long.parseLong(v.trim());
    }
}
