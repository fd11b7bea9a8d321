package io.kafkalite.handlers.quota;

import io.kafkalite.logstore.DurableMap;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.quota.ClientQuotaAlteration;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.apache.kafka.common.requests.ApiError;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client quotas set with AlterClientQuotas ({@code kafka-configs --entity-type users|clients|ips}),
 * in memory for the data path and in a {@link DurableMap} (layout in {@link ClientQuotaDescriptor}) so
 * they survive a restart. Entities and values are validated as Kafka's controller validates them
 * ({@link ClientQuotaValidation}); which quota applies to a client follows Kafka's precedence
 * ({@link #applied}).
 */
public final class ClientQuotaStore {
    private static final Logger log = LoggerFactory.getLogger(ClientQuotaStore.class);

    /** The quota that applies to a client: its value, and the rate it counts against. */
    record Applied(QuotaSensors.Key key, double quota) { }

    /** Most entities stored; Kafka sets no limit, each entity holds at most the four quota keys. */
    static final int MAX_ENTITIES = 100_000;

    private final DurableMap table;
    private final int maxEntities;
    /** entity -> its quotas; the inner maps are immutable and replaced on change, so readers need no lock. */
    private final ConcurrentHashMap<ClientQuotaEntity, Map<String, Double>> quotas = new ConcurrentHashMap<>();
    /** The quotas as the accepted alterations leave them, durable or not yet: what the next alteration builds on. */
    private final Map<ClientQuotaEntity, Map<String, Double>> staged = new HashMap<>();
    /** The quota keys some entity sets: a client of a type nobody limits costs one set lookup. */
    private volatile Set<String> keysInUse = Set.of();

    /** Loads every stored quota. */
    public ClientQuotaStore(DurableMap table) {
        this(table, MAX_ENTITIES);
    }

    ClientQuotaStore(DurableMap table, int maxEntities) {
        this.table = table;
        this.maxEntities = maxEntities;
        reload();
        log.debug("Loaded the quotas of {} client quota entities", quotas.size());
    }

    /** Re-reads every stored quota: in a cluster, after a change made on another node was applied to this node's table. */
    public synchronized void reload() {
        Map<ClientQuotaEntity, Map<String, Double>> stored = new HashMap<>();
        table.forEach((key, value) -> {
            try {
                ClientQuotaDescriptor.Entry e = ClientQuotaDescriptor.decode(value);
                stored.put(e.entity(), Map.copyOf(e.quotas()));
            } catch (IllegalArgumentException e) {
                log.error("Skipping an unreadable client quota in the store", e);
            }
        });
        quotas.keySet().retainAll(stored.keySet());
        quotas.putAll(stored);
        staged.clear();
        staged.putAll(stored);
        refreshKeysInUse();
    }

    /** Every entity with at least one quota, and its quotas. */
    public Map<ClientQuotaEntity, Map<String, Double>> all() {
        return Map.copyOf(quotas);
    }

    /**
     * Validates each alteration as Kafka does and, unless {@code validateOnly}, applies the valid ones
     * atomically: the result per entity is known at once, and the future completes when the changes
     * are durable (and visible to the data path).
     */
    public synchronized CompletableFuture<Map<ClientQuotaEntity, ApiError>> alter(List<ClientQuotaAlteration> alterations,
                                                                                 boolean validateOnly) {
        Map<ClientQuotaEntity, ApiError> results = new HashMap<>();
        Map<ClientQuotaEntity, Map<String, Double>> changed = new LinkedHashMap<>();
        for (ClientQuotaAlteration alteration : alterations) {
            ClientQuotaEntity entity = alteration.entity();
            Map<String, Double> ops = new HashMap<>();
            for (ClientQuotaAlteration.Op op : alteration.ops()) {
                if (ops.containsKey(op.key())) {
                    results.put(entity, ClientQuotaValidation.error("Duplicate quota key " + op.key()
                            + " not updating quota for this entity " + entity));
                } else {
                    ops.put(op.key(), op.value());
                }
            }
            if (results.containsKey(entity)) { // as Kafka: a repeated entity (or key) answers this, earlier changes stay
                results.put(entity, ClientQuotaValidation.error("Ignoring duplicate entity " + entity));
                continue;
            }
            ApiError error = ClientQuotaValidation.validate(entity, ops);
            results.put(entity, error);
            if (error.isFailure()) {
                continue;
            }
            Map<String, Double> next = new HashMap<>(staged.getOrDefault(entity, Map.of()));
            ops.forEach((key, value) -> {
                if (value == null) {
                    next.remove(key);
                } else {
                    next.put(key, value);
                }
            });
            if (!next.isEmpty() && !staged.containsKey(entity) && staged.size() + newEntities(changed) >= maxEntities) {
                results.put(entity, ClientQuotaValidation.error("At most " + maxEntities + " client quota entities are kept"));
            } else if (!next.equals(staged.getOrDefault(entity, Map.of()))) {
                changed.put(entity, next);
            }
        }
        if (validateOnly || changed.isEmpty()) {
            return CompletableFuture.completedFuture(results);
        }
        List<Map.Entry<byte[], byte[]>> writes = new ArrayList<>(changed.size());
        changed.forEach((entity, next) -> {
            if (next.isEmpty()) {
                staged.remove(entity);
            } else {
                staged.put(entity, next);
            }
        });
        changed.forEach((entity, next) -> writes.add(new AbstractMap.SimpleEntry<>(ClientQuotaDescriptor.key(entity),
                next.isEmpty() ? null : ClientQuotaDescriptor.value(entity, next))));
        return table.write(writes).thenApply(done -> {
            apply(changed);
            return results;
        });
    }

    private long newEntities(Map<ClientQuotaEntity, Map<String, Double>> changed) {
        return changed.entrySet().stream().filter(e -> !e.getValue().isEmpty() && !staged.containsKey(e.getKey())).count();
    }

    private void apply(Map<ClientQuotaEntity, Map<String, Double>> changed) {
        changed.forEach((entity, next) -> { // on the committer thread, in commit order
            if (next.isEmpty()) {
                quotas.remove(entity);
            } else {
                quotas.put(entity, Map.copyOf(next));
            }
            log.info("Client quotas of {} are now {}", entity, next);
        });
        refreshKeysInUse();
    }

    private void refreshKeysInUse() {
        Set<String> keys = new HashSet<>();
        quotas.values().forEach(q -> keys.addAll(q.keySet()));
        keysInUse = Set.copyOf(keys);
    }

    /**
     * The {@code quotaKey} quota (producer_byte_rate, consumer_byte_rate) that applies to this user and
     * client id, or null for none. Kafka's precedence, the first set wins:
     * /users/&lt;user&gt;/clients/&lt;client-id&gt;, /users/&lt;user&gt;/clients/&lt;default&gt;, /users/&lt;user&gt;,
     * /users/&lt;default&gt;/clients/&lt;client-id&gt;, /users/&lt;default&gt;/clients/&lt;default&gt;, /users/&lt;default&gt;,
     * /clients/&lt;client-id&gt;, /clients/&lt;default&gt;. The rate is kept per user and client id for the
     * user+client levels, per user for the user levels, per client id for the client levels, as Kafka's sensors.
     */
    Applied applied(String quotaKey, String user, String clientId) {
        if (!keysInUse.contains(quotaKey)) {
            return null;
        }
        QuotaSensors.Key both = new QuotaSensors.Key(user, clientId);
        QuotaSensors.Key userOnly = new QuotaSensors.Key(user, "");
        QuotaSensors.Key clientOnly = new QuotaSensors.Key("", clientId);
        Applied a;
        if ((a = find(quotaKey, both, user, true, clientId, true)) != null
                || (a = find(quotaKey, both, user, true, null, true)) != null
                || (a = find(quotaKey, userOnly, user, true, null, false)) != null
                || (a = find(quotaKey, both, null, true, clientId, true)) != null
                || (a = find(quotaKey, both, null, true, null, true)) != null
                || (a = find(quotaKey, userOnly, null, true, null, false)) != null
                || (a = find(quotaKey, clientOnly, null, false, clientId, true)) != null
                || (a = find(quotaKey, clientOnly, null, false, null, true)) != null) {
            return a;
        }
        return null;
    }

    /** The quota of the entity naming this user (null: the default) if {@code hasUser}, and client id likewise. */
    private Applied find(String quotaKey, QuotaSensors.Key sensor, String user, boolean hasUser, String clientId, boolean hasClient) {
        Map<String, String> entity = new HashMap<>(2);
        if (hasUser) {
            entity.put(ClientQuotaEntity.USER, user);
        }
        if (hasClient) {
            entity.put(ClientQuotaEntity.CLIENT_ID, clientId);
        }
        Map<String, Double> q = quotas.get(new ClientQuotaEntity(entity));
        Double value = q == null ? null : q.get(quotaKey);
        return value == null ? null : new Applied(sensor, value);
    }
}
