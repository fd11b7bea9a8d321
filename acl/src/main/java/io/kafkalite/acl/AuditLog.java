package io.kafkalite.acl;

import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.utils.internals.SecurityUtils;
import org.apache.kafka.server.authorizer.Action;
import org.apache.kafka.server.authorizer.AuthorizableRequestContext;
import org.apache.kafka.server.authorizer.AuthorizationResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka's authorizer audit log, on the logger {@code kafka.authorizer.logger} that users' log4j configs
 * already name: a denial that was asked for ({@code logIfDenied}) at INFO, an allow that grants access
 * ({@code logIfAllowed}) at DEBUG, everything else (authorized-operations probes, filtering) at TRACE.
 */
final class AuditLog {
    static final String LOGGER_NAME = "kafka.authorizer.logger";
    private static final Logger log = LoggerFactory.getLogger(LOGGER_NAME);

    private AuditLog() { }

    static void record(KafkaPrincipal principal, AuthorizableRequestContext context, Action action, Rule rule) {
        if (rule.result() == AuthorizationResult.ALLOWED) {
            if (action.logIfAllowed() && log.isDebugEnabled()) {
                log.debug(message(principal, context, action, rule));
            } else if (log.isTraceEnabled()) {
                log.trace(message(principal, context, action, rule));
            }
        } else if (action.logIfDenied()) {
            if (log.isInfoEnabled()) {
                log.info(message(principal, context, action, rule));
            }
        } else if (log.isTraceEnabled()) {
            log.trace(message(principal, context, action, rule));
        }
    }

    private static String message(KafkaPrincipal principal, AuthorizableRequestContext context, Action action, Rule rule) {
        ResourcePattern resource = action.resourcePattern();
        return "Principal = " + principal
                + " is " + (rule.result() == AuthorizationResult.ALLOWED ? "Allowed" : "Denied")
                + " operation = " + action.operation()
                + " from host = " + context.clientAddress().getHostAddress()
                + " on resource = " + SecurityUtils.resourceTypeName(resource.resourceType()) + ":" + resource.patternType()
                + ":" + resource.name()
                + " for request = " + requestName(context.requestType())
                + " with resourceRefCount = " + action.resourceReferenceCount()
                + " based on rule " + rule;
    }

    private static String requestName(int apiKey) {
        return ApiKeys.hasId(apiKey) ? ApiKeys.forId(apiKey).name : "unknown(" + apiKey + ")";
    }
}
