package io.kafkalite.handlers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkalite.handlers.quota.ClientQuotaStore;
import io.kafkalite.logstore.LogStore;
import java.lang.reflect.Proxy;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.message.DescribeClientQuotasRequestData;
import org.apache.kafka.common.message.DescribeClientQuotasRequestData.ComponentData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.protocol.MessageUtil;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.DescribeClientQuotasRequest;
import org.apache.kafka.common.requests.DescribeClientQuotasResponse;
import org.apache.kafka.server.authorizer.AuthorizationResult;
import org.apache.kafka.server.authorizer.Authorizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DescribeClientQuotasHandlerTest {

    private static ComponentData component(String type, byte matchType, String match) {
        return new ComponentData().setEntityType(type).setMatchType(matchType).setMatch(match);
    }

    /** The answer as the client sees it, through the registry so a thrown ApiException becomes the error response. */
    private static DescribeClientQuotasResponse describe(Authorization authorization, short version, ComponentData... components)
            throws Exception {
        DescribeClientQuotasRequest request = HandlerCalls.request(ApiKeys.DESCRIBE_CLIENT_QUOTAS,
                new DescribeClientQuotasRequestData().setComponents(List.of(components)), version);
        AbstractResponse response = new HandlerRegistry(Runnable::run)
                .register(new DescribeClientQuotasHandler(new ClientQuotaStore(LogStore.inMemory(Map.of()).durableMap("q")), authorization))
                .dispatch(HandlerCalls.context(request)).get(10, TimeUnit.SECONDS);
        return (DescribeClientQuotasResponse) AbstractResponse.parseResponse(ApiKeys.DESCRIBE_CLIENT_QUOTAS,
                MessageUtil.toByteBufferAccessor(response.data(), version), version);
    }

    @ParameterizedTest
    @ValueSource(shorts = {0, 1})
    void aValidFilterMatchesNoEntityAsNoQuotaIsSet(short version) throws Exception {
        // what kafka-configs --describe --entity-type users --entity-name bob sends
        DescribeClientQuotasResponse response = describe(Authorization.NONE, version,
                component("user", DescribeClientQuotasRequest.MATCH_TYPE_EXACT, "bob"));
        assertEquals(Errors.NONE, Errors.forCode(response.data().errorCode()));
        assertTrue(response.data().entries().isEmpty(), response.data().toString());
    }

    @Test
    void anInvalidFilterGetsKafkasErrorAndMessage() throws Exception {
        DescribeClientQuotasResponse twice = describe(Authorization.NONE, (short) 1,
                component("user", DescribeClientQuotasRequest.MATCH_TYPE_EXACT, "bob"),
                component("user", DescribeClientQuotasRequest.MATCH_TYPE_SPECIFIED, null));
        assertEquals(Errors.INVALID_REQUEST, Errors.forCode(twice.data().errorCode()));
        assertEquals("Entity type user cannot appear more than once in the filter.", twice.data().errorMessage());

        DescribeClientQuotasResponse exactWithoutMatch = describe(Authorization.NONE, (short) 1,
                component("client-id", DescribeClientQuotasRequest.MATCH_TYPE_EXACT, null));
        assertEquals(Errors.INVALID_REQUEST, Errors.forCode(exactWithoutMatch.data().errorCode()));

        DescribeClientQuotasResponse ipWithUser = describe(Authorization.NONE, (short) 1,
                component("ip", DescribeClientQuotasRequest.MATCH_TYPE_DEFAULT, null),
                component("user", DescribeClientQuotasRequest.MATCH_TYPE_SPECIFIED, null));
        assertEquals(Errors.INVALID_REQUEST, Errors.forCode(ipWithUser.data().errorCode()));

        DescribeClientQuotasResponse unknownType = describe(Authorization.NONE, (short) 1,
                component("group", DescribeClientQuotasRequest.MATCH_TYPE_SPECIFIED, null));
        assertEquals(Errors.UNSUPPORTED_VERSION, Errors.forCode(unknownType.data().errorCode()));
        assertEquals("Unsupported entity type group", unknownType.data().errorMessage());
    }

    @Test
    void withoutDescribeConfigsOnTheClusterTheRequestIsRefused() throws Exception {
        Authorizer denyAll = (Authorizer) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Authorizer.class},
                (proxy, method, args) -> method.getName().equals("authorize")
                        ? Collections.nCopies(((List<?>) args[1]).size(), AuthorizationResult.DENIED) : null);
        DescribeClientQuotasResponse response = describe(new Authorization(denyAll), (short) 1,
                component("user", DescribeClientQuotasRequest.MATCH_TYPE_EXACT, "bob"));
        assertEquals(Errors.CLUSTER_AUTHORIZATION_FAILED, Errors.forCode(response.data().errorCode()));
    }
}
