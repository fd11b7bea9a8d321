package io.kafkalite.acl;

import java.util.EnumSet;
import java.util.Set;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.utils.internals.SecurityUtils;
import org.apache.kafka.server.authorizer.AuthorizationResult;

/** One stored ACL with its principal parsed, ready to be matched against a request. */
record Acl(AclBinding binding, KafkaPrincipal principal, String host, AclOperation operation, AclPermissionType permission)
        implements Rule {
    /** The principal of an ACL for everyone; only {@code User:*}, as in Kafka. */
    static final KafkaPrincipal WILDCARD_PRINCIPAL = new KafkaPrincipal(KafkaPrincipal.USER_TYPE, "*");
    static final String WILDCARD_HOST = "*";

    /** An ALLOW of any of these also allows DESCRIBE (a DENY of them does not deny it). */
    private static final Set<AclOperation> IMPLIES_DESCRIBE =
            EnumSet.of(AclOperation.DESCRIBE, AclOperation.READ, AclOperation.WRITE, AclOperation.DELETE, AclOperation.ALTER);
    private static final Set<AclOperation> IMPLIES_DESCRIBE_CONFIGS =
            EnumSet.of(AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS);

    /** @throws IllegalArgumentException if the binding's principal is not {@code type:name} */
    static Acl of(AclBinding binding) {
        return new Acl(binding, SecurityUtils.parseKafkaPrincipal(binding.entry().principal()), binding.entry().host(),
                binding.entry().operation(), binding.entry().permissionType());
    }

    /**
     * What this ACL says about the request, its resource name already known to match; null if it does not
     * apply to the principal, host or operation.
     */
    AuthorizationResult decide(KafkaPrincipal requestPrincipal, String requestHost, AclOperation requested) {
        if (!principal.equals(requestPrincipal) && !principal.equals(WILDCARD_PRINCIPAL)) {
            return null;
        }
        if (!host.equals(WILDCARD_HOST) && !host.equals(requestHost)) {
            return null;
        }
        if (operation != AclOperation.ALL && operation != requested) {
            boolean implied = permission == AclPermissionType.ALLOW
                    && (requested == AclOperation.DESCRIBE && IMPLIES_DESCRIBE.contains(operation)
                        || requested == AclOperation.DESCRIBE_CONFIGS && IMPLIES_DESCRIBE_CONFIGS.contains(operation));
            if (!implied) {
                return null;
            }
        }
        return result();
    }

    @Override
    public AuthorizationResult result() {
        return permission == AclPermissionType.ALLOW ? AuthorizationResult.ALLOWED : AuthorizationResult.DENIED;
    }

    @Override
    public String toString() {
        return "MatchingAcl(acl=" + binding + ")";
    }
}
