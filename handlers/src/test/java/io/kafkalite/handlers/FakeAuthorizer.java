package io.kafkalite.handlers;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.Endpoint;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.server.authorizer.AclCreateResult;
import org.apache.kafka.server.authorizer.AclDeleteResult;
import org.apache.kafka.server.authorizer.Action;
import org.apache.kafka.server.authorizer.AuthorizableRequestContext;
import org.apache.kafka.server.authorizer.AuthorizationResult;
import org.apache.kafka.server.authorizer.Authorizer;
import org.apache.kafka.server.authorizer.AuthorizerServerInfo;

/**
 * An authorizer for handler tests: allows exactly the (principal, operation, resource type, literal name) it
 * was given, nothing implied, and records every {@code authorize} call. {@link #acls} lists the grants as
 * literal ALLOW bindings, so the interface's default {@code authorizeByResourceType} works on them.
 */
final class FakeAuthorizer implements Authorizer {
    private record Grant(String principal, AclOperation op, ResourceType type, String name) { }

    private final Set<Grant> grants = new HashSet<>();
    /** The actions of each authorize call, in order. */
    final List<List<Action>> calls = new ArrayList<>();

    FakeAuthorizer allow(String principal, AclOperation op, ResourceType type, String name) {
        grants.add(new Grant(principal, op, type, name));
        return this;
    }

    @Override
    public List<AuthorizationResult> authorize(AuthorizableRequestContext context, List<Action> actions) {
        calls.add(List.copyOf(actions));
        String principal = context.principal().toString();
        List<AuthorizationResult> results = new ArrayList<>();
        for (Action a : actions) {
            boolean allowed = a.resourcePattern().patternType() == PatternType.LITERAL
                    && grants.contains(new Grant(principal, a.operation(), a.resourcePattern().resourceType(), a.resourcePattern().name()));
            results.add(allowed ? AuthorizationResult.ALLOWED : AuthorizationResult.DENIED);
        }
        return results;
    }

    @Override
    public Iterable<AclBinding> acls(AclBindingFilter filter) {
        List<AclBinding> bindings = new ArrayList<>();
        for (Grant g : grants) {
            AclBinding b = new AclBinding(new ResourcePattern(g.type(), g.name(), PatternType.LITERAL),
                    new AccessControlEntry(g.principal(), "*", g.op(), AclPermissionType.ALLOW));
            if (filter.matches(b)) {
                bindings.add(b);
            }
        }
        return bindings;
    }

    @Override
    public Map<Endpoint, ? extends CompletionStage<Void>> start(AuthorizerServerInfo serverInfo) {
        return Map.of();
    }

    @Override
    public List<? extends CompletionStage<AclCreateResult>> createAcls(AuthorizableRequestContext context, List<AclBinding> bindings) {
        throw new UnsupportedOperationException();
    }

    @Override
    public List<? extends CompletionStage<AclDeleteResult>> deleteAcls(AuthorizableRequestContext context, List<AclBindingFilter> filters) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void configure(Map<String, ?> configs) { }

    @Override
    public void close() { }
}
