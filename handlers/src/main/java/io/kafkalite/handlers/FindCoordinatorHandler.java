package io.kafkalite.handlers;

import io.kafkalite.wire.KafkaRequest;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.FindCoordinatorResponseData.Coordinator;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.FindCoordinatorRequest;
import org.apache.kafka.common.requests.FindCoordinatorResponse;
import org.apache.kafka.common.resource.ResourceType;

/**
 * FindCoordinator, v0-v6 (v4+ batch keys, KIP-699).
 * <ul>
 * <li>Group and transaction keys: this broker; in a cluster the quorum leader's broker (its endpoint on the request's
 *     listener), or COORDINATOR_NOT_AVAILABLE while there is no leader. An empty key gets INVALID_REQUEST.</li>
 * <li>Share keys: INVALID_REQUEST (no share groups).</li>
 * <li>A group key needs DESCRIBE on the group (GROUP_AUTHORIZATION_FAILED), a transaction key DESCRIBE on the
 *     transactional id (TRANSACTIONAL_ID_AUTHORIZATION_FAILED), checked first, as Kafka.</li>
 * </ul>
 */
public final class FindCoordinatorHandler implements Handler.Immediate<FindCoordinatorRequest> {
    private static final byte GROUP = 0;
    private static final byte TRANSACTION = 1;

    private final ClusterInfo cluster;
    private final Authorization authorization;

    public FindCoordinatorHandler(ClusterInfo cluster, Authorization authorization) {
        this.cluster = cluster;
        this.authorization = authorization;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.FIND_COORDINATOR;
    }

    @Override
    public AbstractResponse respond(KafkaRequest request, FindCoordinatorRequest body) {
        byte type = body.data().keyType();
        if (body.version() < FindCoordinatorRequest.MIN_BATCHED_VERSION) {
            Coordinator c = coordinator(request, type, body.data().key());
            return new FindCoordinatorResponse(new FindCoordinatorResponseData().setErrorCode(c.errorCode()).setErrorMessage(c.errorMessage())
                    .setNodeId(c.nodeId()).setHost(c.host()).setPort(c.port()));
        }
        FindCoordinatorResponseData data = new FindCoordinatorResponseData();
        for (String key : body.data().coordinatorKeys()) {
            data.coordinators().add(coordinator(request, type, key));
        }
        return new FindCoordinatorResponse(data);
    }

    private Coordinator coordinator(KafkaRequest request, byte type, String key) {
        Coordinator c = new Coordinator().setKey(key).setNodeId(-1).setHost("").setPort(-1);
        if (type == GROUP && !authorization.allowed(request, AclOperation.DESCRIBE, ResourceType.GROUP, key)) {
            return c.setErrorCode(Errors.GROUP_AUTHORIZATION_FAILED.code()).setErrorMessage(Errors.GROUP_AUTHORIZATION_FAILED.message());
        }
        if (type == TRANSACTION && !authorization.allowed(request, AclOperation.DESCRIBE, ResourceType.TRANSACTIONAL_ID, key)) {
            return c.setErrorCode(Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED.code())
                    .setErrorMessage(Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED.message());
        }
        if ((type == GROUP || type == TRANSACTION) && key != null && !key.isEmpty()) {
            Node node = cluster.coordinator(request.context().listenerName);
            if (node == null) {
                return c.setErrorCode(Errors.COORDINATOR_NOT_AVAILABLE.code()).setErrorMessage(Errors.COORDINATOR_NOT_AVAILABLE.message());
            }
            return c.setErrorCode(Errors.NONE.code()).setNodeId(node.id()).setHost(node.host()).setPort(node.port());
        }
        return c.setErrorCode(Errors.INVALID_REQUEST.code()).setErrorMessage("Invalid coordinator key or key type");
    }
}
