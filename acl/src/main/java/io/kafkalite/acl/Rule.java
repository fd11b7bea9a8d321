package io.kafkalite.acl;

import org.apache.kafka.server.authorizer.AuthorizationResult;

/** Why a decision was made: the matching ACL, a super user, or a default. Its text ends the audit log line. */
interface Rule {
    Rule SUPER_USER = new Named(AuthorizationResult.ALLOWED, "SuperUser");
    /** No ACL on the resource at all and {@code allow.everyone.if.no.acl.found=true}. */
    Rule DEFAULT_ALLOW = new Named(AuthorizationResult.ALLOWED, "DefaultAllow");
    /** No ACL matched the principal, host and operation (or none exists and allow-everyone is off). */
    Rule DEFAULT_DENY = new Named(AuthorizationResult.DENIED, "DefaultDeny");

    AuthorizationResult result();

    record Named(AuthorizationResult result, String name) implements Rule {
        @Override
        public String toString() {
            return name;
        }
    }
}
