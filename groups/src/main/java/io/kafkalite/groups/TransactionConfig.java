package io.kafkalite.groups;

import java.util.Map;

/** The transaction coordinator's settings, under Kafka's names and with Kafka's defaults. */
public record TransactionConfig(int maxTimeoutMs, long abortTimedOutCheckIntervalMs, long idExpirationMs, long removeExpiredCheckIntervalMs) {

    public static TransactionConfig from(Map<String, ?> props) {
        return new TransactionConfig(
                (int) number(props, "transaction.max.timeout.ms", 900_000),
                number(props, "transaction.abort.timed.out.transaction.cleanup.interval.ms", 10_000),
                number(props, "transactional.id.expiration.ms", 604_800_000),
                number(props, "transaction.remove.expired.transaction.cleanup.interval.ms", 3_600_000));
    }

    private static long number(Map<String, ?> props, String name, long defaultValue) {
        Object v = props.get(name);
        return v == null ? defaultValue : Long.parseLong(v.toString().trim());
    }
}
