package io.kafkalite.handlers;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kafkalite.acl.AclAuthorizer;
import io.kafkalite.logstore.LogStore;
import io.kafkalite.wire.KafkaRequest;
import java.net.InetAddress;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AccessControlEntryFilter;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.message.CreateAclsRequestData;
import org.apache.kafka.common.message.CreateAclsRequestData.AclCreation;
import org.apache.kafka.common.message.CreateAclsResponseData.AclCreationResult;
import org.apache.kafka.common.message.DeleteAclsRequestData;
import org.apache.kafka.common.message.DeleteAclsResponseData.DeleteAclsFilterResult;
import org.apache.kafka.common.message.DescribeAclsResponseData.DescribeAclsResource;
import org.apache.kafka.common.network.ClientInformation;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.protocol.MessageUtil;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.CreateAclsRequest;
import org.apache.kafka.common.requests.CreateAclsResponse;
import org.apache.kafka.common.requests.DeleteAclsRequest;
import org.apache.kafka.common.requests.DeleteAclsResponse;
import org.apache.kafka.common.requests.DescribeAclsRequest;
import org.apache.kafka.common.requests.DescribeAclsResponse;
import org.apache.kafka.common.requests.RequestContext;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourcePatternFilter;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** CreateAcls, DescribeAcls and DeleteAcls over a real {@link AclAuthorizer} on an in-memory table. */
class AclHandlersTest {
    private static final String ADMIN = "User:admin";

    private final AclAuthorizer authorizer = new AclAuthorizer(LogStore.inMemory(Map.of()).durableMap("acls"));
    private final Authorization authorization = new Authorization(authorizer);
    private final CreateAclsHandler create = new CreateAclsHandler(authorization);
    private final DescribeAclsHandler describe = new DescribeAclsHandler(authorization);
    private final DeleteAclsHandler delete = new DeleteAclsHandler(authorization);

    AclHandlersTest() {
        authorizer.configure(Map.of(AclAuthorizer.SUPER_USERS_CONFIG, ADMIN));
    }

    /** The handler's answer to {@code body} from {@code principal}, serialized and parsed as the client sees it. */
    @SuppressWarnings("unchecked")
    private static <T extends AbstractRequest, R extends AbstractResponse> R answer(Handler<T> handler, T body, String principal)
            throws Exception {
        RequestHeader header = new RequestHeader(body.apiKey(), body.version(), "acl-test", 3);
        String[] p = principal.split(":", 2);
        RequestContext context = new RequestContext(header, "acl-test-connection", InetAddress.getLoopbackAddress(),
                new KafkaPrincipal(p[0], p[1]), ListenerName.forSecurityProtocol(SecurityProtocol.PLAINTEXT),
                SecurityProtocol.PLAINTEXT, ClientInformation.EMPTY, false);
        AbstractResponse response;
        try {
            response = handler.handle(new KafkaRequest(context, body, null, null), body).get(10, TimeUnit.SECONDS);
        } catch (org.apache.kafka.common.errors.ApiException e) {
            response = body.getErrorResponse(e); // what the registry answers for a thrown ApiException
        }
        return (R) AbstractResponse.parseResponse(body.apiKey(), MessageUtil.toByteBufferAccessor(response.data(), body.version()),
                body.version());
    }

    private static AclCreation creation(ResourceType type, String name, PatternType pattern, String principal, AclOperation op,
                                        AclPermissionType permission) {
        return new AclCreation().setResourceType(type.code()).setResourceName(name).setResourcePatternType(pattern.code())
                .setPrincipal(principal).setHost("*").setOperation(op.code()).setPermissionType(permission.code());
    }

    private static CreateAclsRequest createRequest(short version, AclCreation... creations) {
        return HandlerCalls.request(ApiKeys.CREATE_ACLS, new CreateAclsRequestData().setCreations(List.of(creations)), version);
    }

    private static DescribeAclsRequest describeRequest(AclBindingFilter filter, short version) {
        return new DescribeAclsRequest.Builder(filter).build(version);
    }

    private static DeleteAclsRequest deleteRequest(short version, AclBindingFilter... filters) {
        return new DeleteAclsRequest.Builder(new DeleteAclsRequestData().setFilters(
                List.of(filters).stream().map(DeleteAclsRequest::deleteAclsFilter).toList())).build(version);
    }

    private static AclBinding binding(ResourceType type, String name, PatternType pattern, String principal, AclOperation op,
                                      AclPermissionType permission) {
        return new AclBinding(new ResourcePattern(type, name, pattern), new AccessControlEntry(principal, "*", op, permission));
    }

    private static List<String> errors(CreateAclsResponse response) {
        return response.results().stream().map(r -> Errors.forCode(r.errorCode()) + (r.errorMessage() == null || r.errorMessage().isEmpty() ? "" : ": " + r.errorMessage()))
                .toList();
    }

