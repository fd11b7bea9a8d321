package io.kafkalite.acl;

import static io.kafkalite.acl.TestContexts.acl;
import static io.kafkalite.acl.TestContexts.action;
import static io.kafkalite.acl.TestContexts.allow;
import static io.kafkalite.acl.TestContexts.context;
import static io.kafkalite.acl.TestContexts.deny;
import static org.apache.kafka.common.acl.AclOperation.ALL;
import static org.apache.kafka.common.acl.AclOperation.ALTER;
import static org.apache.kafka.common.acl.AclOperation.ALTER_CONFIGS;
import static org.apache.kafka.common.acl.AclOperation.CREATE;
import static org.apache.kafka.common.acl.AclOperation.DELETE;
import static org.apache.kafka.common.acl.AclOperation.DESCRIBE;
import static org.apache.kafka.common.acl.AclOperation.DESCRIBE_CONFIGS;
import static org.apache.kafka.common.acl.AclOperation.READ;
import static org.apache.kafka.common.acl.AclOperation.WRITE;
import static org.apache.kafka.common.resource.PatternType.LITERAL;
import static org.apache.kafka.common.resource.PatternType.PREFIXED;
import static org.apache.kafka.common.resource.ResourceType.CLUSTER;
import static org.apache.kafka.common.resource.ResourceType.DELEGATION_TOKEN;
import static org.apache.kafka.common.resource.ResourceType.GROUP;
import static org.apache.kafka.common.resource.ResourceType.TOPIC;
import static org.apache.kafka.common.resource.ResourceType.TRANSACTIONAL_ID;
import static org.apache.kafka.common.resource.ResourceType.USER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkalite.logstore.DurableMap;
import io.kafkalite.logstore.LogStore;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.server.authorizer.Action;
import org.apache.kafka.server.authorizer.AuthorizationResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The decisions of {@link AclAuthorizer}, against Kafka's StandardAuthorizer rules. */
class AclAuthorizerTest {
    private final DurableMap table = LogStore.inMemory(Map.of()).durableMap("acls");
    private final AclAuthorizer authorizer = new AclAuthorizer(table);

    private boolean allowed(String principal, String host, AclOperation op, ResourceType type, String name) {
        return authorizer.authorize(context(principal, host), List.of(action(op, type, name))).get(0) == AuthorizationResult.ALLOWED;
    }

    private boolean allowed(String principal, AclOperation op, ResourceType type, String name) {
        return allowed(principal, "10.0.0.1", op, type, name);
    }

    private void create(AclBinding... bindings) {
        authorizer.createAcls(null, List.of(bindings)).forEach(f -> assertTrue(f.join().exception().isEmpty(), f.join().toString()));
    }

    @Test
    void prefixedAllowIsOverriddenByLiteralDeny() {
        // given
        create(allow(TOPIC, "orders-", PREFIXED, "User:bob", READ), deny(TOPIC, "orders-eu", LITERAL, "User:bob", READ));

        // then
        assertTrue(allowed("User:bob", READ, TOPIC, "orders-us"));
        assertTrue(allowed("User:bob", READ, TOPIC, "orders-"));
        assertFalse(allowed("User:bob", READ, TOPIC, "orders-eu"));
        assertFalse(allowed("User:bob", WRITE, TOPIC, "orders-us"), "READ does not allow WRITE");
        assertFalse(allowed("User:bob", READ, TOPIC, "orders"), "shorter than the prefix");
        assertFalse(allowed("User:bob", READ, GROUP, "orders-us"), "other resource type");
        assertFalse(allowed("User:alice", READ, TOPIC, "orders-us"), "other principal");
    }

    @Test
    void prefixedDenyOverridesLiteralAllowAndNestedPrefixes() {
        // given
        create(allow(TOPIC, "a", PREFIXED, "User:bob", WRITE), deny(TOPIC, "ab", PREFIXED, "User:bob", WRITE),
                allow(TOPIC, "abc", LITERAL, "User:bob", WRITE));

        // then
        assertTrue(allowed("User:bob", WRITE, TOPIC, "ax"));
        assertTrue(allowed("User:bob", WRITE, TOPIC, "a"));
        assertFalse(allowed("User:bob", WRITE, TOPIC, "abc"));
        assertFalse(allowed("User:bob", WRITE, TOPIC, "abd"));
        assertFalse(allowed("User:bob", WRITE, TOPIC, "b"));
    }

