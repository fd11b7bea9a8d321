package io.kafkalite.groups;

import java.util.Locale;
import org.apache.kafka.common.config.ConfigException;

/**
 * {@code group.consumer.migration.policy}: whether a classic group with members becomes a consumer group
 * when a consumer-protocol member joins (upgrade), and whether a consumer group whose last
 * consumer-protocol member leaves becomes a classic group again (downgrade).
 */
public enum MigrationPolicy {
    DISABLED(false, false),
    UPGRADE(true, false),
    DOWNGRADE(false, true),
    BIDIRECTIONAL(true, true);

    final boolean upgrade;
    final boolean downgrade;

    MigrationPolicy(boolean upgrade, boolean downgrade) {
        this.upgrade = upgrade;
        this.downgrade = downgrade;
    }

    /** Case-insensitive, as Kafka parses it. */
    static MigrationPolicy parse(String value) {
        try {
            return valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("group.consumer.migration.policy", value, "must be disabled, upgrade, downgrade or bidirectional");
        }
    }
}
