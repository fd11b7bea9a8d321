package io.kafkalite.acl;

import static io.kafkalite.acl.TestContexts.allow;
import static io.kafkalite.acl.TestContexts.deny;
import static org.apache.kafka.common.acl.AclOperation.READ;
import static org.apache.kafka.common.acl.AclOperation.WRITE;
import static org.apache.kafka.common.resource.PatternType.LITERAL;
import static org.apache.kafka.common.resource.PatternType.PREFIXED;
import static org.apache.kafka.common.resource.ResourceType.GROUP;
import static org.apache.kafka.common.resource.ResourceType.TOPIC;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkalite.logstore.DurableMap;
import io.kafkalite.logstore.LogStore;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;
import org.apache.kafka.common.Endpoint;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AccessControlEntryFilter;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.UnknownServerException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourcePatternFilter;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.server.authorizer.AclCreateResult;
import org.apache.kafka.server.authorizer.AclDeleteResult;
import org.apache.kafka.server.authorizer.Action;
import org.apache.kafka.server.authorizer.AuthorizableRequestContext;
import org.apache.kafka.server.authorizer.AuthorizationResult;
import org.apache.kafka.server.authorizer.Authorizer;
import org.apache.kafka.server.authorizer.AuthorizerServerInfo;
import org.junit.jupiter.api.Test;

/** Creating, listing and deleting ACLs, start-up and {@link AclAuthorizer#forClassName}. */
class AclAdminTest {
    private final DurableMap table = LogStore.inMemory(Map.of()).durableMap("acls");
    private final AclAuthorizer authorizer = new AclAuthorizer(table);

    private static String error(CompletionStage<AclCreateResult> result) {
        return result.toCompletableFuture().join().exception().map(e -> e.getClass().getSimpleName() + ": " + e.getMessage()).orElse("none");
    }

    @Test
    void createValidatesEachBindingAsKafka() {
        // given
        AclBinding good = allow(TOPIC, "t", LITERAL, "User:bob", READ);
        List<AclBinding> bindings = List.of(good,
                allow(TOPIC, "", LITERAL, "User:bob", READ),
                allow(TOPIC, "t", LITERAL, "bob", READ),
                allow(ResourceType.UNKNOWN, "t", LITERAL, "User:bob", READ),
                allow(TOPIC, "t", PatternType.UNKNOWN, "User:bob", READ),
                allow(TOPIC, "t", LITERAL, "User:bob", AclOperation.UNKNOWN),
                TestContexts.acl(TOPIC, "t", LITERAL, "User:bob", "*", READ, AclPermissionType.UNKNOWN));

        // when
        List<? extends CompletionStage<AclCreateResult>> results = authorizer.createAcls(null, bindings);

        // then
        assertEquals(List.of("none",
                "InvalidRequestException: Resource name should not be empty",
                "InvalidRequestException: Invalid principal: expected a string in format principalType:principalName but got bob",
                "InvalidRequestException: Invalid resourceType UNKNOWN",
                "InvalidRequestException: Invalid patternType UNKNOWN",
                "InvalidRequestException: Invalid operation UNKNOWN",
                "InvalidRequestException: Invalid permissionType UNKNOWN"),
                results.stream().map(AclAdminTest::error).toList());
        assertEquals(List.of(good), authorizer.acls(AclBindingFilter.ANY));
    }

    @Test
    void creatingAnExistingAclSucceedsAndKeepsOne() {
        AclBinding b = allow(TOPIC, "t", LITERAL, "User:bob", READ);
        assertEquals("none", error(authorizer.createAcls(null, List.of(b)).get(0)));
        assertEquals(List.of("none", "none"), authorizer.createAcls(null, List.of(b, b)).stream().map(AclAdminTest::error).toList());
        assertEquals(1, authorizer.aclCount());
    }

