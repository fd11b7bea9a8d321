package io.kafkalite.handlers;

import io.kafkalite.wire.KafkaRequest;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.message.DescribeAclsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.DescribeAclsRequest;
import org.apache.kafka.common.requests.DescribeAclsResponse;

/**
 * DescribeAcls, v1-v3, as Kafka's AclApis.
 * <ul>
 * <li>Needs DESCRIBE on the cluster (else CLUSTER_AUTHORIZATION_FAILED); without an authorizer the
 *     answer is SECURITY_DISABLED.</li>
 * <li>The ACLs matching the filter (MATCH finds the literal, wildcard and prefixed patterns that apply to
 *     a name), grouped by resource pattern.</li>
 * </ul>
 */
public final class DescribeAclsHandler implements Handler.Immediate<DescribeAclsRequest> {
    private final Authorization authorization;

    public DescribeAclsHandler(Authorization authorization) {
        this.authorization = authorization;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.DESCRIBE_ACLS;
    }

    @Override
    public AbstractResponse respond(KafkaRequest request, DescribeAclsRequest body) {
        if (!authorization.allowedOnCluster(request, AclOperation.DESCRIBE)) {
            throw new ClusterAuthorizationException("Request DescribeAcls is not authorized.");
        }
        DescribeAclsResponseData data = new DescribeAclsResponseData();
        if (!authorization.enabled()) {
            data.setErrorCode(Errors.SECURITY_DISABLED.code()).setErrorMessage("No Authorizer is configured on the broker");
        } else {
            data.setResources(DescribeAclsResponse.aclsResources(authorization.authorizer().acls(body.filter())));
        }
        return new DescribeAclsResponse(data, body.version());
    }
}
