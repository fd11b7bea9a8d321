package io.kafkalite.acl;

import io.kafkalite.logstore.DurableMap;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.security.authenticator.CredentialCache;
import org.apache.kafka.common.security.scram.ScramCredential;
import org.apache.kafka.common.security.scram.internals.ScramFormatter;
import org.apache.kafka.common.security.scram.internals.ScramMechanism;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SCRAM credentials of every user (what {@code kafka-configs --entity-type users} manages through
 * AlterUserScramCredentials), in memory for authentication and in a {@link DurableMap} (layout in
 * {@link ScramCredentialDescriptor}) so they survive a restart. Only salt, stored key, server key and
 * iterations are kept, never a password. The SCRAM server reads them through {@link #cache}.
 */
public final class ScramCredentialStore {
    private static final Logger log = LoggerFactory.getLogger(ScramCredentialStore.class);

    /** A change for {@link #alter}: an upsert, or a deletion when {@code credential} is null. */
    public record Change(String user, ScramMechanism mechanism, ScramCredential credential) {
        public static Change delete(String user, ScramMechanism mechanism) {
            return new Change(user, mechanism, null);
        }
    }

    private final DurableMap table;
    /** user -> its credentials; the inner maps are immutable and replaced on change, so readers need no lock. */
    private final ConcurrentHashMap<String, Map<ScramMechanism, ScramCredential>> byUser = new ConcurrentHashMap<>();

    /** Loads every stored credential. */
    public ScramCredentialStore(DurableMap table) {
        this.table = table;
        reload();
        log.debug("Loaded SCRAM credentials of {} users", byUser.size());
    }

    /** Re-reads every stored credential: in a cluster, after a change made on another node was applied to this node's table. */
    public synchronized void reload() {
        Map<String, Map<ScramMechanism, ScramCredential>> stored = new HashMap<>();
        table.forEach((key, value) -> {
            try {
                ScramCredentialDescriptor.Entry e = ScramCredentialDescriptor.decode(value);
                stored.computeIfAbsent(e.user(), u -> new EnumMap<>(ScramMechanism.class)).put(e.mechanism(), e.credential());
            } catch (IllegalArgumentException e) {
                log.error("Skipping an unreadable SCRAM credential in the store; its user cannot authenticate with it", e);
            }
        });
        byUser.keySet().retainAll(stored.keySet());
        stored.forEach((user, credentials) -> byUser.put(user, Map.copyOf(credentials)));
    }

    /**
     * The credential Kafka's controller derives from an AlterUserScramCredentials upsertion: the
     * client sends salt and salted password, the server keeps the stored and server keys.
     */
    public static ScramCredential fromSaltedPassword(ScramMechanism mechanism, byte[] salt, byte[] saltedPassword, int iterations)
            throws InvalidKeyException {
        ScramFormatter formatter;
        try {
            formatter = new ScramFormatter(mechanism);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(mechanism.hashAlgorithm() + " is part of every Java runtime", e);
        }
        return new ScramCredential(salt, formatter.storedKey(formatter.clientKey(saltedPassword)),
                formatter.serverKey(saltedPassword), iterations);
    }

    /** The user's credential for the mechanism, or null. */
    public ScramCredential credential(String user, ScramMechanism mechanism) {
        Map<ScramMechanism, ScramCredential> credentials = byUser.get(user);
        return credentials == null ? null : credentials.get(mechanism);
    }

    /** The user's credentials by mechanism, empty if none. */
    public Map<ScramMechanism, ScramCredential> credentials(String user) {
        return byUser.getOrDefault(user, Map.of());
    }

    /** Every user with at least one credential, in name order. */
    public List<String> users() {
        List<String> users = new ArrayList<>(byUser.keySet());
        Collections.sort(users);
        return users;
    }

    /**
     * Applies the changes in order, atomically on disk; they are visible to authentication at once, and
     * the future completes when they are durable (the response may be sent then).
     */
    public synchronized CompletableFuture<Void> alter(List<Change> changes) {
        List<Map.Entry<byte[], byte[]>> writes = new ArrayList<>(changes.size());
        for (Change c : changes) {
            byte[] key = ScramCredentialDescriptor.key(c.user(), c.mechanism());
            byte[] value = c.credential() == null ? null : ScramCredentialDescriptor.value(c.user(), c.mechanism(), c.credential());
            writes.add(new AbstractMap.SimpleEntry<>(key, value));
        }
        for (Change c : changes) {
            replace(c.user(), c.mechanism(), c.credential());
            log.info("{} the {} credential of user {}", c.credential() == null ? "Deleted" : "Stored", c.mechanism().mechanismName(), c.user());
        }
        return changes.isEmpty() ? CompletableFuture.completedFuture(null) : table.write(writes);
    }

    /**
     * A view of one mechanism's credentials in the shape kafka-clients' {@code ScramServerCallbackHandler}
     * reads. It is read-only: credentials change through {@link #alter}.
     */
    public CredentialCache.Cache<ScramCredential> cache(ScramMechanism mechanism) {
        return new CredentialCache.Cache<>(ScramCredential.class) {
            @Override
            public ScramCredential get(String username) {
                return username == null ? null : credential(username, mechanism);
            }

            @Override
            public ScramCredential put(String username, ScramCredential credential) {
                throw new UnsupportedOperationException("SCRAM credentials change through AlterUserScramCredentials");
            }

            @Override
            public ScramCredential remove(String username) {
                throw new UnsupportedOperationException("SCRAM credentials change through AlterUserScramCredentials");
            }
        };
    }

    private void replace(String user, ScramMechanism mechanism, ScramCredential credential) {
        byUser.compute(user, (u, old) -> {
            EnumMap<ScramMechanism, ScramCredential> next = new EnumMap<>(ScramMechanism.class);
            if (old != null) {
                next.putAll(old);
            }
            if (credential == null) {
                next.remove(mechanism);
            } else {
                next.put(mechanism, credential);
            }
            return next.isEmpty() ? null : Collections.unmodifiableMap(next);
        });
    }
}