    @ParameterizedTest
    @ValueSource(shorts = {1, 2, 3})
    void createValidatesEachCreationAndStoresTheRest(short version) throws Exception {
        // given
        CreateAclsRequest request = createRequest(version,
                creation(ResourceType.TOPIC, "orders-", PatternType.PREFIXED, "User:bob", AclOperation.READ, AclPermissionType.ALLOW),
                creation(ResourceType.CLUSTER, "other", PatternType.LITERAL, "User:bob", AclOperation.ALTER, AclPermissionType.ALLOW),
                creation(ResourceType.TOPIC, "", PatternType.LITERAL, "User:bob", AclOperation.READ, AclPermissionType.ALLOW),
                creation(ResourceType.TOPIC, "t", PatternType.MATCH, "User:bob", AclOperation.READ, AclPermissionType.ALLOW),
                creation(ResourceType.ANY, "t", PatternType.LITERAL, "User:bob", AclOperation.READ, AclPermissionType.ALLOW),
                creation(ResourceType.TOPIC, "t", PatternType.LITERAL, "User:bob", AclOperation.ANY, AclPermissionType.ALLOW),
                creation(ResourceType.TOPIC, "t", PatternType.LITERAL, "User:bob", AclOperation.READ, AclPermissionType.ANY),
                creation(ResourceType.TOPIC, "t", PatternType.LITERAL, "bob", AclOperation.READ, AclPermissionType.ALLOW),
                creation(ResourceType.CLUSTER, "kafka-cluster", PatternType.LITERAL, "User:bob", AclOperation.DESCRIBE, AclPermissionType.DENY));

        // when
        CreateAclsResponse response = answer(create, request, ADMIN);

        // then
        assertEquals(List.of("NONE",
                "INVALID_REQUEST: The only valid name for the CLUSTER resource is kafka-cluster",
                "INVALID_REQUEST: Invalid empty resource name",
                "INVALID_REQUEST: Invalid patternType MATCH",
                "INVALID_REQUEST: Invalid resourceType ANY",
                "INVALID_REQUEST: Invalid operation ANY",
                "INVALID_REQUEST: Invalid permissionType ANY",
                "INVALID_REQUEST: Invalid principal: expected a string in format principalType:principalName but got bob",
                "NONE"), errors(response));
        assertEquals(List.of(
                binding(ResourceType.TOPIC, "orders-", PatternType.PREFIXED, "User:bob", AclOperation.READ, AclPermissionType.ALLOW),
                binding(ResourceType.CLUSTER, "kafka-cluster", PatternType.LITERAL, "User:bob", AclOperation.DESCRIBE, AclPermissionType.DENY)),
                authorizer.acls(AclBindingFilter.ANY));
    }

    @Test
    void aclApisNeedTheClusterOperation() throws Exception {
        // given bob may describe the cluster but not alter it
        authorizer.createAcls(null, List.of(binding(ResourceType.CLUSTER, "kafka-cluster", PatternType.LITERAL, "User:bob",
                AclOperation.DESCRIBE, AclPermissionType.ALLOW))).get(0).toCompletableFuture().join();
        CreateAclsRequest createT = createRequest((short) 3,
                creation(ResourceType.TOPIC, "t", PatternType.LITERAL, "User:bob", AclOperation.ALL, AclPermissionType.ALLOW),
                creation(ResourceType.TOPIC, "u", PatternType.LITERAL, "User:bob", AclOperation.ALL, AclPermissionType.ALLOW));

        // when
        CreateAclsResponse created = answer(create, createT, "User:bob");
        DeleteAclsResponse deleted = answer(delete, deleteRequest((short) 3, AclBindingFilter.ANY), "User:bob");
        DescribeAclsResponse described = answer(describe, describeRequest(AclBindingFilter.ANY, (short) 3), "User:bob");
        DescribeAclsResponse describedByCarol = answer(describe, describeRequest(AclBindingFilter.ANY, (short) 3), "User:carol");

        // then
        assertEquals(List.of(Errors.CLUSTER_AUTHORIZATION_FAILED.code(), Errors.CLUSTER_AUTHORIZATION_FAILED.code()),
                created.results().stream().map(AclCreationResult::errorCode).toList());
        assertEquals(List.of(Errors.CLUSTER_AUTHORIZATION_FAILED.code()),
                deleted.filterResults().stream().map(DeleteAclsFilterResult::errorCode).toList());
        assertEquals(Errors.NONE, described.error().error());
        assertEquals(1, described.acls().size());
        assertEquals(Errors.CLUSTER_AUTHORIZATION_FAILED, describedByCarol.error().error());
        assertEquals(1, authorizer.aclCount());
    }

