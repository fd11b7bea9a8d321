package io.kafkalite.handlers.quota;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.kafkalite.logstore.LogStore;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.quota.ClientQuotaAlteration;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.junit.jupiter.api.Test;

/** Which quota applies to a client, in Kafka's order, and which rate it counts against. */
class ClientQuotaPrecedenceTest {
    private final ClientQuotaStore store = new ClientQuotaStore(LogStore.inMemory(Map.of()).durableMap("q"));

    /** user / client: null for absent, "" for the default. */
    private void set(String user, String client, double value) throws Exception {
        Map<String, String> entity = new HashMap<>();
        if (user != null) {
            entity.put(ClientQuotaEntity.USER, user.isEmpty() ? null : user);
        }
        if (client != null) {
            entity.put(ClientQuotaEntity.CLIENT_ID, client.isEmpty() ? null : client);
        }
        store.alter(List.of(new ClientQuotaAlteration(new ClientQuotaEntity(entity),
                List.of(new ClientQuotaAlteration.Op("producer_byte_rate", value)))), false).get();
    }

    private String applied() {
        ClientQuotaStore.Applied a = store.applied("producer_byte_rate", "alice", "app");
        return a == null ? null : (long) a.quota() + " " + a.key().user() + "/" + a.key().clientId();
    }

    @Test
    void theMostSpecificSetQuotaWinsInKafkasOrder() throws Exception {
        assertNull(applied(), "none set: not measured");
        List<String> seen = new ArrayList<>();
        set("", "", 1);        // /users/<default>/clients/<default>... set out of order on purpose
        seen.add(applied());
        set("", null, 2);      // /users/<default>: lower than the above
        seen.add(applied());
        set(null, "", 3);      // /clients/<default>
        set(null, "app", 4);   // /clients/app
        seen.add(applied());
        set("", "app", 5);     // /users/<default>/clients/app
        seen.add(applied());
        set("alice", null, 6); // /users/alice
        seen.add(applied());
        set("alice", "", 7);   // /users/alice/clients/<default>
        seen.add(applied());
        set("alice", "app", 8); // /users/alice/clients/app
        seen.add(applied());
        assertEquals(List.of("1 alice/app", "1 alice/app", "1 alice/app", "5 alice/app", "6 alice/", "7 alice/app", "8 alice/app"), seen);
        assertEquals("5 bob/app", appliedTo("bob", "app"), "bob's app: /users/<default>/clients/app");
        assertEquals("1 bob/other", appliedTo("bob", "other"), "bob's other client: /users/<default>/clients/<default>");
    }

    private String appliedTo(String user, String client) {
        ClientQuotaStore.Applied a = store.applied("producer_byte_rate", user, client);
        return (long) a.quota() + " " + a.key().user() + "/" + a.key().clientId();
    }

    @Test
    void clientLevelsAloneCountPerClientId() throws Exception {
        set(null, "", 3);
        assertEquals("3 /app", applied());
        set(null, "app", 4);
        assertEquals("4 /app", applied());
        assertNull(store.applied("consumer_byte_rate", "alice", "app"), "another quota type is not set");
    }

    @Test
    void atMostMaxEntitiesAreStored() throws Exception {
        // given a store that keeps two entities
        ClientQuotaStore small = new ClientQuotaStore(LogStore.inMemory(Map.of()).durableMap("q"), 2);
        List<ClientQuotaAlteration> three = new ArrayList<>();
        for (String client : List.of("a", "b", "c")) {
            three.add(new ClientQuotaAlteration(new ClientQuotaEntity(Map.of(ClientQuotaEntity.CLIENT_ID, client)),
                    List.of(new ClientQuotaAlteration.Op("producer_byte_rate", 10.0))));
        }
        // when three are set, then the third is refused on its own
        Map<ClientQuotaEntity, org.apache.kafka.common.requests.ApiError> results = small.alter(three, false).get();
        assertEquals(org.apache.kafka.common.protocol.Errors.INVALID_REQUEST, results.get(three.get(2).entity()).error());
        assertEquals(2, small.all().size());
        // an existing entity still changes, and a removal frees room
        small.alter(List.of(new ClientQuotaAlteration(three.get(0).entity(), List.of(new ClientQuotaAlteration.Op("producer_byte_rate", null)))),
                false).get();
        assertEquals(org.apache.kafka.common.protocol.Errors.NONE, small.alter(List.of(three.get(2)), false).get().get(three.get(2).entity()).error());
        assertEquals(2, small.all().size());
    }
}
