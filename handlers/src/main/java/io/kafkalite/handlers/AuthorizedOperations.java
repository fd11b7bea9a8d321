package io.kafkalite.handlers;

import static org.apache.kafka.common.acl.AclOperation.ALTER;
import static org.apache.kafka.common.acl.AclOperation.ALTER_CONFIGS;
import static org.apache.kafka.common.acl.AclOperation.CLUSTER_ACTION;
import static org.apache.kafka.common.acl.AclOperation.CREATE;
import static org.apache.kafka.common.acl.AclOperation.CREATE_TOKENS;
import static org.apache.kafka.common.acl.AclOperation.DELETE;
import static org.apache.kafka.common.acl.AclOperation.DESCRIBE;
import static org.apache.kafka.common.acl.AclOperation.DESCRIBE_CONFIGS;
import static org.apache.kafka.common.acl.AclOperation.DESCRIBE_TOKENS;
import static org.apache.kafka.common.acl.AclOperation.IDEMPOTENT_WRITE;
import static org.apache.kafka.common.acl.AclOperation.READ;
import static org.apache.kafka.common.acl.AclOperation.TWO_PHASE_COMMIT;
import static org.apache.kafka.common.acl.AclOperation.WRITE;

import java.util.List;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.ResourceType;

/**
 * The authorized-operations bit fields of Metadata, DescribeCluster, DescribeGroups and ConsumerGroupDescribe:
 * bit {@code 1 << op.code()} per allowed operation. The operations of each resource type are those Kafka 4.4
 * defines ({@code AclEntry.supportedOperations}); without an authorizer all of them are allowed.
 */
final class AuthorizedOperations {
    private static final List<AclOperation> TOPIC_OPS = List.of(READ, WRITE, CREATE, DESCRIBE, DELETE, ALTER, DESCRIBE_CONFIGS, ALTER_CONFIGS);
    private static final List<AclOperation> GROUP_OPS = List.of(READ, DESCRIBE, DELETE, DESCRIBE_CONFIGS, ALTER_CONFIGS);
    private static final List<AclOperation> CLUSTER_OPS = List.of(CREATE, CLUSTER_ACTION, DESCRIBE_CONFIGS, ALTER_CONFIGS, IDEMPOTENT_WRITE,
            ALTER, DESCRIBE);
    private static final List<AclOperation> TRANSACTIONAL_ID_OPS = List.of(DESCRIBE, WRITE, TWO_PHASE_COMMIT);
    private static final List<AclOperation> DELEGATION_TOKEN_OPS = List.of(DESCRIBE);
    private static final List<AclOperation> USER_OPS = List.of(CREATE_TOKENS, DESCRIBE_TOKENS);

    static final int TOPIC = bits(TOPIC_OPS);
    static final int CLUSTER = bits(CLUSTER_OPS);
    static final int GROUP = bits(GROUP_OPS);
    /** What a response carries when the client did not ask. */
    static final int OMITTED = Integer.MIN_VALUE;

    private AuthorizedOperations() { }

    /** The operations Kafka defines for a resource type. */
    static List<AclOperation> supported(ResourceType type) {
        return switch (type) {
            case TOPIC -> TOPIC_OPS;
            case GROUP -> GROUP_OPS;
            case CLUSTER -> CLUSTER_OPS;
            case TRANSACTIONAL_ID -> TRANSACTIONAL_ID_OPS;
            case DELEGATION_TOKEN -> DELEGATION_TOKEN_OPS;
            case USER -> USER_OPS;
            default -> throw new IllegalArgumentException("Not a concrete resource type: " + type);
        };
    }

    /** Every operation of the type, as the bit field. */
    static int all(ResourceType type) {
        return switch (type) {
            case TOPIC -> TOPIC;
            case GROUP -> GROUP;
            case CLUSTER -> CLUSTER;
            default -> bits(supported(type));
        };
    }

    private static int bits(List<AclOperation> ops) {
        int bits = 0;
        for (AclOperation op : ops) {
            bits |= 1 << op.code();
        }
        return bits;
    }
}