    @Test
    void wildcardResourceAndPrincipal() {
        // given
        create(allow(TOPIC, "*", LITERAL, "User:*", READ), deny(TOPIC, "secret", LITERAL, "User:*", READ),
                allow(GROUP, "*", LITERAL, "User:carol", READ));

        // then
        assertTrue(allowed("User:anyone", READ, TOPIC, "t1"));
        assertTrue(allowed("User:bob", READ, TOPIC, "*"));
        assertFalse(allowed("User:bob", READ, TOPIC, "secret"));
        assertTrue(allowed("User:carol", READ, GROUP, "g"));
        assertFalse(allowed("User:bob", READ, GROUP, "g"));
        assertFalse(allowed("Group:x", READ, GROUP, "g"));
    }

    @Test
    void userStarIsTheOnlyWildcardPrincipalAndMatchesEveryType() {
        // given
        create(allow(TOPIC, "t", LITERAL, "User:*", READ), allow(TOPIC, "u", LITERAL, "Service:*", READ));

        // then
        assertTrue(allowed("User:bob", READ, TOPIC, "t"));
        assertTrue(allowed("Service:bob", READ, TOPIC, "t"), "Kafka matches User:* whatever the principal type");
        assertFalse(allowed("Service:bob", READ, TOPIC, "u"), "Service:* is a principal named *, not a wildcard");
    }

    @Test
    void hostMustBeStarOrTheClientAddress() {
        // given
        create(acl(TOPIC, "t", LITERAL, "User:bob", "10.0.0.1", READ, AclPermissionType.ALLOW),
                acl(TOPIC, "t", LITERAL, "User:bob", "10.0.0.3", READ, AclPermissionType.DENY),
                allow(TOPIC, "t", LITERAL, "User:bob", WRITE));

        // then
        assertTrue(allowed("User:bob", "10.0.0.1", READ, TOPIC, "t"));
        assertFalse(allowed("User:bob", "10.0.0.2", READ, TOPIC, "t"));
        assertTrue(allowed("User:bob", "10.0.0.3", WRITE, TOPIC, "t"));
        assertFalse(allowed("User:bob", "10.0.0.3", READ, TOPIC, "t"));
    }

    @Test
    void superUsersMayDoAnythingDespiteDenies() {
        // given
        authorizer.configure(Map.of(AclAuthorizer.SUPER_USERS_CONFIG, "User:alice; User:bob"));
        create(deny(TOPIC, "t", LITERAL, "User:*", ALL));

        // then
        assertTrue(allowed("User:alice", WRITE, TOPIC, "t"));
        assertTrue(allowed("User:bob", ALTER, CLUSTER, "kafka-cluster"));
        assertFalse(allowed("User:carol", WRITE, TOPIC, "t"));
        assertFalse(allowed("User:carol", ALTER, CLUSTER, "kafka-cluster"));
    }

