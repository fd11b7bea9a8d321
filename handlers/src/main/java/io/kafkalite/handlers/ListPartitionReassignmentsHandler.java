package io.kafkalite.handlers;

import io.kafkalite.wire.KafkaRequest;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.message.ListPartitionReassignmentsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ListPartitionReassignmentsRequest;
import org.apache.kafka.common.requests.ListPartitionReassignmentsResponse;

/**
 * ListPartitionReassignments, v0 (KIP-455; {@code kafka-reassign-partitions --list / --verify}): no reassignment
 * is ever ongoing on one broker (one to this broker completes at once), so the answer lists none, for the
 * named topics or all of them, as Kafka's controller does when none is ongoing. DESCRIBE on the cluster, else
 * CLUSTER_AUTHORIZATION_FAILED.
 */
public final class ListPartitionReassignmentsHandler implements Handler.Immediate<ListPartitionReassignmentsRequest> {
    private final Authorization authorization;

    public ListPartitionReassignmentsHandler(Authorization authorization) {
        this.authorization = authorization;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.LIST_PARTITION_REASSIGNMENTS;
    }

    @Override
    public AbstractResponse respond(KafkaRequest request, ListPartitionReassignmentsRequest body) {
        if (!authorization.allowedOnCluster(request, AclOperation.DESCRIBE)) {
            throw new ClusterAuthorizationException(Errors.CLUSTER_AUTHORIZATION_FAILED.message());
        }
        return new ListPartitionReassignmentsResponse(new ListPartitionReassignmentsResponseData()
                .setErrorCode(Errors.NONE.code()).setErrorMessage(null));
    }
}
