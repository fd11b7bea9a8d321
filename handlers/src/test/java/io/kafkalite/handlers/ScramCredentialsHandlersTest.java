package io.kafkalite.handlers;

import static io.kafkalite.handlers.SaslFixture.newConnection;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkalite.acl.SaslClients;
import io.kafkalite.wire.Connection;
import java.lang.reflect.Proxy;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.common.message.AlterUserScramCredentialsRequestData;
import org.apache.kafka.common.message.AlterUserScramCredentialsRequestData.ScramCredentialDeletion;
import org.apache.kafka.common.message.AlterUserScramCredentialsRequestData.ScramCredentialUpsertion;
import org.apache.kafka.common.message.DescribeUserScramCredentialsRequestData;
import org.apache.kafka.common.message.DescribeUserScramCredentialsRequestData.UserName;
import org.apache.kafka.common.message.DescribeUserScramCredentialsResponseData.CredentialInfo;
import org.apache.kafka.common.message.DescribeUserScramCredentialsResponseData.DescribeUserScramCredentialsResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.protocol.MessageUtil;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.AlterUserScramCredentialsRequest;
import org.apache.kafka.common.requests.AlterUserScramCredentialsResponse;
import org.apache.kafka.common.requests.DescribeUserScramCredentialsRequest;
import org.apache.kafka.common.requests.DescribeUserScramCredentialsResponse;
import org.apache.kafka.common.security.scram.internals.ScramFormatter;
import org.apache.kafka.common.security.scram.internals.ScramMechanism;
import org.apache.kafka.server.authorizer.AuthorizationResult;
import org.apache.kafka.server.authorizer.Authorizer;
import org.junit.jupiter.api.Test;

class ScramCredentialsHandlersTest {
    private final SaslFixture sasl = new SaslFixture(Map.of());
    private final AlterUserScramCredentialsHandler alter = new AlterUserScramCredentialsHandler(sasl.scram, Authorization.NONE);
    private final DescribeUserScramCredentialsHandler describe = new DescribeUserScramCredentialsHandler(sasl.scram, Authorization.NONE);

    /** What the admin client sends for {@code SCRAM-SHA-x=[iterations=n,password=p]}: a random salt and the salted password. */
    private static ScramCredentialUpsertion upsertion(String user, ScramMechanism mechanism, String password, int iterations) throws Exception {
        ScramFormatter formatter = new ScramFormatter(mechanism);
        byte[] salt = formatter.secureRandomBytes();
        return new ScramCredentialUpsertion().setName(user).setMechanism(mechanism.type()).setIterations(iterations).setSalt(salt)
                .setSaltedPassword(formatter.saltedPassword(password, salt, Math.max(1, iterations)));
    }

    private static ScramCredentialDeletion deletion(String user, ScramMechanism mechanism) {
        return new ScramCredentialDeletion().setName(user).setMechanism(mechanism.type());
    }

    private Map<String, Errors> alter(List<ScramCredentialUpsertion> upsertions, List<ScramCredentialDeletion> deletions) throws Exception {
        return alter(alter, upsertions, deletions);
    }

    private static Map<String, Errors> alter(AlterUserScramCredentialsHandler handler, List<ScramCredentialUpsertion> upsertions,
                                             List<ScramCredentialDeletion> deletions) throws Exception {
        AlterUserScramCredentialsRequest request = HandlerCalls.request(ApiKeys.ALTER_USER_SCRAM_CREDENTIALS,
                new AlterUserScramCredentialsRequestData().setUpsertions(upsertions).setDeletions(deletions), (short) 0);
        AlterUserScramCredentialsResponse response = throughRegistry(handler, request);
        return response.data().results().stream().collect(Collectors.toMap(r -> r.user(), r -> Errors.forCode(r.errorCode())));
    }