    @Test
    void deleteReturnsWhatEachFilterMatched() {
        // given
        AclBinding readT = allow(TOPIC, "t", LITERAL, "User:bob", READ);
        AclBinding writeT = allow(TOPIC, "t", LITERAL, "User:bob", WRITE);
        AclBinding prefixed = deny(TOPIC, "t", PREFIXED, "User:bob", READ);
        AclBinding group = allow(GROUP, "g", LITERAL, "User:alice", READ);
        authorizer.createAcls(null, List.of(readT, writeT, prefixed, group)).forEach(f -> f.toCompletableFuture().join());
        AclBindingFilter bobsOnLiteralT = new AclBindingFilter(new ResourcePatternFilter(TOPIC, "t", LITERAL),
                new AccessControlEntryFilter("User:bob", null, AclOperation.ANY, AclPermissionType.ANY));
        AclBindingFilter allReads = new AclBindingFilter(ResourcePatternFilter.ANY,
                new AccessControlEntryFilter(null, null, READ, AclPermissionType.ANY));
        AclBindingFilter unknown = new AclBindingFilter(new ResourcePatternFilter(ResourceType.UNKNOWN, null, PatternType.ANY),
                AccessControlEntryFilter.ANY);

        // when
        List<AclDeleteResult> results = authorizer.deleteAcls(null, List.of(bobsOnLiteralT, allReads, unknown)).stream()
                .map(f -> f.toCompletableFuture().join()).toList();

        // then
        assertEquals(List.of(readT, writeT), deleted(results.get(0)));
        assertEquals(List.of(readT, prefixed, group), deleted(results.get(1)));
        assertInstanceOf(InvalidRequestException.class, results.get(2).exception().orElseThrow());
        assertEquals("Unknown patternFilter.", results.get(2).exception().orElseThrow().getMessage());
        assertEquals(List.of(), authorizer.acls(AclBindingFilter.ANY));
    }

    private static List<AclBinding> deleted(AclDeleteResult result) {
        assertTrue(result.exception().isEmpty());
        return result.aclBindingDeleteResults().stream().map(AclDeleteResult.AclBindingDeleteResult::aclBinding).toList();
    }

    @Test
    void listingFiltersIncludingMatch() {
        // given
        AclBinding literal = allow(TOPIC, "orders-eu", LITERAL, "User:bob", READ);
        AclBinding prefixed = allow(TOPIC, "orders-", PREFIXED, "User:bob", READ);
        AclBinding wildcard = allow(TOPIC, "*", LITERAL, "User:bob", READ);
        AclBinding other = allow(TOPIC, "payments", LITERAL, "User:bob", READ);
        authorizer.createAcls(null, List.of(literal, prefixed, wildcard, other)).forEach(f -> f.toCompletableFuture().join());

        // then
        assertEquals(List.of(literal, prefixed, wildcard),
                authorizer.acls(new AclBindingFilter(new ResourcePatternFilter(TOPIC, "orders-eu", PatternType.MATCH), AccessControlEntryFilter.ANY)));
        assertEquals(List.of(prefixed),
                authorizer.acls(new AclBindingFilter(new ResourcePatternFilter(TOPIC, null, PREFIXED), AccessControlEntryFilter.ANY)));
        assertEquals(4, authorizer.aclCount());
    }

    @Test
    void aFailedWriteFailsTheCreateAndChangesNothing() {
        // given
        DurableMap failing = new DurableMap() {
            @Override
            public CompletableFuture<Void> write(List<Map.Entry<byte[], byte[]>> changes) {
                return CompletableFuture.failedFuture(new java.io.IOException("disk full"));
            }

            @Override
            public void forEach(BiConsumer<byte[], byte[]> action) { }
        };
        AclAuthorizer broken = new AclAuthorizer(failing);

        // when
        AclCreateResult result = broken.createAcls(null, List.of(allow(TOPIC, "t", LITERAL, "User:bob", READ))).get(0).join();

        // then
        assertInstanceOf(UnknownServerException.class, result.exception().orElseThrow());
        assertEquals(0, broken.aclCount());
        // and later changes still run
        assertEquals(0, broken.deleteAcls(null, List.of(AclBindingFilter.ANY)).get(0).join().aclBindingDeleteResults().size());
    }

