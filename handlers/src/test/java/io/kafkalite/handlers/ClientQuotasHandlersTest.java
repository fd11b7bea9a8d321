package io.kafkalite.handlers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkalite.handlers.quota.ClientQuotaStore;
import io.kafkalite.logstore.DurableMap;
import io.kafkalite.logstore.LogStore;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.message.AlterClientQuotasRequestData;
import org.apache.kafka.common.message.AlterClientQuotasRequestData.EntityData;
import org.apache.kafka.common.message.AlterClientQuotasRequestData.EntryData;
import org.apache.kafka.common.message.AlterClientQuotasRequestData.OpData;
import org.apache.kafka.common.message.AlterClientQuotasResponseData;
import org.apache.kafka.common.message.DescribeClientQuotasRequestData;
import org.apache.kafka.common.message.DescribeClientQuotasRequestData.ComponentData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.protocol.MessageUtil;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.AlterClientQuotasRequest;
import org.apache.kafka.common.requests.AlterClientQuotasResponse;
import org.apache.kafka.common.requests.DescribeClientQuotasRequest;
import org.apache.kafka.common.requests.DescribeClientQuotasResponse;
import org.apache.kafka.server.authorizer.AuthorizationResult;
import org.apache.kafka.server.authorizer.Authorizer;
import org.junit.jupiter.api.Test;

/** AlterClientQuotas and DescribeClientQuotas together over one store: Kafka's validation, filters and persistence. */
class ClientQuotasHandlersTest {
    private final DurableMap table = LogStore.inMemory(Map.of()).durableMap("client_quotas");
    private ClientQuotaStore store = new ClientQuotaStore(table);

    private static EntryData entry(Map<String, String> entity, OpData... ops) {
        EntryData e = new EntryData().setOps(List.of(ops));
        entity.forEach((type, name) -> e.entity().add(new EntityData().setEntityType(type).setEntityName(name)));
        return e;
    }

