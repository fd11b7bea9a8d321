package io.kafkalite.handlers;

import java.util.EnumSet;
import org.apache.kafka.common.acl.AclOperation;

/**
 * The authorized-operations bit fields of Metadata, DescribeCluster and DescribeGroups. Without
 * an authorizer every operation Kafka defines for the resource type is allowed.
 */
final class AuthorizedOperations {
    static final int TOPIC = bits(EnumSet.of(AclOperation.READ, AclOperation.WRITE, AclOperation.CREATE, AclOperation.DELETE,
            AclOperation.ALTER, AclOperation.DESCRIBE, AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS));
    static final int CLUSTER = bits(EnumSet.of(AclOperation.CREATE, AclOperation.ALTER, AclOperation.DESCRIBE,
            AclOperation.CLUSTER_ACTION, AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS, AclOperation.IDEMPOTENT_WRITE));
    static final int GROUP = bits(EnumSet.of(AclOperation.READ, AclOperation.DESCRIBE, AclOperation.DELETE));
    /** What a response carries when the client did not ask. */
    static final int OMITTED = Integer.MIN_VALUE;

    private AuthorizedOperations() { }

    private static int bits(EnumSet<AclOperation> ops) {
        int bits = 0;
        for (AclOperation op : ops) {
            bits |= 1 << op.code();
        }
        return bits;
    }
}
