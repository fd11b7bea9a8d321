package io.kafkalite.acl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.server.authorizer.AuthorizationResult;
import org.junit.jupiter.api.Test;

/** The index's prefix walk against a plain scan of every ACL, and the stored record layout. */
class AclIndexTest {
    private static final KafkaPrincipal BOB = new KafkaPrincipal("User", "bob");

    @Test
    void decisionsMatchAScanOfEveryAcl() {
        Random random = new Random(42);
        for (int round = 0; round < 200; round++) {
            // given random ACLs over names from a small alphabet, so that prefixes share a lot
            List<AclBinding> bindings = new ArrayList<>();
            for (int i = 0; i < 1 + random.nextInt(12); i++) {
                PatternType pattern = random.nextBoolean() ? PatternType.PREFIXED : PatternType.LITERAL;
                String name = random.nextInt(8) == 0 ? "*" : name(random);
                AclPermissionType permission = random.nextInt(3) == 0 ? AclPermissionType.DENY : AclPermissionType.ALLOW;
                String principal = random.nextInt(4) == 0 ? "User:alice" : "User:bob";
                bindings.add(TestContexts.acl(ResourceType.TOPIC, name, pattern, principal, "*", AclOperation.READ, permission));
            }
            AclIndex index = new AclIndex(bindings);

            // then every name gets the scan's answer
            for (int n = 0; n < 30; n++) {
                String name = name(random);
                Rule rule = index.decide(BOB, "10.0.0.1", AclOperation.READ, ResourceType.TOPIC, name, Rule.DEFAULT_ALLOW);
                assertEquals(scan(bindings, name), rule.result(), () -> name + " with " + bindings);
            }
        }
    }

    private static String name(Random random) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 1 + random.nextInt(5); i++) {
            sb.append("abc".charAt(random.nextInt(3)));
        }
        return sb.toString();
    }

    /** The rules, applied to every ACL one by one: DENY wins, then ALLOW, then no ACL on the resource at all allows. */
    private static AuthorizationResult scan(List<AclBinding> bindings, String name) {
        boolean onResource = false;
        boolean allowed = false;
        for (AclBinding b : bindings) {
            String pattern = b.pattern().name();
            boolean matches = b.pattern().patternType() == PatternType.PREFIXED ? name.startsWith(pattern)
                    : pattern.equals(name) || pattern.equals("*");
            if (!matches) {
                continue;
            }
            onResource = true;
            if (b.entry().principal().equals("User:bob")) {
                if (b.entry().permissionType() == AclPermissionType.DENY) {
                    return AuthorizationResult.DENIED;
                }
                allowed = true;
            }
        }
        return allowed || !onResource ? AuthorizationResult.ALLOWED : AuthorizationResult.DENIED;
    }

    @Test
    void recordsRoundTrip() {
        AclBinding binding = TestContexts.acl(ResourceType.TRANSACTIONAL_ID, "tx-" + "é".repeat(300), PatternType.PREFIXED,
                "User:CN=bob,O=example", "192.168.1.7", AclOperation.DESCRIBE, AclPermissionType.DENY);
        byte[] value = AclRecordDescriptor.value(binding);
        assertEquals(binding, AclRecordDescriptor.binding(value));
        assertEquals(AclRecordDescriptor.KEY_BYTES, AclRecordDescriptor.key(value).length);
        assertArrayEquals(AclRecordDescriptor.key(value), AclRecordDescriptor.key(AclRecordDescriptor.value(binding)));
    }

    @Test
    void corruptRecordsAreRefused() {
        byte[] value = AclRecordDescriptor.value(TestContexts.allow(ResourceType.TOPIC, "t", PatternType.LITERAL, "User:bob",
                AclOperation.READ));
        byte[] truncated = java.util.Arrays.copyOf(value, value.length - 1);
        byte[] future = value.clone();
        future[0] = 9;
        assertThrows(IllegalStateException.class, () -> AclRecordDescriptor.binding(truncated));
        assertThrows(IllegalStateException.class, () -> AclRecordDescriptor.binding(future));
    }
}
