package io.kafkalite.handlers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkalite.wire.KafkaRequest;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.junit.jupiter.api.Test;

/** The handlers' view of the authorizer: bit fields, one call per filter, and nothing at all without an authorizer. */
class AuthorizationTest {
    final FakeAuthorizer authorizer = new FakeAuthorizer();
    final Authorization authorization = new Authorization(authorizer);
    final KafkaRequest alice = HandlerCalls.context(HandlerCalls.request(ApiKeys.METADATA, new MetadataRequestData(), (short) 12),
            new KafkaPrincipal(KafkaPrincipal.USER_TYPE, "alice"));

    @Test
    void withoutAnAuthorizerEverythingIsAllowedAndEveryOperationIsAnswered() {
        Authorization none = Authorization.NONE;
        assertTrue(none.allowed(alice, AclOperation.DELETE, ResourceType.TOPIC, "t"));
        assertTrue(none.allowedOnAnyOf(alice, AclOperation.WRITE, ResourceType.TOPIC));
        assertSame(Collections.emptySet(), none.deniedNames(alice, AclOperation.READ, ResourceType.TOPIC, List.of("a", "b")));
        assertEquals(AuthorizedOperations.TOPIC, none.operations(alice, ResourceType.TOPIC, "t"));
        assertEquals(AuthorizedOperations.CLUSTER, none.clusterOperations(alice));
        assertEquals(Errors.NONE, none.configAccess(alice, AclOperation.ALTER_CONFIGS, ConfigResource.Type.BROKER.id(), "1"));
    }

    @Test
    void groupOperationsAreKafkas() {
        // Kafka 4.4 defines five operations on groups, the config ones included (dynamic group configs)
        assertEquals(Set.of(AclOperation.READ, AclOperation.DESCRIBE, AclOperation.DELETE, AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS),
                MetadataAuthorizationTest.ops(AuthorizedOperations.GROUP));
    }

    @Test
    void deniedAsksOnceWithOneActionPerNameAndSkipsNulls() {
        authorizer.allow("User:alice", AclOperation.READ, ResourceType.TOPIC, "a");
        Set<String> denied = authorization.denied(alice, AclOperation.READ, ResourceType.TOPIC, Arrays.asList("a", "b", null, "a"),
                Function.identity());
        assertEquals(Set.of("b"), denied);
        assertFalse(denied.contains(null));
        assertEquals(1, authorizer.calls.size());
        assertEquals(2, authorizer.calls.get(0).size());
        assertEquals(2, authorizer.calls.get(0).get(0).resourceReferenceCount(), "a is named twice");
    }

    @Test
    void operationsAreAskedInOneCallWithoutAuditLogging() {
        authorizer.allow("User:alice", AclOperation.READ, ResourceType.TOPIC, "t").allow("User:alice", AclOperation.ALTER, ResourceType.TOPIC, "t");
        int bits = authorization.operations(alice, ResourceType.TOPIC, "t");
        assertEquals(Set.of(AclOperation.READ, AclOperation.ALTER), MetadataAuthorizationTest.ops(bits));
        assertEquals(1, authorizer.calls.size());
        assertEquals(8, authorizer.calls.get(0).size(), "every topic operation Kafka defines");
        assertFalse(authorizer.calls.get(0).get(0).logIfAllowed());
        assertFalse(authorizer.calls.get(0).get(0).logIfDenied());
    }

    @Test
    void configResourcesAreCheckedWhereKafkaChecksThem() {
        authorizer.allow("User:alice", AclOperation.DESCRIBE_CONFIGS, ResourceType.GROUP, "g");
        assertEquals(Errors.CLUSTER_AUTHORIZATION_FAILED, authorization.configAccess(alice, AclOperation.DESCRIBE_CONFIGS,
                ConfigResource.Type.BROKER_LOGGER.id(), "1"));
        assertEquals(Errors.TOPIC_AUTHORIZATION_FAILED, authorization.configAccess(alice, AclOperation.DESCRIBE_CONFIGS,
                ConfigResource.Type.TOPIC.id(), "t"));
        assertEquals(Errors.NONE, authorization.configAccess(alice, AclOperation.DESCRIBE_CONFIGS, ConfigResource.Type.GROUP.id(), "g"));
        assertEquals(Errors.GROUP_AUTHORIZATION_FAILED, authorization.configAccess(alice, AclOperation.ALTER_CONFIGS,
                ConfigResource.Type.GROUP.id(), "g"));
    }
}