    @Test
    void allowsImplyDescribeButDeniesDoNot() {
        // given
        create(allow(TOPIC, "w", LITERAL, "User:bob", WRITE), allow(TOPIC, "r", LITERAL, "User:bob", READ),
                allow(TOPIC, "d", LITERAL, "User:bob", DELETE), allow(GROUP, "g", LITERAL, "User:bob", ALTER),
                allow(TOPIC, "c", LITERAL, "User:bob", ALTER_CONFIGS), allow(TOPIC, "cr", LITERAL, "User:bob", CREATE),
                allow(TOPIC, "x", LITERAL, "User:bob", ALL), deny(TOPIC, "x", LITERAL, "User:bob", READ),
                allow(TOPIC, "y", LITERAL, "User:bob", READ), deny(TOPIC, "y", LITERAL, "User:bob", ALL));

        // then
        assertTrue(allowed("User:bob", DESCRIBE, TOPIC, "w"));
        assertFalse(allowed("User:bob", READ, TOPIC, "w"));
        assertTrue(allowed("User:bob", DESCRIBE, TOPIC, "r"));
        assertTrue(allowed("User:bob", DESCRIBE, TOPIC, "d"));
        assertTrue(allowed("User:bob", DESCRIBE, GROUP, "g"));
        assertTrue(allowed("User:bob", DESCRIBE_CONFIGS, TOPIC, "c"));
        assertFalse(allowed("User:bob", DESCRIBE, TOPIC, "c"), "ALTER_CONFIGS implies DESCRIBE_CONFIGS only");
        assertFalse(allowed("User:bob", DESCRIBE, TOPIC, "cr"), "CREATE does not imply DESCRIBE");
        assertFalse(allowed("User:bob", READ, TOPIC, "x"));
        assertTrue(allowed("User:bob", DESCRIBE, TOPIC, "x"), "a DENY of READ does not deny DESCRIBE");
        assertTrue(allowed("User:bob", WRITE, TOPIC, "x"));
        assertFalse(allowed("User:bob", DESCRIBE, TOPIC, "y"), "a DENY of ALL denies everything");
    }

    @Test
    void everyResourceTypeIsAuthorized() {
        // given
        create(allow(TRANSACTIONAL_ID, "tx-", PREFIXED, "User:bob", WRITE), allow(DELEGATION_TOKEN, "tok", LITERAL, "User:bob", DESCRIBE),
                allow(USER, "alice", LITERAL, "User:bob", AclOperation.CREATE_TOKENS), allow(CLUSTER, "kafka-cluster", LITERAL, "User:bob", AclOperation.IDEMPOTENT_WRITE));

        // then
        assertTrue(allowed("User:bob", WRITE, TRANSACTIONAL_ID, "tx-1"));
        assertTrue(allowed("User:bob", DESCRIBE, DELEGATION_TOKEN, "tok"));
        assertTrue(allowed("User:bob", AclOperation.CREATE_TOKENS, USER, "alice"));
        assertTrue(allowed("User:bob", AclOperation.IDEMPOTENT_WRITE, CLUSTER, "kafka-cluster"));
        assertFalse(allowed("User:bob", AclOperation.CLUSTER_ACTION, CLUSTER, "kafka-cluster"));
    }

    @Test
    void allowEveryoneIfNoAclFoundOnlyWhereTheResourceHasNoAcl() {
        // given
        create(allow(TOPIC, "owned", LITERAL, "User:alice", READ), allow(TOPIC, "pre-", PREFIXED, "User:alice", READ));

        // then: off by default
        assertFalse(allowed("User:bob", READ, TOPIC, "free"));

        // when
        authorizer.configure(Map.of(AclAuthorizer.ALLOW_EVERYONE_IF_NO_ACL_IS_FOUND_CONFIG, "true"));

        // then
        assertTrue(allowed("User:bob", READ, TOPIC, "free"));
        assertTrue(allowed("User:bob", READ, GROUP, "any-group"));
        assertFalse(allowed("User:bob", READ, TOPIC, "owned"), "alice's ACL is an ACL on the resource");
        assertFalse(allowed("User:bob", READ, TOPIC, "pre-x"), "so is a prefixed one");
    }

    @Test
    void aclsSurviveAReload() {
        // given
        AclBinding prefixed = allow(TOPIC, "orders-", PREFIXED, "User:bob", READ);
        AclBinding denied = acl(TOPIC, "orders-eu", LITERAL, "User:bob", "10.0.0.1", READ, AclPermissionType.DENY);
        AclBinding removed = allow(GROUP, "g", LITERAL, "User:bob", READ);
        create(prefixed, denied, removed);
        authorizer.deleteAcls(null, List.of(removed.toFilter())).get(0).join();

        // when
        AclAuthorizer reloaded = new AclAuthorizer(table);

        // then
        assertEquals(List.of(prefixed, denied), reloaded.acls(org.apache.kafka.common.acl.AclBindingFilter.ANY));
        assertEquals(2, reloaded.aclCount());
        assertEquals(AuthorizationResult.DENIED, reloaded.authorize(context("User:bob", "10.0.0.1"),
                List.of(action(READ, TOPIC, "orders-eu"))).get(0));
        assertEquals(AuthorizationResult.ALLOWED, reloaded.authorize(context("User:bob", "10.0.0.2"),
                List.of(action(READ, TOPIC, "orders-eu"))).get(0));
    }