    /** The answer as the registry gives it, so a refusal the handler throws becomes Kafka's error response. */
    @SuppressWarnings("unchecked")
    private static <R extends AbstractResponse> R throughRegistry(Handler<?> handler, AbstractRequest request) throws Exception {
        AbstractResponse response = new HandlerRegistry(Runnable::run).register(handler).dispatch(HandlerCalls.context(request))
                .get(10, TimeUnit.SECONDS);
        return (R) AbstractResponse.parseResponse(request.apiKey(), MessageUtil.toByteBufferAccessor(response.data(), request.version()),
                request.version());
    }

    private DescribeUserScramCredentialsResponse describe(List<String> users) throws Exception {
        DescribeUserScramCredentialsRequest request = HandlerCalls.request(ApiKeys.DESCRIBE_USER_SCRAM_CREDENTIALS,
                new DescribeUserScramCredentialsRequestData().setUsers(users == null ? null
                        : users.stream().map(u -> new UserName().setName(u)).collect(Collectors.toList())), (short) 0);
        return HandlerCalls.answer(describe, request);
    }

    private Errors scramLogin(ScramMechanism mechanism, String user, String password) throws Exception {
        Connection connection = newConnection();
        return sasl.login(connection, SaslClients.scram(mechanism, user, password)).error();
    }

    @Test
    void upsertDescribeAuthenticateDeleteAndNoLongerAuthenticate() throws Exception {
        // given
        assertEquals(Map.of("alice", Errors.NONE, "bob", Errors.NONE), alter(List.of(
                upsertion("alice", ScramMechanism.SCRAM_SHA_256, "alice-pw", 4096),
                upsertion("bob", ScramMechanism.SCRAM_SHA_512, "bob-pw", 8192)), List.of()));
        assertEquals(Map.of("alice", Errors.NONE), alter(List.of(upsertion("alice", ScramMechanism.SCRAM_SHA_512, "alice-pw", 16384)), List.of()));
        // then: described without secrets, and usable
        DescribeUserScramCredentialsResponse all = describe(null);
        assertEquals(Errors.NONE, Errors.forCode(all.data().errorCode()));
        assertEquals(List.of("alice", "bob"), all.data().results().stream().map(DescribeUserScramCredentialsResult::user).toList());
        assertEquals(List.of(new CredentialInfo().setMechanism((byte) 1).setIterations(4096), new CredentialInfo().setMechanism((byte) 2)
                .setIterations(16384)), all.data().results().get(0).credentialInfos());
        assertEquals(Errors.NONE, scramLogin(ScramMechanism.SCRAM_SHA_256, "alice", "alice-pw"));
        assertEquals(Errors.NONE, scramLogin(ScramMechanism.SCRAM_SHA_512, "alice", "alice-pw"));
        assertEquals(Errors.SASL_AUTHENTICATION_FAILED, scramLogin(ScramMechanism.SCRAM_SHA_256, "bob", "bob-pw"));
        // when
        assertEquals(Map.of("alice", Errors.NONE), alter(List.of(), List.of(deletion("alice", ScramMechanism.SCRAM_SHA_256))));
        // then
        assertEquals(Errors.SASL_AUTHENTICATION_FAILED, scramLogin(ScramMechanism.SCRAM_SHA_256, "alice", "alice-pw"));
        assertEquals(Errors.NONE, scramLogin(ScramMechanism.SCRAM_SHA_512, "alice", "alice-pw"));
        assertEquals(Map.of("alice", Errors.NONE), alter(List.of(), List.of(deletion("alice", ScramMechanism.SCRAM_SHA_512))));
        DescribeUserScramCredentialsResult gone = describe(List.of("alice")).data().results().get(0);
        assertEquals(Errors.RESOURCE_NOT_FOUND, Errors.forCode(gone.errorCode()));
        assertEquals("Attempt to describe a user credential that does not exist: alice", gone.errorMessage());
    }

