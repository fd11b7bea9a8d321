package io.kafkalite.acl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkalite.logstore.DurableMap;
import io.kafkalite.logstore.LogStore;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.security.scram.ScramCredential;
import org.apache.kafka.common.security.scram.internals.ScramFormatter;
import org.apache.kafka.common.security.scram.internals.ScramMechanism;
import org.junit.jupiter.api.Test;

class ScramCredentialStoreTest {
    private final DurableMap table = LogStore.inMemory(Map.of()).durableMap("scram_credentials");

    static ScramCredential credential(ScramMechanism mechanism, String password, int iterations) throws Exception {
        ScramFormatter formatter = new ScramFormatter(mechanism);
        byte[] salt = formatter.secureRandomBytes();
        return ScramCredentialStore.fromSaltedPassword(mechanism, salt, formatter.saltedPassword(password, salt, iterations), iterations);
    }

    @Test
    void derivesTheKeysKafkaDerivesFromTheSaltedPassword() throws Exception {
        // given
        ScramFormatter formatter = new ScramFormatter(ScramMechanism.SCRAM_SHA_512);
        byte[] salt = formatter.secureRandomBytes();
        // when
        ScramCredential ours = ScramCredentialStore.fromSaltedPassword(ScramMechanism.SCRAM_SHA_512, salt,
                formatter.saltedPassword("secret", salt, 4096), 4096);
        // then: the same as kafka-clients' own credential for the password
        ScramCredential kafkas = formatter.generateCredential(salt, formatter.saltedPassword("secret", salt, 4096), 4096);
        assertArrayEquals(kafkas.storedKey(), ours.storedKey());
        assertArrayEquals(kafkas.serverKey(), ours.serverKey());
        assertArrayEquals(salt, ours.salt());
        assertEquals(4096, ours.iterations());
    }

    @Test
    void upsertsDescribesAndDeletesAndSurvivesARestart() throws Exception {
        // given
        ScramCredentialStore store = new ScramCredentialStore(table);
        ScramCredential alice256 = credential(ScramMechanism.SCRAM_SHA_256, "a", 4096);
        ScramCredential alice512 = credential(ScramMechanism.SCRAM_SHA_512, "a", 8192);
        ScramCredential bob = credential(ScramMechanism.SCRAM_SHA_256, "b", 4096);
        // when
        store.alter(List.of(new ScramCredentialStore.Change("alice", ScramMechanism.SCRAM_SHA_256, alice256),
                new ScramCredentialStore.Change("alice", ScramMechanism.SCRAM_SHA_512, alice512),
                new ScramCredentialStore.Change("bob", ScramMechanism.SCRAM_SHA_256, bob))).get();
        store.alter(List.of(ScramCredentialStore.Change.delete("alice", ScramMechanism.SCRAM_SHA_256))).get();
        // then
        assertEquals(List.of("alice", "bob"), store.users());
        assertNull(store.credential("alice", ScramMechanism.SCRAM_SHA_256));
        assertEquals(8192, store.credential("alice", ScramMechanism.SCRAM_SHA_512).iterations());
        assertEquals(List.of(ScramMechanism.SCRAM_SHA_512), new ArrayList<>(store.credentials("alice").keySet()));
        ScramCredentialStore reloaded = new ScramCredentialStore(table);
        assertEquals(List.of("alice", "bob"), reloaded.users());
        assertNull(reloaded.credential("alice", ScramMechanism.SCRAM_SHA_256));
        ScramCredential loaded = reloaded.credential("alice", ScramMechanism.SCRAM_SHA_512);
        assertArrayEquals(alice512.salt(), loaded.salt());
        assertArrayEquals(alice512.storedKey(), loaded.storedKey());
        assertArrayEquals(alice512.serverKey(), loaded.serverKey());
        assertEquals(8192, loaded.iterations());
        assertArrayEquals(bob.storedKey(), reloaded.credential("bob", ScramMechanism.SCRAM_SHA_256).storedKey());
    }

    @Test
    void deletingAUsersLastCredentialForgetsTheUser() throws Exception {
        ScramCredentialStore store = new ScramCredentialStore(table);
        store.alter(List.of(new ScramCredentialStore.Change("alice", ScramMechanism.SCRAM_SHA_256,
                credential(ScramMechanism.SCRAM_SHA_256, "a", 4096)))).get();
        store.alter(List.of(ScramCredentialStore.Change.delete("alice", ScramMechanism.SCRAM_SHA_256))).get();
        assertEquals(List.of(), store.users());
        assertTrue(store.credentials("alice").isEmpty());
        assertEquals(List.of(), new ScramCredentialStore(table).users());
    }

    @Test
    void aUserNameLongerThanAnLmdbKeyIsStoredUnderItsHash() throws Exception {
        // given: Kafka allows long user names; LMDB keys stop at 511 bytes
        String user = "u".repeat(2000);
        ScramCredentialStore store = new ScramCredentialStore(table);
        // when
        store.alter(List.of(new ScramCredentialStore.Change(user, ScramMechanism.SCRAM_SHA_256,
                credential(ScramMechanism.SCRAM_SHA_256, "p", 4096)))).get();
        // then
        assertEquals(List.of(user), new ScramCredentialStore(table).users());
        store.alter(List.of(ScramCredentialStore.Change.delete(user, ScramMechanism.SCRAM_SHA_256))).get();
        assertEquals(List.of(), new ScramCredentialStore(table).users());
    }

    @Test
    void neverStoresThePasswordNorTheSaltedPassword() throws Exception {
        // given
        ScramFormatter formatter = new ScramFormatter(ScramMechanism.SCRAM_SHA_256);
        byte[] salt = formatter.secureRandomBytes();
        byte[] salted = formatter.saltedPassword("hunter2-password", salt, 4096);
        // when
        new ScramCredentialStore(table).alter(List.of(new ScramCredentialStore.Change("alice", ScramMechanism.SCRAM_SHA_256,
                ScramCredentialStore.fromSaltedPassword(ScramMechanism.SCRAM_SHA_256, salt, salted, 4096)))).get();
        // then
        List<byte[]> values = new ArrayList<>();
        table.forEach((k, v) -> values.add(v));
        assertEquals(1, values.size());
        String stored = new String(values.get(0), StandardCharsets.ISO_8859_1);
        assertFalse(stored.contains("hunter2-password"));
        assertFalse(stored.contains(new String(salted, StandardCharsets.ISO_8859_1)));
    }

    @Test
    void theCacheViewReadsThroughAndIsReadOnly() throws Exception {
        ScramCredentialStore store = new ScramCredentialStore(table);
        var cache = store.cache(ScramMechanism.SCRAM_SHA_256);
        assertNull(cache.get("alice"));
        ScramCredential c = credential(ScramMechanism.SCRAM_SHA_256, "a", 4096);
        store.alter(List.of(new ScramCredentialStore.Change("alice", ScramMechanism.SCRAM_SHA_256, c))).get();
        assertArrayEquals(c.storedKey(), cache.get("alice").storedKey());
        assertNull(store.cache(ScramMechanism.SCRAM_SHA_512).get("alice"));
        assertThrows(UnsupportedOperationException.class, () -> cache.put("bob", c));
    }
}