    private static Map<String, String> entity(String... typeAndName) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < typeAndName.length; i += 2) {
            m.put(typeAndName[i], typeAndName[i + 1]);
        }
        return m;
    }

    private static OpData set(String key, double value) {
        return new OpData().setKey(key).setValue(value);
    }

    private static OpData remove(String key) {
        return new OpData().setKey(key).setRemove(true);
    }

    private AlterClientQuotasResponseData alter(Authorization authorization, boolean validateOnly, EntryData... entries) throws Exception {
        short version = 1;
        AlterClientQuotasRequest request = HandlerCalls.request(ApiKeys.ALTER_CLIENT_QUOTAS,
                new AlterClientQuotasRequestData().setEntries(List.of(entries)).setValidateOnly(validateOnly), version);
        AbstractResponse response = new HandlerRegistry(Runnable::run).register(new AlterClientQuotasHandler(store, authorization))
                .dispatch(HandlerCalls.context(request)).get(10, TimeUnit.SECONDS);
        return ((AlterClientQuotasResponse) AbstractResponse.parseResponse(ApiKeys.ALTER_CLIENT_QUOTAS,
                MessageUtil.toByteBufferAccessor(response.data(), version), version)).data();
    }

    private AlterClientQuotasResponseData alter(EntryData... entries) throws Exception {
        return alter(Authorization.NONE, false, entries);
    }

    /** entity (as "type=name,..." sorted, "<default>" for null) -> its quotas. */
    private Map<String, Map<String, Double>> describe(boolean strict, ComponentData... components) throws Exception {
        short version = 1;
        DescribeClientQuotasRequest request = HandlerCalls.request(ApiKeys.DESCRIBE_CLIENT_QUOTAS,
                new DescribeClientQuotasRequestData().setComponents(List.of(components)).setStrict(strict), version);
        AbstractResponse response = new HandlerRegistry(Runnable::run).register(new DescribeClientQuotasHandler(store, Authorization.NONE))
                .dispatch(HandlerCalls.context(request)).get(10, TimeUnit.SECONDS);
        DescribeClientQuotasResponse parsed = (DescribeClientQuotasResponse) AbstractResponse.parseResponse(ApiKeys.DESCRIBE_CLIENT_QUOTAS,
                MessageUtil.toByteBufferAccessor(response.data(), version), version);
        assertEquals(Errors.NONE, Errors.forCode(parsed.data().errorCode()), parsed.data().errorMessage());
        Map<String, Map<String, Double>> result = new TreeMap<>();
        parsed.data().entries().forEach(e -> {
            List<String> parts = new ArrayList<>();
            e.entity().forEach(d -> parts.add(d.entityType() + "=" + (d.entityName() == null ? "<default>" : d.entityName())));
            Collections.sort(parts);
            Map<String, Double> values = new TreeMap<>();
            e.values().forEach(v -> values.put(v.key(), v.value()));
            result.put(String.join(",", parts), values);
        });
        return result;
    }

    private static ComponentData exact(String type, String name) {
        return new ComponentData().setEntityType(type).setMatchType(DescribeClientQuotasRequest.MATCH_TYPE_EXACT).setMatch(name);
    }

    private static ComponentData ofDefault(String type) {
        return new ComponentData().setEntityType(type).setMatchType(DescribeClientQuotasRequest.MATCH_TYPE_DEFAULT).setMatch(null);
    }

    private static ComponentData any(String type) {
        return new ComponentData().setEntityType(type).setMatchType(DescribeClientQuotasRequest.MATCH_TYPE_SPECIFIED).setMatch(null);
    }

    private static Map<String, Errors> errors(AlterClientQuotasResponseData response) {
        Map<String, Errors> result = new HashMap<>();
        response.entries().forEach(e -> {
            List<String> parts = new ArrayList<>();
            e.entity().forEach(d -> parts.add(d.entityType() + "=" + (d.entityName() == null ? "<default>" : d.entityName())));
            Collections.sort(parts);
            result.put(String.join(",", parts), Errors.forCode(e.errorCode()));
        });
        return result;
    }

    @Test
    void quotasAreSetDescribedByFilterAndSurviveARestart() throws Exception {
        // given
        AlterClientQuotasResponseData altered = alter(
                entry(entity("client-id", "app"), set("producer_byte_rate", 1024), set("consumer_byte_rate", 2048)),
                entry(entity("user", "alice"), set("request_percentage", 12.5)),
                entry(entity("user", "alice", "client-id", null), set("producer_byte_rate", 10)),
                entry(entity("client-id", null), set("controller_mutation_rate", 3)),
                entry(entity("ip", "127.0.0.1"), set("connection_creation_rate", 5)));
        assertEquals(Map.of("client-id=app", Errors.NONE, "user=alice", Errors.NONE, "client-id=<default>,user=alice", Errors.NONE,
                "client-id=<default>", Errors.NONE, "ip=127.0.0.1", Errors.NONE), errors(altered));
        // then
        assertEquals(Map.of("client-id=app", Map.of("consumer_byte_rate", 2048.0, "producer_byte_rate", 1024.0)),
                describe(false, exact("client-id", "app")));
        assertEquals(Map.of("client-id=<default>", Map.of("controller_mutation_rate", 3.0),
                "client-id=<default>,user=alice", Map.of("producer_byte_rate", 10.0)), describe(false, ofDefault("client-id")));
        assertEquals(Map.of("client-id=<default>", Map.of("controller_mutation_rate", 3.0)), describe(true, ofDefault("client-id")),
                "strict: only entities with just a client id");
        assertEquals(3, describe(false, any("client-id")).size(), "any name or the default");
        assertEquals(Map.of("user=alice", Map.of("request_percentage", 12.5)), describe(true, any("user")));
        assertEquals(Map.of("ip=127.0.0.1", Map.of("connection_creation_rate", 5.0)), describe(false, any("ip")));
        assertEquals(5, describe(false).size(), "no component: everything");
        assertEquals(0, describe(true).size(), "strict without components: nothing");

        // when the broker restarts, then the quotas are loaded
        Map<String, Map<String, Double>> before = describe(false);
        store = new ClientQuotaStore(table);
        assertEquals(before, describe(false));
    }

    @Test
    void removingTheLastQuotaRemovesTheEntityAndValidateOnlyStoresNothing() throws Exception {
        alter(entry(entity("client-id", "app"), set("producer_byte_rate", 1024), set("consumer_byte_rate", 2048)));
        assertEquals(Errors.NONE, errors(alter(Authorization.NONE, true, entry(entity("client-id", "app"), remove("producer_byte_rate"))))
                .get("client-id=app"));
        assertEquals(2, describe(false).get("client-id=app").size(), "validate_only changed nothing");

        alter(entry(entity("client-id", "app"), remove("producer_byte_rate"), remove("request_percentage")));
        assertEquals(Map.of("consumer_byte_rate", 2048.0), describe(false).get("client-id=app"));
        alter(entry(entity("client-id", "app"), remove("consumer_byte_rate")));
        assertTrue(describe(false).isEmpty());
        store = new ClientQuotaStore(table);
        assertTrue(describe(false).isEmpty(), "the removal is durable");
    }

    @Test
    void invalidEntriesGetKafkasErrorsEachOnItsOwn() throws Exception {
        AlterClientQuotasResponseData response = alter(
                entry(entity("client-id", "ok"), set("producer_byte_rate", 100)),
                entry(entity("client-id", "unknown-key"), set("producer_rate", 100)),
                entry(entity("client-id", "zero"), set("consumer_byte_rate", 0)),
                entry(entity("client-id", "fraction"), set("producer_byte_rate", 1.5)),
                entry(entity("user", ""), set("producer_byte_rate", 1)),
                entry(entity("ip", "1.2.3.4"), set("producer_byte_rate", 1)),
                entry(entity("ip", "1.2.3.4", "user", "bob"), set("connection_creation_rate", 1)),
                entry(entity("group", "g"), set("producer_byte_rate", 1)),
                entry(entity("client-id", "dup"), set("producer_byte_rate", 1), set("producer_byte_rate", 2)));
        Map<String, String> messages = new HashMap<>();
        response.entries().forEach(e -> messages.put(e.entity().get(0).entityName() + (e.entity().size() > 1 ? "+" : ""),
                Errors.forCode(e.errorCode()) + ": " + e.errorMessage()));
        assertEquals("NONE: null", messages.get("ok"));
        assertEquals("INVALID_REQUEST: Invalid configuration key producer_rate", messages.get("unknown-key"));
        assertEquals("INVALID_REQUEST: Quota consumer_byte_rate must be greater than 0", messages.get("zero"));
        assertEquals("INVALID_REQUEST: producer_byte_rate cannot be a fractional value.", messages.get("fraction"));
        assertEquals("INVALID_REQUEST: Empty user not supported", messages.get(""));
        assertEquals("INVALID_REQUEST: Invalid configuration key producer_byte_rate", messages.get("1.2.3.4"));
        String combination = messages.containsKey("1.2.3.4+") ? messages.get("1.2.3.4+") : messages.get("bob+");
        assertEquals("INVALID_REQUEST: Invalid quota entity combination, IP entity shouldnot be combined with User or ClientId", combination);
        assertEquals("INVALID_REQUEST: Unhandled client quota entity type: group", messages.get("g"));
        assertTrue(messages.get("dup").startsWith("INVALID_REQUEST: Ignoring duplicate entity"), messages.get("dup"));
        assertEquals(Map.of("client-id=ok", Map.of("producer_byte_rate", 100.0)), describe(false), "only the valid entry is stored");
    }

    @Test
    void withoutAlterConfigsOnTheClusterTheRequestIsRefused() throws Exception {
        Authorizer denyAll = (Authorizer) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Authorizer.class},
                (proxy, method, args) -> method.getName().equals("authorize")
                        ? Collections.nCopies(((List<?>) args[1]).size(), AuthorizationResult.DENIED) : null);
        AlterClientQuotasResponseData response = alter(new Authorization(denyAll), false,
                entry(entity("client-id", "app"), set("producer_byte_rate", 1024)));
        assertEquals(Errors.CLUSTER_AUTHORIZATION_FAILED, Errors.forCode(response.entries().get(0).errorCode()));
        assertTrue(describe(false).isEmpty());
    }
}