    @Test
    void alterAnswersKafkasErrorsPerUser() throws Exception {
        alter(List.of(upsertion("carol", ScramMechanism.SCRAM_SHA_256, "pw", 4096)), List.of());
        Map<String, Errors> results = alter(List.of(
                upsertion("few", ScramMechanism.SCRAM_SHA_256, "pw", 4095),
                upsertion("many", ScramMechanism.SCRAM_SHA_512, "pw", 16385),
                upsertion("", ScramMechanism.SCRAM_SHA_256, "pw", 4096),
                upsertion("unknown-mechanism", ScramMechanism.SCRAM_SHA_256, "pw", 4096).setMechanism((byte) 0),
                upsertion("twice", ScramMechanism.SCRAM_SHA_256, "pw", 4096),
                upsertion("twice", ScramMechanism.SCRAM_SHA_512, "pw", 4096),
                upsertion("carol", ScramMechanism.SCRAM_SHA_512, "pw", 4096),
                upsertion("ok", ScramMechanism.SCRAM_SHA_512, "pw", 4096)),
                List.of(deletion("carol", ScramMechanism.SCRAM_SHA_256), deletion("nobody", ScramMechanism.SCRAM_SHA_256)));
        assertEquals(Map.of("few", Errors.UNACCEPTABLE_CREDENTIAL, "many", Errors.UNACCEPTABLE_CREDENTIAL, "", Errors.UNACCEPTABLE_CREDENTIAL,
                "unknown-mechanism", Errors.UNSUPPORTED_SASL_MECHANISM, "twice", Errors.DUPLICATE_RESOURCE, "carol", Errors.DUPLICATE_RESOURCE,
                "nobody", Errors.RESOURCE_NOT_FOUND, "ok", Errors.NONE), results);
        // only the valid change was applied: carol keeps her credential
        assertEquals(List.of("carol", "ok"), sasl.scram.users());
        assertEquals(4096, sasl.scram.credential("carol", ScramMechanism.SCRAM_SHA_256).iterations());
    }

    @Test
    void describeNamesDuplicatesAndMissingUsers() throws Exception {
        alter(List.of(upsertion("dave", ScramMechanism.SCRAM_SHA_256, "pw", 4096)), List.of());
        List<DescribeUserScramCredentialsResult> results = describe(List.of("dave", "erin", "dave")).data().results();
        assertEquals(2, results.size());
        assertEquals(Errors.DUPLICATE_RESOURCE, Errors.forCode(results.get(0).errorCode()));
        assertEquals("Cannot describe SCRAM credentials for the same user twice in a single request: dave", results.get(0).errorMessage());
        assertEquals(Errors.RESOURCE_NOT_FOUND, Errors.forCode(results.get(1).errorCode()));
        assertEquals(List.of("dave"), describe(List.of()).data().results().stream().map(DescribeUserScramCredentialsResult::user).toList());
    }

    @Test
    void withoutClusterAlterOrDescribeTheRequestIsRefused() throws Exception {
        Authorizer denyAll = (Authorizer) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Authorizer.class},
                (proxy, method, args) -> method.getName().equals("authorize")
                        ? Collections.nCopies(((List<?>) args[1]).size(), AuthorizationResult.DENIED) : null);
        Authorization denied = new Authorization(denyAll);
        Map<String, Errors> results = alter(new AlterUserScramCredentialsHandler(sasl.scram, denied),
                List.of(upsertion("frank", ScramMechanism.SCRAM_SHA_256, "pw", 4096)), List.of(deletion("gina", ScramMechanism.SCRAM_SHA_256)));
        assertEquals(Map.of("frank", Errors.CLUSTER_AUTHORIZATION_FAILED, "gina", Errors.CLUSTER_AUTHORIZATION_FAILED), results);
        assertTrue(sasl.scram.users().isEmpty());

        DescribeUserScramCredentialsRequest request = HandlerCalls.request(ApiKeys.DESCRIBE_USER_SCRAM_CREDENTIALS,
                new DescribeUserScramCredentialsRequestData(), (short) 0);
        DescribeUserScramCredentialsResponse response = throughRegistry(new DescribeUserScramCredentialsHandler(sasl.scram, denied), request);
        assertEquals(Errors.CLUSTER_AUTHORIZATION_FAILED, Errors.forCode(response.data().errorCode()));
    }
}
