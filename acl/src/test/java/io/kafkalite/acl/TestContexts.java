package io.kafkalite.acl;

import java.net.InetAddress;
import java.net.UnknownHostException;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.common.utils.internals.SecurityUtils;
import org.apache.kafka.server.authorizer.Action;
import org.apache.kafka.server.authorizer.AuthorizableRequestContext;

/** Request contexts, actions and bindings for the authorizer tests. */
final class TestContexts {
    private TestContexts() { }

    static AuthorizableRequestContext context(String principal, String host) {
        KafkaPrincipal p = SecurityUtils.parseKafkaPrincipal(principal);
        InetAddress address;
        try {
            address = InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(host, e);
        }
        return new AuthorizableRequestContext() {
            @Override
            public String listenerName() {
                return "PLAINTEXT";
            }

            @Override
            public SecurityProtocol securityProtocol() {
                return SecurityProtocol.PLAINTEXT;
            }

            @Override
            public KafkaPrincipal principal() {
                return p;
            }

            @Override
            public InetAddress clientAddress() {
                return address;
            }

            @Override
            public int requestType() {
                return ApiKeys.FETCH.id;
            }

            @Override
            public int requestVersion() {
                return 17;
            }

            @Override
            public String clientId() {
                return "test";
            }

            @Override
            public int correlationId() {
                return 1;
            }
        };
    }

    static Action action(AclOperation op, ResourceType type, String name) {
        return new Action(op, new ResourcePattern(type, name, PatternType.LITERAL), 1, true, true);
    }

    static AclBinding acl(ResourceType type, String name, PatternType pattern, String principal, String host, AclOperation op,
                          AclPermissionType permission) {
        return new AclBinding(new ResourcePattern(type, name, pattern), new AccessControlEntry(principal, host, op, permission));
    }

    static AclBinding allow(ResourceType type, String name, PatternType pattern, String principal, AclOperation op) {
        return acl(type, name, pattern, principal, "*", op, AclPermissionType.ALLOW);
    }

    static AclBinding deny(ResourceType type, String name, PatternType pattern, String principal, AclOperation op) {
        return acl(type, name, pattern, principal, "*", op, AclPermissionType.DENY);
    }
}
