package io.kafkalite.acl;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.server.authorizer.AuthorizationResult;

/**
 * An immutable set of ACLs, indexed for decisions: per resource type, literal ACLs by exact name (the
 * wildcard {@code *} among them) and prefixed ACLs in a sorted map, where the prefixes of a name are found
 * by walking down with {@code floorEntry} instead of trying every prefix. A change builds a new index.
 */
final class AclIndex {
    static final AclIndex EMPTY = new AclIndex(List.of());

    private final Set<AclBinding> bindings;
    private final Map<ResourceType, Section> sections = new EnumMap<>(ResourceType.class);

    /** The ACLs of one resource type. */
    private static final class Section {
        final Map<String, List<Acl>> literal = new HashMap<>();
        final TreeMap<String, List<Acl>> prefixed = new TreeMap<>();
    }

    /** @throws IllegalArgumentException if a binding's principal is not {@code type:name} */
    AclIndex(Collection<AclBinding> bindings) {
        this.bindings = Collections.unmodifiableSet(new LinkedHashSet<>(bindings));
        for (AclBinding b : this.bindings) {
            Section section = sections.computeIfAbsent(b.pattern().resourceType(), t -> new Section());
            Map<String, List<Acl>> byName = b.pattern().patternType() == PatternType.PREFIXED ? section.prefixed : section.literal;
            byName.computeIfAbsent(b.pattern().name(), n -> new ArrayList<>(1)).add(Acl.of(b));
        }
    }

    Set<AclBinding> bindings() {
        return bindings;
    }

    boolean contains(AclBinding binding) {
        return bindings.contains(binding);
    }

    int size() {
        return bindings.size();
    }

    AclIndex plus(Collection<AclBinding> added) {
        Set<AclBinding> all = new LinkedHashSet<>(bindings);
        all.addAll(added);
        return new AclIndex(all);
    }

    AclIndex minus(Collection<AclBinding> removed) {
        Set<AclBinding> all = new LinkedHashSet<>(bindings);
        all.removeAll(removed);
        return new AclIndex(all);
    }

    /**
     * The rule deciding whether {@code principal} from {@code host} may do {@code operation} on the resource
     * {@code type:name}, as Kafka's StandardAuthorizer decides: the ACLs on the name, on its prefixes and
     * on {@code *} are considered; any matching DENY wins, else any matching ALLOW allows; with no match
     * it is denied, unless the resource has no ACL at all, where {@code noAclRule} decides.
     */
    Rule decide(KafkaPrincipal principal, String host, AclOperation operation, ResourceType type, String name, Rule noAclRule) {
        Section section = sections.get(type);
        if (section == null) {
            return noAclRule;
        }
        Matcher m = new Matcher(principal, host, operation);
        m.check(section.literal.get(name));
        walkPrefixes(section.prefixed, name, m);
        if (m.deny == null && !name.equals(ResourcePattern.WILDCARD_RESOURCE)) {
            m.check(section.literal.get(ResourcePattern.WILDCARD_RESOURCE));
        }
        return m.rule(noAclRule);
    }

    /**
     * Checks every prefixed entry whose key is a prefix of {@code name}, longest first, stopping at a
     * DENY. From a key that is not a prefix, the next candidate is the part it shares with the name:
     * no key between the two can be a prefix of the name.
     */
    private static void walkPrefixes(TreeMap<String, List<Acl>> prefixed, String name, Matcher m) {
        Map.Entry<String, List<Acl>> entry = prefixed.floorEntry(name);
        while (entry != null && m.deny == null) {
            String key = entry.getKey();
            if (name.startsWith(key)) {
                m.check(entry.getValue());
                entry = prefixed.lowerEntry(key);
            } else {
                int shared = sharedPrefixLength(name, key);
                entry = shared == 0 ? null : prefixed.floorEntry(name.substring(0, shared));
            }
        }
    }

    private static int sharedPrefixLength(String a, String b) {
        int n = Math.min(a.length(), b.length());
        int i = 0;
        while (i < n && a.charAt(i) == b.charAt(i)) {
            i++;
        }
        return i;
    }

    /** Collects the decision over the ACLs whose resource pattern matches. */
    private static final class Matcher {
        final KafkaPrincipal principal;
        final String host;
        final AclOperation operation;
        boolean resourceHasAcls;
        Acl allow;
        Acl deny;

        Matcher(KafkaPrincipal principal, String host, AclOperation operation) {
            this.principal = principal;
            this.host = host;
            this.operation = operation;
        }

        void check(List<Acl> acls) {
            if (acls == null) {
                return;
            }
            for (Acl acl : acls) {
                resourceHasAcls = true;
                AuthorizationResult result = acl.decide(principal, host, operation);
                if (result == AuthorizationResult.DENIED) {
                    deny = acl;
                    return;
                } else if (result == AuthorizationResult.ALLOWED) {
                    allow = acl;
                }
            }
        }

        Rule rule(Rule noAclRule) {
            if (deny != null) {
                return deny;
            } else if (allow != null) {
                return allow;
            }
            return resourceHasAcls ? Rule.DEFAULT_DENY : noAclRule;
        }
    }
}