    @Test
    void aclsSurviveABrokerRestartInLmdb(@TempDir Path logDir) throws Exception {
        // given
        AclBinding prefixed = allow(TOPIC, "orders-" + "x".repeat(600), PREFIXED, "User:bob", READ);
        try (LogStore store = LogStore.open(logDir, Map.of())) {
            new AclAuthorizer(store.durableMap("acls")).createAcls(null, List.of(prefixed)).get(0).join();
        }

        // when
        try (LogStore store = LogStore.open(logDir, Map.of())) {
            AclAuthorizer reopened = new AclAuthorizer(store.durableMap("acls"));

            // then
            assertEquals(List.of(prefixed), reopened.acls(org.apache.kafka.common.acl.AclBindingFilter.ANY));
            assertEquals(AuthorizationResult.ALLOWED, reopened.authorize(context("User:bob", "10.0.0.1"),
                    List.of(action(READ, TOPIC, "orders-" + "x".repeat(600) + "-eu"))).get(0));
        }
    }

    @Test
    void changesInvalidateCachedDecisions() {
        // given a cached allow
        AclBinding readT = allow(TOPIC, "t", LITERAL, "User:bob", READ);
        create(readT);
        assertTrue(allowed("User:bob", READ, TOPIC, "t"));
        assertEquals(1, authorizer.cachedDecisions());

        // when
        authorizer.deleteAcls(null, List.of(readT.toFilter())).get(0).join();

        // then
        assertFalse(allowed("User:bob", READ, TOPIC, "t"));

        // and a new DENY overrides a cached allow at once
        create(allow(TOPIC, "u", LITERAL, "User:bob", READ));
        assertTrue(allowed("User:bob", READ, TOPIC, "u"));
        create(deny(TOPIC, "u", PREFIXED, "User:bob", READ));
        assertFalse(allowed("User:bob", READ, TOPIC, "u"));
    }

    @Test
    void theDecisionCacheIsBounded() {
        // given
        AclAuthorizer small = new AclAuthorizer(table, 100);
        small.createAcls(null, List.of(allow(TOPIC, "t-", PREFIXED, "User:bob", READ))).get(0).join();

        // when
        for (int i = 0; i < 1_000; i++) {
            assertEquals(AuthorizationResult.ALLOWED,
                    small.authorize(context("User:bob", "10.0.0.1"), List.of(action(READ, TOPIC, "t-" + i))).get(0));
        }

        // then
        long cached = small.cachedDecisions();
        assertTrue(cached > 0 && cached <= 100, "cached " + cached);
    }

    @Test
    void superUsersAreParsedStrictly() {
        assertThrows(IllegalArgumentException.class, () -> authorizer.configure(Map.of(AclAuthorizer.SUPER_USERS_CONFIG, "alice")));
    }

    @Test
    void onlyLiteralActionsAreAccepted() {
        Action prefixed = new Action(READ, new ResourcePattern(TOPIC, "t", PatternType.PREFIXED), 1, true, true);
        assertThrows(IllegalArgumentException.class, () -> authorizer.authorize(context("User:bob", "10.0.0.1"), List.of(prefixed)));
    }

    @Test
    void authorizesEachActionOfABatch() {
        // given
        create(allow(TOPIC, "a", LITERAL, "User:bob", READ));

        // when
        List<AuthorizationResult> results = authorizer.authorize(context("User:bob", "10.0.0.1"),
                List.of(action(READ, TOPIC, "a"), action(READ, TOPIC, "b"), action(DESCRIBE, TOPIC, "a")));

        // then
        assertEquals(List.of(AuthorizationResult.ALLOWED, AuthorizationResult.DENIED, AuthorizationResult.ALLOWED), results);
    }
}
