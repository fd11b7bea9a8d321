package io.kafkalite.handlers;

import io.kafkalite.wire.KafkaRequest;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.SecurityDisabledException;
import org.apache.kafka.common.message.DeleteAclsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.DeleteAclsRequest;
import org.apache.kafka.common.requests.DeleteAclsResponse;
import org.apache.kafka.server.authorizer.AclDeleteResult;

/**
 * DeleteAcls, v1-v3, as Kafka's AclApis.
 * <ul>
 * <li>Needs ALTER on the cluster (else CLUSTER_AUTHORIZATION_FAILED for every filter); without an
 *     authorizer every filter gets SECURITY_DISABLED.</li>
 * <li>Each filter is answered with the ACLs it matched and deleted (an ACL matched by several filters is
 *     listed under each), once the deletion is stored.</li>
 * </ul>
 */
public final class DeleteAclsHandler implements Handler<DeleteAclsRequest> {
    private final Authorization authorization;

    public DeleteAclsHandler(Authorization authorization) {
        this.authorization = authorization;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.DELETE_ACLS;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(KafkaRequest request, DeleteAclsRequest body) {
        if (!authorization.allowedOnCluster(request, AclOperation.ALTER)) {
            throw new ClusterAuthorizationException("Request DeleteAcls is not authorized.");
        }
        if (!authorization.enabled()) {
            return CompletableFuture.completedFuture(body.getErrorResponse(0, new SecurityDisabledException("No Authorizer is configured.")));
        }
        List<CompletableFuture<AclDeleteResult>> deleted = authorization.authorizer().deleteAcls(request.context(), body.filters()).stream()
                .map(CompletionStage::toCompletableFuture).toList();
        return CompletableFuture.allOf(deleted.toArray(CompletableFuture[]::new)).thenApply(v -> new DeleteAclsResponse(
                new DeleteAclsResponseData().setFilterResults(deleted.stream().map(f -> DeleteAclsResponse.filterResult(f.join())).toList()),
                body.version()));
    }
}
