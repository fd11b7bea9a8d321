package io.kafkalite.handlers;

import io.kafkalite.wire.KafkaRequest;
import java.util.List;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.server.authorizer.Action;
import org.apache.kafka.server.authorizer.AuthorizationResult;
import org.apache.kafka.server.authorizer.Authorizer;

/**
 * The handlers' view of the authorizer ({@code authorizer.class.name}). Without one every request is
 * allowed, as in Kafka; {@link #NONE} is that case.
 */
public final class Authorization {
    public static final Authorization NONE = new Authorization(null);

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
        if (authorizer == null) {
            return true;
        }
        Action action = new Action(op, new ResourcePattern(type, name, PatternType.LITERAL), 1, true, true);
        return authorizer.authorize(request.context(), List.of(action)).get(0) == AuthorizationResult.ALLOWED;
    }

    public boolean allowedOnCluster(KafkaRequest request, AclOperation op) {
        return allowed(request, op, ResourceType.CLUSTER, "kafka-cluster");
    }
}
