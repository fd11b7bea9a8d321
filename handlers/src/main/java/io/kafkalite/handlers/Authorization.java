package io.kafkalite.handlers;

import io.kafkalite.wire.KafkaRequest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.ToIntFunction;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.server.authorizer.Action;
import org.apache.kafka.server.authorizer.AuthorizationResult;
import org.apache.kafka.server.authorizer.Authorizer;

/**
 * The handlers' view of the authorizer ({@code authorizer.class.name}). Without one every request is
 * allowed, as in Kafka; {@link #NONE} is that case, and every method answers it without allocating.
 * Resources are named literally, as Kafka's handlers name them; the authorizer matches them against
 * prefixed and wildcard ACLs.
 */
public final class Authorization {
    public static final Authorization NONE = new Authorization(null);
    /** The name Kafka gives the cluster resource. */
    public static final String CLUSTER_NAME = "kafka-cluster";

    private final Authorizer authorizer;

    /** @param authorizer null for no authorization */
    public Authorization(Authorizer authorizer) {
        this.authorizer = authorizer;
    }

    public boolean enabled() {
        return authorizer != null;
    }

    /** The authorizer; null when authorization is off. */
    public Authorizer authorizer() {
        return authorizer;
    }

    /** Whether the request's principal may do {@code op} on the literal resource {@code type:name}. */
    public boolean allowed(KafkaRequest request, AclOperation op, ResourceType type, String name) {
        return allowed(request, op, type, name, true);
    }

    /**
     * As {@link #allowed(KafkaRequest, AclOperation, ResourceType, String)}; {@code logIfDenied} false where a
     * denial is an expected answer rather than an attempt (Kafka's audit log skips those, e.g. CREATE on the
     * cluster before CREATE on each topic).
     */
    public boolean allowed(KafkaRequest request, AclOperation op, ResourceType type, String name, boolean logIfDenied) {
        if (authorizer == null) {
            return true;
        }
        Action action = new Action(op, new ResourcePattern(type, name, PatternType.LITERAL), 1, true, logIfDenied);
        return authorizer.authorize(request.context(), List.of(action)).get(0) == AuthorizationResult.ALLOWED;
    }

    public boolean allowedOnCluster(KafkaRequest request, AclOperation op) {
        return allowed(request, op, ResourceType.CLUSTER, CLUSTER_NAME);
    }

    public boolean allowedOnCluster(KafkaRequest request, AclOperation op, boolean logIfDenied) {
        return allowed(request, op, ResourceType.CLUSTER, CLUSTER_NAME, logIfDenied);
    }

    /** Whether the principal may do {@code op} on at least one resource of the type ({@link Authorizer#authorizeByResourceType}). */
    public boolean allowedOnAnyOf(KafkaRequest request, AclOperation op, ResourceType type) {
        return authorizer == null || authorizer.authorizeByResourceType(request.context(), op, type) == AuthorizationResult.ALLOWED;
    }

    /**
     * The names among {@code items} the principal may not {@code op}, asked in one {@code authorize} call with
     * one action per distinct name (its reference count the number of items naming it). Null names are
     * skipped. An empty immutable set (that answers {@code contains(null)} with false) when everything is
     * allowed, and always without authorization.
     */
    public <T> Set<String> denied(KafkaRequest request, AclOperation op, ResourceType type, Iterable<T> items, Function<T, String> name) {
        return denied(request, op, type, items, name, item -> 1, true);
    }

    public <T> Set<String> denied(KafkaRequest request, AclOperation op, ResourceType type, Iterable<T> items, Function<T, String> name,
                                  boolean logIfDenied) {
        return denied(request, op, type, items, name, item -> 1, logIfDenied);
    }