    @Test
    void everyEndpointMayStartAtOnce() {
        Endpoint plain = new Endpoint("PLAINTEXT", SecurityProtocol.PLAINTEXT, "localhost", 9092);
        Endpoint sasl = new Endpoint("SASL", SecurityProtocol.SASL_PLAINTEXT, "localhost", 9093);
        AuthorizerServerInfo info = new AuthorizerServerInfo() {
            public org.apache.kafka.common.ClusterResource clusterResource() {
                return new org.apache.kafka.common.ClusterResource("c");
            }

            public int brokerId() {
                return 1;
            }

            public java.util.Collection<Endpoint> endpoints() {
                return List.of(plain, sasl);
            }

            public Endpoint interBrokerEndpoint() {
                return plain;
            }

            public java.util.Collection<String> earlyStartListeners() {
                return List.of();
            }
        };
        Map<Endpoint, ? extends CompletionStage<Void>> started = authorizer.start(info);
        assertEquals(2, started.size());
        started.values().forEach(f -> assertTrue(f.toCompletableFuture().isDone() && !f.toCompletableFuture().isCompletedExceptionally()));
    }

    @Test
    void forClassNameSelectsOursForKafkasAuthorizers() {
        assertNull(AclAuthorizer.forClassName(null, table, Map.of()));
        assertNull(AclAuthorizer.forClassName(" ", table, Map.of()));
        for (String name : List.of("org.apache.kafka.metadata.authorizer.StandardAuthorizer", "kafka.security.authorizer.AclAuthorizer")) {
            Authorizer a = AclAuthorizer.forClassName(name, table, Map.of(AclAuthorizer.SUPER_USERS_CONFIG, "User:admin"));
            assertInstanceOf(AclAuthorizer.class, a);
            assertEquals(AuthorizationResult.ALLOWED, a.authorize(TestContexts.context("User:admin", "127.0.0.1"),
                    List.of(TestContexts.action(AclOperation.ALTER, ResourceType.CLUSTER, "kafka-cluster"))).get(0));
        }
    }

    @Test
    void forClassNameLoadsAndConfiguresAUsersAuthorizer() {
        Authorizer a = AclAuthorizer.forClassName(OwnAuthorizer.class.getName(), table, Map.of("own.setting", "x"));
        assertInstanceOf(OwnAuthorizer.class, a);
        assertEquals(Map.of("own.setting", "x"), ((OwnAuthorizer) a).configs);
        assertThrows(ConfigException.class, () -> AclAuthorizer.forClassName("com.example.Missing", table, Map.of()));
        assertThrows(ConfigException.class, () -> AclAuthorizer.forClassName("java.lang.String", table, Map.of()));
    }

    /** A user's own authorizer. */
    public static final class OwnAuthorizer implements Authorizer {
        Map<String, ?> configs;

        @Override
        public void configure(Map<String, ?> configs) {
            this.configs = configs;
        }

        @Override
        public Map<Endpoint, ? extends CompletionStage<Void>> start(AuthorizerServerInfo serverInfo) {
            return Map.of();
        }

        @Override
        public List<AuthorizationResult> authorize(AuthorizableRequestContext context, List<Action> actions) {
            return actions.stream().map(a -> AuthorizationResult.ALLOWED).toList();
        }

        @Override
        public List<? extends CompletionStage<AclCreateResult>> createAcls(AuthorizableRequestContext context, List<AclBinding> bindings) {
            return List.of();
        }

        @Override
        public List<? extends CompletionStage<AclDeleteResult>> deleteAcls(AuthorizableRequestContext context, List<AclBindingFilter> filters) {
            return List.of();
        }

        @Override
        public Iterable<AclBinding> acls(AclBindingFilter filter) {
            return List.of();
        }

        @Override
        public void close() { }
    }
}
