package io.kafkalite.handlers;

import io.kafkalite.wire.KafkaRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.SecurityDisabledException;
import org.apache.kafka.common.message.CreateAclsRequestData.AclCreation;
import org.apache.kafka.common.message.CreateAclsResponseData;
import org.apache.kafka.common.message.CreateAclsResponseData.AclCreationResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ApiError;
import org.apache.kafka.common.requests.CreateAclsRequest;
import org.apache.kafka.common.requests.CreateAclsResponse;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.Resource;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.server.authorizer.AclCreateResult;

/**
 * CreateAcls, v1-v3, as Kafka's AclApis.
 * <ul>
 * <li>Needs ALTER on the cluster (else CLUSTER_AUTHORIZATION_FAILED for every creation); without an
 *     authorizer every creation gets SECURITY_DISABLED.</li>
 * <li>Each creation is answered on its own: INVALID_REQUEST for a CLUSTER resource not named
 *     {@code kafka-cluster}, an empty name, a pattern type other than LITERAL or PREFIXED, an operation or
 *     permission ANY, or a principal that is not {@code type:name}; the rest go to the authorizer, and the
 *     answer waits until they are stored. Creating an existing ACL succeeds.</li>
 * <li>Unlike Kafka, a creation with a type, pattern, operation or permission of ANY gets INVALID_REQUEST
 *     alone (Kafka answers the whole request with UNKNOWN_SERVER_ERROR, failing to build the binding).</li>
 * </ul>
 */
public final class CreateAclsHandler implements Handler<CreateAclsRequest> {
    private final Authorization authorization;

    public CreateAclsHandler(Authorization authorization) {
        this.authorization = authorization;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.CREATE_ACLS;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(KafkaRequest request, CreateAclsRequest body) {
        if (!authorization.allowedOnCluster(request, AclOperation.ALTER)) {
            throw new ClusterAuthorizationException("Request CreateAcls is not authorized.");
        }
        if (!authorization.enabled()) {
            return CompletableFuture.completedFuture(body.getErrorResponse(0, new SecurityDisabledException("No Authorizer is configured.")));
        }
        List<AclCreation> creations = body.aclCreations();
        List<ApiException> refused = new ArrayList<>(creations.size());
        List<AclBinding> valid = new ArrayList<>(creations.size());
        for (AclCreation creation : creations) {
            ApiException e = invalid(creation);
            refused.add(e);
            if (e == null) {
                valid.add(CreateAclsRequest.aclBinding(creation));
            }
        }
        List<CompletableFuture<AclCreateResult>> created = authorization.authorizer().createAcls(request.context(), valid).stream()
                .map(CompletionStage::toCompletableFuture).toList();
        return CompletableFuture.allOf(created.toArray(CompletableFuture[]::new)).thenApply(v -> {
            CreateAclsResponseData data = new CreateAclsResponseData();
            int next = 0;
            for (ApiException e : refused) {
                data.results().add(result(e != null ? e : created.get(next++).join().exception().orElse(null)));
            }
            return new CreateAclsResponse(data);
        });
    }

    /** Why Kafka refuses the creation before it reaches the authorizer; null if it does not. */
    private static ApiException invalid(AclCreation creation) {
        ResourceType type = ResourceType.fromCode(creation.resourceType());
        PatternType pattern = PatternType.fromCode(creation.resourcePatternType());
        if (type == ResourceType.ANY) {
            return new InvalidRequestException("Invalid resourceType " + type);
        } else if (pattern == PatternType.ANY || pattern == PatternType.MATCH) {
            return new InvalidRequestException("Invalid patternType " + pattern);
        } else if (AclOperation.fromCode(creation.operation()) == AclOperation.ANY) {
            return new InvalidRequestException("Invalid operation ANY");
        } else if (AclPermissionType.fromCode(creation.permissionType()) == AclPermissionType.ANY) {
            return new InvalidRequestException("Invalid permissionType ANY");
        } else if (type == ResourceType.CLUSTER && !Resource.CLUSTER_NAME.equals(creation.resourceName())) {
            return new InvalidRequestException("The only valid name for the CLUSTER resource is " + Resource.CLUSTER_NAME);
        } else if (creation.resourceName().isEmpty()) {
            return new InvalidRequestException("Invalid empty resource name");
        }
        return null;
    }

    private static AclCreationResult result(ApiException e) {
        if (e == null) {
            return new AclCreationResult();
        }
        ApiError error = ApiError.fromThrowable(e);
        return new AclCreationResult().setErrorCode(error.error().code()).setErrorMessage(error.message());
    }
}