    /** As {@link #denied}; each item counts {@code references} times (Produce and Fetch count a topic's partitions, as Kafka). */
    public <T> Set<String> denied(KafkaRequest request, AclOperation op, ResourceType type, Iterable<T> items, Function<T, String> name,
                                  ToIntFunction<T> references, boolean logIfDenied) {
        if (authorizer == null) {
            return Collections.emptySet();
        }
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (T item : items) {
            String n = name.apply(item);
            if (n != null) {
                counts.merge(n, references.applyAsInt(item), Integer::sum);
            }
        }
        if (counts.isEmpty()) {
            return Collections.emptySet();
        }
        List<Action> actions = new ArrayList<>(counts.size());
        counts.forEach((n, count) -> actions.add(new Action(op, new ResourcePattern(type, n, PatternType.LITERAL), count, true, logIfDenied)));
        List<AuthorizationResult> results = authorizer.authorize(request.context(), actions);
        Set<String> denied = null;
        for (int i = 0; i < actions.size(); i++) {
            if (results.get(i) != AuthorizationResult.ALLOWED) {
                if (denied == null) {
                    denied = new HashSet<>();
                }
                denied.add(actions.get(i).resourcePattern().name());
            }
        }
        return denied == null ? Collections.emptySet() : denied;
    }

    /** {@link #denied} for items that are names. */
    public Set<String> deniedNames(KafkaRequest request, AclOperation op, ResourceType type, Iterable<String> names) {
        return denied(request, op, type, names, Function.identity(), item -> 1, true);
    }

    /**
     * The authorized-operations bit field of the resource {@code type:name} for the request's principal: every
     * operation Kafka defines for the type, asked in one {@code authorize} call (not audit-logged, as in Kafka).
     * Without authorization every operation of the type.
     */
    public int operations(KafkaRequest request, ResourceType type, String name) {
        List<AclOperation> supported = AuthorizedOperations.supported(type);
        if (authorizer == null) {
            return AuthorizedOperations.all(type);
        }
        ResourcePattern pattern = new ResourcePattern(type, name, PatternType.LITERAL);
        List<Action> actions = new ArrayList<>(supported.size());
        for (AclOperation op : supported) {
            actions.add(new Action(op, pattern, 1, false, false));
        }
        List<AuthorizationResult> results = authorizer.authorize(request.context(), actions);
        int bits = 0;
        for (int i = 0; i < supported.size(); i++) {
            if (results.get(i) == AuthorizationResult.ALLOWED) {
                bits |= 1 << supported.get(i).code();
            }
        }
        return bits;
    }

    /**
     * The cluster's authorized operations as Metadata (v8-v10) and DescribeCluster give them: 0 unless the
     * principal may DESCRIBE the cluster.
     */
    public int clusterOperations(KafkaRequest request) {
        if (authorizer == null) {
            return AuthorizedOperations.CLUSTER;
        }
        return allowedOnCluster(request, AclOperation.DESCRIBE) ? operations(request, ResourceType.CLUSTER, CLUSTER_NAME) : 0;
    }

    /**
     * Kafka's check of DESCRIBE_CONFIGS or ALTER_CONFIGS ({@code op}) on a config resource: broker (and broker
     * logger, client metrics) configs on the cluster, topic and group configs on themselves. NONE when allowed,
     * else CLUSTER_, TOPIC_ or GROUP_AUTHORIZATION_FAILED; NONE for other types, which the handler answers.
     */
    public Errors configAccess(KafkaRequest request, AclOperation op, byte resourceType, String name) {
        if (authorizer == null) {
            return Errors.NONE;
        }
        return switch (ConfigResource.Type.forId(resourceType)) {
            case BROKER, BROKER_LOGGER, CLIENT_METRICS -> allowedOnCluster(request, op) ? Errors.NONE : Errors.CLUSTER_AUTHORIZATION_FAILED;
            case TOPIC -> allowed(request, op, ResourceType.TOPIC, name) ? Errors.NONE : Errors.TOPIC_AUTHORIZATION_FAILED;
            case GROUP -> allowed(request, op, ResourceType.GROUP, name) ? Errors.NONE : Errors.GROUP_AUTHORIZATION_FAILED;
            default -> Errors.NONE;
        };
    }

    /** The whole-request answer Kafka gives when a check fails: the request's own error response for {@code error}. */
    static CompletableFuture<AbstractResponse> refused(AbstractRequest body, Errors error) {
        return CompletableFuture.completedFuture(body.getErrorResponse(error.exception()));
    }
}
