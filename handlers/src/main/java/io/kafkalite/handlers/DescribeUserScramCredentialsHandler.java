package io.kafkalite.handlers;

import io.kafkalite.acl.ScramCredentialStore;
import io.kafkalite.wire.KafkaRequest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.message.DescribeUserScramCredentialsRequestData.UserName;
import org.apache.kafka.common.message.DescribeUserScramCredentialsResponseData;
import org.apache.kafka.common.message.DescribeUserScramCredentialsResponseData.CredentialInfo;
import org.apache.kafka.common.message.DescribeUserScramCredentialsResponseData.DescribeUserScramCredentialsResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.DescribeUserScramCredentialsRequest;
import org.apache.kafka.common.requests.DescribeUserScramCredentialsResponse;
import org.apache.kafka.common.security.scram.ScramCredential;
import org.apache.kafka.common.security.scram.internals.ScramMechanism;

/**
 * DescribeUserScramCredentials, v0 (KIP-554): the mechanisms and iterations of users' SCRAM credentials,
 * never the credentials themselves; {@code kafka-configs --entity-type users --describe} sends it.
 * <ul>
 * <li>Needs DESCRIBE on the cluster, else CLUSTER_AUTHORIZATION_FAILED for the whole request.</li>
 * <li>No users (null or empty): every user that has a credential. A user without one: RESOURCE_NOT_FOUND;
 *     a user named twice: DUPLICATE_RESOURCE; with Kafka's messages.</li>
 * </ul>
 */
public final class DescribeUserScramCredentialsHandler implements Handler.Immediate<DescribeUserScramCredentialsRequest> {
    private final ScramCredentialStore store;
    private final Authorization authorization;

    public DescribeUserScramCredentialsHandler(ScramCredentialStore store, Authorization authorization) {
        this.store = store;
        this.authorization = authorization;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.DESCRIBE_USER_SCRAM_CREDENTIALS;
    }

    @Override
    public AbstractResponse respond(KafkaRequest request, DescribeUserScramCredentialsRequest body) {
        if (!authorization.allowedOnCluster(request, AclOperation.DESCRIBE)) {
            throw new ClusterAuthorizationException("Cluster authorization failed.");
        }
        Map<String, Boolean> duplicated = new LinkedHashMap<>();
        List<UserName> users = body.data().users();
        if (users == null || users.isEmpty()) {
            store.users().forEach(user -> duplicated.put(user, false));
        } else {
            users.forEach(u -> duplicated.put(u.name(), duplicated.containsKey(u.name())));
        }
        DescribeUserScramCredentialsResponseData data = new DescribeUserScramCredentialsResponseData();
        duplicated.forEach((user, twice) -> data.results().add(describe(user, twice)));
        return new DescribeUserScramCredentialsResponse(data);
    }

    private DescribeUserScramCredentialsResult describe(String user, boolean twice) {
        DescribeUserScramCredentialsResult result = new DescribeUserScramCredentialsResult().setUser(user);
        if (twice) {
            return result.setErrorCode(Errors.DUPLICATE_RESOURCE.code())
                    .setErrorMessage("Cannot describe SCRAM credentials for the same user twice in a single request: " + user);
        }
        Map<ScramMechanism, ScramCredential> credentials = store.credentials(user);
        if (credentials.isEmpty()) {
            return result.setErrorCode(Errors.RESOURCE_NOT_FOUND.code())
                    .setErrorMessage("Attempt to describe a user credential that does not exist: " + user);
        }
        credentials.forEach((mechanism, credential) -> result.credentialInfos().add(new CredentialInfo()
                .setMechanism(mechanism.type()).setIterations(credential.iterations())));
        return result;
    }
}
