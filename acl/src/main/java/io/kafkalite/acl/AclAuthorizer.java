package io.kafkalite.acl;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.kafkalite.logstore.DurableMap;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.kafka.common.Endpoint;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.UnknownServerException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.utils.internals.SecurityUtils;
import org.apache.kafka.server.authorizer.AclCreateResult;
import org.apache.kafka.server.authorizer.AclDeleteResult;
import org.apache.kafka.server.authorizer.AclDeleteResult.AclBindingDeleteResult;
import org.apache.kafka.server.authorizer.Action;
import org.apache.kafka.server.authorizer.AuthorizableRequestContext;
import org.apache.kafka.server.authorizer.AuthorizationResult;
import org.apache.kafka.server.authorizer.Authorizer;
import org.apache.kafka.server.authorizer.AuthorizerServerInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker's ACL authorizer, deciding as Kafka's {@code StandardAuthorizer} does (see {@link AclIndex#decide}):
 * LITERAL, PREFIXED and {@code *} resource patterns, {@code User:*}, host {@code *} or the client's
 * address, DENY over ALLOW, ALL matching every operation, READ/WRITE/DELETE/ALTER allowing DESCRIBE and
 * ALTER_CONFIGS allowing DESCRIBE_CONFIGS, {@code super.users} and {@code allow.everyone.if.no.acl.found}.
 * <ul>
 * <li>ACLs live in a {@link DurableMap} (one entry per binding), loaded at construction; a create or delete
 *     takes effect, and its future completes, once its write is durable. Changes are applied one at a time,
 *     in the order they were asked for.</li>
 * <li>Decisions are cached (Caffeine, bounded) by principal, client address, operation and resource; every
 *     ACL change or reconfiguration starts a new cache, so no decision outlives the ACLs it was made on.</li>
 * <li>Every decision is written to Kafka's audit logger, {@code kafka.authorizer.logger} ({@link AuditLog}).</li>
 * </ul>
 */
public final class AclAuthorizer implements Authorizer {
    public static final String SUPER_USERS_CONFIG = "super.users";
    public static final String ALLOW_EVERYONE_IF_NO_ACL_IS_FOUND_CONFIG = "allow.everyone.if.no.acl.found";
    /** The {@code authorizer.class.name} values that select this authorizer: Kafka's KRaft and ZooKeeper-era ones, and ours. */
    public static final Set<String> CLASS_NAMES = Set.of("org.apache.kafka.metadata.authorizer.StandardAuthorizer",
            "kafka.security.authorizer.AclAuthorizer", AclAuthorizer.class.getName());
    static final int DEFAULT_CACHE_SIZE = 100_000;

    private static final Logger log = LoggerFactory.getLogger(AclAuthorizer.class);

    private final AclStore store;
    private final int cacheSize;
    private volatile Set<KafkaPrincipal> superUsers = Set.of();
    private volatile Decisions decisions;
    /** The tail of the queue of ACL changes; guarded by {@code this}. */
    private CompletableFuture<Void> changes = CompletableFuture.completedFuture(null);

    /** One ACL index with the rule for resources without ACLs, and the decisions made on them. */
    private record Decisions(AclIndex index, Rule noAclRule, Cache<DecisionKey, Rule> cache) {
        Rule decide(KafkaPrincipal principal, InetAddress address, AclOperation operation, ResourceType type, String name) {
            return cache.get(new DecisionKey(principal, address, operation, type, name),
                    k -> index.decide(principal, address.getHostAddress(), operation, type, name, noAclRule));
        }
    }

    private record DecisionKey(KafkaPrincipal principal, InetAddress address, AclOperation operation, ResourceType type, String name) { }

    /** @throws IllegalStateException if a stored ACL cannot be read */
    public AclAuthorizer(DurableMap table) {
        this(table, DEFAULT_CACHE_SIZE);
    }

    AclAuthorizer(DurableMap table, int cacheSize) {
        this.store = new AclStore(table);
        this.cacheSize = cacheSize;
        this.decisions = newDecisions(new AclIndex(store.load()), Rule.DEFAULT_DENY);
        log.info("Loaded {} ACL(s)", decisions.index().size());
    }

    /**
     * The authorizer that {@code authorizer.class.name} names: null when empty or absent (no authorization, as
     * in Kafka), this one for Kafka's own authorizers, otherwise the user's class, instantiated and configured.
     * @throws org.apache.kafka.common.config.ConfigException if the class cannot be loaded or is no Authorizer
     */
    public static Authorizer forClassName(String className, DurableMap table, Map<String, ?> props) {
        return Authorizers.forClassName(className, table, props);
    }

    @Override
    public void configure(Map<String, ?> configs) {
        Set<KafkaPrincipal> users = new HashSet<>();
        Object configured = configs.get(SUPER_USERS_CONFIG);
        if (configured != null) {
            for (String user : configured.toString().split(";")) {
                if (!user.trim().isEmpty()) {
                    users.add(SecurityUtils.parseKafkaPrincipal(user.trim()));
                }
            }
        }
        Object allowEveryone = configs.get(ALLOW_EVERYONE_IF_NO_ACL_IS_FOUND_CONFIG);
        Rule noAclRule = allowEveryone != null && Boolean.parseBoolean(allowEveryone.toString().trim()) ? Rule.DEFAULT_ALLOW : Rule.DEFAULT_DENY;
        synchronized (this) {
            superUsers = Set.copyOf(users);
            decisions = newDecisions(decisions.index(), noAclRule);
        }
        log.info("Configured super.users={}, default result={}", users, noAclRule.result());
    }

    /** Every listener may start at once: the ACLs were loaded when this was constructed. */
    @Override
    public Map<Endpoint, ? extends CompletionStage<Void>> start(AuthorizerServerInfo serverInfo) {
        Map<Endpoint, CompletableFuture<Void>> ready = new HashMap<>();
        serverInfo.endpoints().forEach(endpoint -> ready.put(endpoint, CompletableFuture.completedFuture(null)));
        return ready;
    }

    /** @throws IllegalArgumentException for an action on a pattern that is not LITERAL, as Kafka */
    @Override
    public List<AuthorizationResult> authorize(AuthorizableRequestContext context, List<Action> actions) {
        KafkaPrincipal principal = basePrincipal(context.principal());
        boolean superUser = superUsers.contains(principal);
        Decisions current = decisions;
        List<AuthorizationResult> results = new ArrayList<>(actions.size());
        for (Action action : actions) {
            if (action.resourcePattern().patternType() != PatternType.LITERAL) {
                throw new IllegalArgumentException("Only literal resources are supported. Got: " + action.resourcePattern().patternType());
            }
            Rule rule = superUser ? Rule.SUPER_USER : current.decide(principal, context.clientAddress(), action.operation(),
                    action.resourcePattern().resourceType(), action.resourcePattern().name());
            AuditLog.record(principal, context, action, rule);
            results.add(rule.result());
        }
        return results;
    }

    /** Creates the valid bindings (an existing one is a success); each result completes once the write is durable. */
    @Override
    public List<CompletableFuture<AclCreateResult>> createAcls(AuthorizableRequestContext context, List<AclBinding> bindings) {
        List<InvalidRequestException> invalid = new ArrayList<>(bindings.size());
        Set<AclBinding> valid = new LinkedHashSet<>();
        for (AclBinding b : bindings) {
            InvalidRequestException e = AclValidation.invalidNewAcl(b);
            invalid.add(e);
            if (e == null) {
                valid.add(b);
            }
        }
        CompletableFuture<Void> done = valid.isEmpty() ? CompletableFuture.completedFuture(null) : enqueue(() -> {
            List<AclBinding> added = valid.stream().filter(b -> !decisions.index().contains(b)).toList();
            return added.isEmpty() ? CompletableFuture.completedFuture(null)
                    : store.write(added, List.of()).thenRun(() -> apply(decisions.index().plus(added), "Created", added));
        });
        List<CompletableFuture<AclCreateResult>> results = new ArrayList<>(bindings.size());
        for (InvalidRequestException e : invalid) {
            results.add(e != null ? CompletableFuture.completedFuture(new AclCreateResult(e))
                    : done.handle((v, failure) -> failure == null ? AclCreateResult.SUCCESS : new AclCreateResult(apiException(failure))));
        }
        return results;
    }

    /** Deletes what each filter matches; a binding matched by several filters is reported under each. */
    @Override
    public List<CompletableFuture<AclDeleteResult>> deleteAcls(AuthorizableRequestContext context, List<AclBindingFilter> filters) {
        List<InvalidRequestException> invalid = filters.stream().map(AclValidation::invalidFilter).toList();
        CompletableFuture<List<List<AclBinding>>> done = enqueue(() -> {
            List<List<AclBinding>> matched = new ArrayList<>(filters.size());
            Set<AclBinding> removed = new LinkedHashSet<>();
            for (int i = 0; i < filters.size(); i++) {
                AclBindingFilter filter = filters.get(i);
                List<AclBinding> m = invalid.get(i) != null ? List.of()
                        : decisions.index().bindings().stream().filter(filter::matches).toList();
                matched.add(m);
                removed.addAll(m);
            }
            return removed.isEmpty() ? CompletableFuture.completedFuture(matched)
                    : store.write(List.of(), removed).thenApply(v -> {
                        apply(decisions.index().minus(removed), "Deleted", removed);
                        return matched;
                    });
        });
        List<CompletableFuture<AclDeleteResult>> results = new ArrayList<>(filters.size());
        for (int i = 0; i < filters.size(); i++) {
            InvalidRequestException e = invalid.get(i);
            int index = i;
            results.add(e != null ? CompletableFuture.completedFuture(new AclDeleteResult(e)) : done.handle((matched, failure) ->
                    failure != null ? new AclDeleteResult(apiException(failure))
                            : new AclDeleteResult(matched.get(index).stream().map(AclBindingDeleteResult::new).toList())));
        }
        return results;
    }

    @Override
    public Iterable<AclBinding> acls(AclBindingFilter filter) {
        return decisions.index().bindings().stream().filter(filter::matches).toList();
    }

    @Override
    public int aclCount() {
        return decisions.index().size();
    }

    @Override
    public void close() {
        decisions.cache().invalidateAll();
    }

    /**
     * Re-reads the ACLs from their table: in a cluster, after a change made on another node was applied to this
     * node's table. Queued behind the changes asked for here, so it never undoes one of them.
     */
    public void reload() {
        enqueue(() -> {
            AclIndex index = new AclIndex(store.load());
            synchronized (this) {
                if (!Set.copyOf(index.bindings()).equals(Set.copyOf(decisions.index().bindings()))) {
                    decisions = newDecisions(index, decisions.noAclRule());
                    log.info("ACLs changed on another node; {} ACL(s) in total", index.size());
                }
            }
            return CompletableFuture.completedFuture(null);
        });
    }

    /** How many decisions the cache holds now (for tests of its bound). */
    long cachedDecisions() {
        Cache<DecisionKey, Rule> cache = decisions.cache();
        cache.cleanUp();
        return cache.estimatedSize();
    }

    /** Runs {@code change} after every change asked for before it has finished, whether or not that one failed. */
    private synchronized <T> CompletableFuture<T> enqueue(Supplier<CompletableFuture<T>> change) {
        CompletableFuture<T> result = changes.thenCompose(v -> change.get());
        changes = result.handle((v, e) -> {
            if (e != null) {
                log.error("Failed to store an ACL change", e);
            }
            return null;
        });
        return result;
    }

    private synchronized void apply(AclIndex index, String what, Collection<AclBinding> bindings) {
        decisions = newDecisions(index, decisions.noAclRule());
        log.info("{} ACL(s) {}; {} ACL(s) in total", what, bindings, index.size());
    }

    private Decisions newDecisions(AclIndex index, Rule noAclRule) {
        // Maintenance on the caller's thread: eviction keeps the bound without a background pool.
        return new Decisions(index, noAclRule, Caffeine.newBuilder().maximumSize(cacheSize).executor(Runnable::run).build());
    }

    /** Kafka matches on the plain principal (type and name), whatever subclass a principal builder returns. */
    private static KafkaPrincipal basePrincipal(KafkaPrincipal principal) {
        return principal.getClass() == KafkaPrincipal.class ? principal : new KafkaPrincipal(principal.getPrincipalType(), principal.getName());
    }

    private static ApiException apiException(Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        return cause instanceof ApiException api ? api
                : new UnknownServerException("Failed to store the ACL change: " + cause.getMessage());
    }
}