    @Test
    void describeGroupsTheMatchingAclsByResource() throws Exception {
        // given
        answer(create, createRequest((short) 3,
                creation(ResourceType.TOPIC, "orders-", PatternType.PREFIXED, "User:bob", AclOperation.READ, AclPermissionType.ALLOW),
                creation(ResourceType.TOPIC, "orders-", PatternType.PREFIXED, "User:carol", AclOperation.WRITE, AclPermissionType.ALLOW),
                creation(ResourceType.TOPIC, "orders-eu", PatternType.LITERAL, "User:bob", AclOperation.READ, AclPermissionType.DENY),
                creation(ResourceType.TOPIC, "payments", PatternType.LITERAL, "User:bob", AclOperation.READ, AclPermissionType.ALLOW),
                creation(ResourceType.GROUP, "g", PatternType.LITERAL, "User:bob", AclOperation.READ, AclPermissionType.ALLOW)), ADMIN);
        AclBindingFilter matchOrdersEu = new AclBindingFilter(new ResourcePatternFilter(ResourceType.TOPIC, "orders-eu", PatternType.MATCH),
                AccessControlEntryFilter.ANY);

        // when
        DescribeAclsResponse response = answer(describe, describeRequest(matchOrdersEu, (short) 3), ADMIN);

        // then
        assertEquals(Errors.NONE, response.error().error());
        List<DescribeAclsResource> resources = response.acls().stream().sorted(Comparator.comparing(DescribeAclsResource::resourceName)).toList();
        assertEquals(List.of("orders-", "orders-eu"), resources.stream().map(DescribeAclsResource::resourceName).toList());
        assertEquals(PatternType.PREFIXED.code(), resources.get(0).patternType());
        assertEquals(List.of("User:bob", "User:carol"), resources.get(0).acls().stream().map(a -> a.principal()).sorted().toList());
        assertEquals(PatternType.LITERAL.code(), resources.get(1).patternType());
        assertEquals(AclPermissionType.DENY.code(), resources.get(1).acls().get(0).permissionType());
        DescribeAclsResponse all = answer(describe, describeRequest(AclBindingFilter.ANY, (short) 1), ADMIN);
        assertEquals(5, DescribeAclsResponse.aclBindings(all.acls()).size());
    }

    @Test
    void deleteAnswersEachFilterWithWhatItDeleted() throws Exception {
        // given
        answer(create, createRequest((short) 3,
                creation(ResourceType.TOPIC, "t", PatternType.LITERAL, "User:bob", AclOperation.READ, AclPermissionType.ALLOW),
                creation(ResourceType.TOPIC, "t", PatternType.PREFIXED, "User:bob", AclOperation.WRITE, AclPermissionType.ALLOW),
                creation(ResourceType.GROUP, "g", PatternType.LITERAL, "User:carol", AclOperation.READ, AclPermissionType.ALLOW)), ADMIN);
        AclBindingFilter bobsTopics = new AclBindingFilter(new ResourcePatternFilter(ResourceType.TOPIC, null, PatternType.ANY),
                new AccessControlEntryFilter("User:bob", null, AclOperation.ANY, AclPermissionType.ANY));
        AclBindingFilter nothing = new AclBindingFilter(new ResourcePatternFilter(ResourceType.TOPIC, "none", PatternType.LITERAL),
                AccessControlEntryFilter.ANY);

        // when
        DeleteAclsResponse response = answer(delete, deleteRequest((short) 3, bobsTopics, nothing), ADMIN);

        // then
        assertEquals(2, response.filterResults().size());
        DeleteAclsFilterResult first = response.filterResults().get(0);
        assertEquals(Errors.NONE.code(), first.errorCode());
        assertEquals(List.of(
                binding(ResourceType.TOPIC, "t", PatternType.LITERAL, "User:bob", AclOperation.READ, AclPermissionType.ALLOW),
                binding(ResourceType.TOPIC, "t", PatternType.PREFIXED, "User:bob", AclOperation.WRITE, AclPermissionType.ALLOW)),
                first.matchingAcls().stream().map(DeleteAclsResponse::aclBinding).toList());
        assertEquals(List.of(), response.filterResults().get(1).matchingAcls());
        assertEquals(List.of(binding(ResourceType.GROUP, "g", PatternType.LITERAL, "User:carol", AclOperation.READ, AclPermissionType.ALLOW)),
                authorizer.acls(AclBindingFilter.ANY));
    }

    @Test
    void withoutAnAuthorizerTheAnswerIsSecurityDisabled() throws Exception {
        // given
        CreateAclsHandler createOff = new CreateAclsHandler(Authorization.NONE);
        DescribeAclsHandler describeOff = new DescribeAclsHandler(Authorization.NONE);
        DeleteAclsHandler deleteOff = new DeleteAclsHandler(Authorization.NONE);

        // when
        CreateAclsResponse created = answer(createOff, createRequest((short) 3,
                creation(ResourceType.TOPIC, "t", PatternType.LITERAL, "User:bob", AclOperation.READ, AclPermissionType.ALLOW)), "User:ANONYMOUS");
        DescribeAclsResponse described = answer(describeOff, describeRequest(AclBindingFilter.ANY, (short) 3), "User:ANONYMOUS");
        DeleteAclsResponse deleted = answer(deleteOff, deleteRequest((short) 3, AclBindingFilter.ANY), "User:ANONYMOUS");

        // then
        assertEquals(List.of("SECURITY_DISABLED: No Authorizer is configured."), errors(created));
        assertEquals(Errors.SECURITY_DISABLED, described.error().error());
        assertEquals("No Authorizer is configured on the broker", described.error().message());
        assertEquals(Errors.SECURITY_DISABLED.code(), deleted.filterResults().get(0).errorCode());
    }
}
