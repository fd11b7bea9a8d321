package io.kafkalite.handlers;

import io.kafkalite.acl.ScramCredentialStore;
import io.kafkalite.acl.ScramCredentialStore.Change;
import io.kafkalite.wire.KafkaRequest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.message.AlterUserScramCredentialsRequestData.ScramCredentialDeletion;
import org.apache.kafka.common.message.AlterUserScramCredentialsRequestData.ScramCredentialUpsertion;
import org.apache.kafka.common.message.AlterUserScramCredentialsResponseData;
import org.apache.kafka.common.message.AlterUserScramCredentialsResponseData.AlterUserScramCredentialsResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.AlterUserScramCredentialsRequest;
import org.apache.kafka.common.requests.AlterUserScramCredentialsResponse;
import org.apache.kafka.common.requests.ApiError;
import org.apache.kafka.common.security.scram.ScramCredential;
import org.apache.kafka.common.security.scram.internals.ScramMechanism;

/**
 * AlterUserScramCredentials, v0 (KIP-554): adds, replaces and deletes users' SCRAM credentials, as Kafka's
 * controller (ScramControlManager) does; {@code kafka-configs --entity-type users --alter} sends it.
 * <ul>
 * <li>Needs ALTER on the cluster, else every user gets CLUSTER_AUTHORIZATION_FAILED.</li>
 * <li>One result per user. A user named twice (deletion or upsertion, any mechanism): DUPLICATE_RESOURCE;
 *     an empty name: UNACCEPTABLE_CREDENTIAL; an unknown mechanism: UNSUPPORTED_SASL_MECHANISM; iterations
 *     outside 4096..16384: UNACCEPTABLE_CREDENTIAL; deleting a credential that does not exist: RESOURCE_NOT_FOUND.</li>
 * <li>The client sends salt and salted password; only salt, stored key, server key and iterations are
 *     stored. The valid changes are applied together and answered once durable.</li>
 * </ul>
 */
public final class AlterUserScramCredentialsHandler implements Handler<AlterUserScramCredentialsRequest> {
    /** Kafka's upper bound (ScramControlManager.MAX_ITERATIONS); the lower one is the mechanism's. */
    static final int MAX_ITERATIONS = 16384;
    private static final ApiError DUPLICATE = new ApiError(Errors.DUPLICATE_RESOURCE, "A user credential cannot be altered twice in the same request");

    private final ScramCredentialStore store;
    private final Authorization authorization;

    public AlterUserScramCredentialsHandler(ScramCredentialStore store, Authorization authorization) {
        this.store = store;
        this.authorization = authorization;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.ALTER_USER_SCRAM_CREDENTIALS;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(KafkaRequest request, AlterUserScramCredentialsRequest body) {
        if (!authorization.allowedOnCluster(request, AclOperation.ALTER)) {
            throw new ClusterAuthorizationException("Cluster authorization failed.");
        }
        Map<String, Change> deletions = new LinkedHashMap<>();
        Map<String, Change> upsertions = new LinkedHashMap<>();
        Map<String, ApiError> errors = new LinkedHashMap<>();
        for (ScramCredentialDeletion d : body.data().deletions()) {
            if (errors.containsKey(d.name())) {
                continue;
            }
            if (deletions.remove(d.name()) != null) {
                errors.put(d.name(), DUPLICATE);
                continue;
            }
            ScramMechanism mechanism = ScramMechanisms.fromType(d.mechanism());
            ApiError error = validateName(d.name(), mechanism);
            if (error.isSuccess() && store.credential(d.name(), mechanism) == null) {
                error = new ApiError(Errors.RESOURCE_NOT_FOUND, "Attempt to delete a user credential that does not exist");
            }
            if (error.isFailure()) {
                errors.put(d.name(), error);
            } else {
                deletions.put(d.name(), Change.delete(d.name(), mechanism));
            }
        }
        for (ScramCredentialUpsertion u : body.data().upsertions()) {
            if (errors.containsKey(u.name())) {
                continue;
            }
            if (deletions.remove(u.name()) != null || upsertions.remove(u.name()) != null) {
                errors.put(u.name(), DUPLICATE);
                continue;
            }
            ScramMechanism mechanism = ScramMechanisms.fromType(u.mechanism());
            ApiError error = validateName(u.name(), mechanism);
            if (error.isSuccess() && u.iterations() < mechanism.minIterations()) {
                error = new ApiError(Errors.UNACCEPTABLE_CREDENTIAL, "Too few iterations");
            } else if (error.isSuccess() && u.iterations() > MAX_ITERATIONS) {
                error = new ApiError(Errors.UNACCEPTABLE_CREDENTIAL, "Too many iterations");
            }
            if (error.isFailure()) {
                errors.put(u.name(), error);
                continue;
            }
            try {
                ScramCredential credential = ScramCredentialStore.fromSaltedPassword(mechanism, u.salt(), u.saltedPassword(), u.iterations());
                upsertions.put(u.name(), new Change(u.name(), mechanism, credential));
            } catch (Exception e) { // e.g. an empty salted password is no HMAC key
                errors.put(u.name(), ApiError.fromThrowable(e));
            }
        }
        List<Change> changes = new ArrayList<>(deletions.values());
        changes.addAll(upsertions.values());
        AlterUserScramCredentialsResponseData response = new AlterUserScramCredentialsResponseData();
        changes.forEach(c -> response.results().add(new AlterUserScramCredentialsResult().setUser(c.user()).setErrorCode(Errors.NONE.code())));
        errors.forEach((user, error) -> response.results().add(new AlterUserScramCredentialsResult().setUser(user)
                .setErrorCode(error.error().code()).setErrorMessage(error.message())));
        return store.alter(changes).thenApply(v -> new AlterUserScramCredentialsResponse(response));
    }

    private static ApiError validateName(String user, ScramMechanism mechanism) {
        if (user.isEmpty()) {
            return new ApiError(Errors.UNACCEPTABLE_CREDENTIAL, "Username must not be empty");
        }
        if (mechanism == null) {
            return new ApiError(Errors.UNSUPPORTED_SASL_MECHANISM, "Unknown SCRAM mechanism");
        }
        return ApiError.NONE;
    }
}
