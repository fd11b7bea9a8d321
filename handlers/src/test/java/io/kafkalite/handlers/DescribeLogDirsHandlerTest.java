package io.kafkalite.handlers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkalite.logstore.LogStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.message.DescribeLogDirsRequestData;
import org.apache.kafka.common.message.DescribeLogDirsRequestData.DescribableLogDirTopic;
import org.apache.kafka.common.message.DescribeLogDirsRequestData.DescribableLogDirTopicCollection;
import org.apache.kafka.common.message.DescribeLogDirsResponseData.DescribeLogDirsResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.protocol.MessageUtil;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.DescribeLogDirsRequest;
import org.apache.kafka.common.requests.DescribeLogDirsResponse;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DescribeLogDirsHandlerTest {
    @TempDir
    Path root;

    /** The answer as the client sees it at {@code version}. */
    private static DescribeLogDirsResponse describe(LogStore store, Authorization authorization, DescribeLogDirsRequestData data,
                                                    short version) throws Exception {
        DescribeLogDirsRequest request = HandlerCalls.request(ApiKeys.DESCRIBE_LOG_DIRS, data, version);
        AbstractResponse response = new HandlerRegistry(Runnable::run).register(new DescribeLogDirsHandler(store, authorization))
                .dispatch(HandlerCalls.context(request)).get(10, TimeUnit.SECONDS);
        return (DescribeLogDirsResponse) AbstractResponse.parseResponse(ApiKeys.DESCRIBE_LOG_DIRS,
                MessageUtil.toByteBufferAccessor(response.data(), version), version);
    }

    private static DescribeLogDirsRequestData all() {
        return new DescribeLogDirsRequestData().setTopics(null);
    }

    private static List<String> partitions(DescribeLogDirsResult dir) {
        List<String> names = new ArrayList<>();
        dir.topics().forEach(t -> t.partitions().forEach(p -> names.add(t.name() + "-" + p.partitionIndex())));
        return names.stream().sorted().toList();
    }

    @Test
    void everyDirectoryWithItsPartitionsOrOnlyThoseAskedFor() throws Exception {
        try (LogStore store = LogStore.open(List.of(root.resolve("a"), root.resolve("b")), Map.of())) {
            store.createTopic("x", 2, Map.of());
            store.createTopic("y", 2, Map.of());
            // when: everything, at v4
            DescribeLogDirsResponse everything = describe(store, Authorization.NONE, all(), (short) 4);
            // then: both directories in order, two partitions each, with the volume's sizes
            List<DescribeLogDirsResult> dirs = everything.data().results();
            assertEquals(List.of(root.resolve("a").toString(), root.resolve("b").toString()), dirs.stream().map(DescribeLogDirsResult::logDir).toList());
            assertEquals(List.of("x-0", "y-0"), partitions(dirs.get(0)));
            assertEquals(List.of("x-1", "y-1"), partitions(dirs.get(1)));
            assertTrue(dirs.get(0).totalBytes() > 0 && dirs.get(0).usableBytes() > 0, dirs.get(0).toString());
            dirs.forEach(d -> d.topics().forEach(t -> t.partitions().forEach(p -> {
                assertEquals(0, p.partitionSize()); // nothing written yet
                assertEquals(0, p.offsetLag());
            })));
            // when: one topic's partitions 1 and 7 (which does not exist), at v3 (no volume sizes)
            DescribableLogDirTopicCollection asked = new DescribableLogDirTopicCollection();
            asked.add(new DescribableLogDirTopic().setTopic("y").setPartitions(List.of(1, 7)));
            DescribeLogDirsResponse some = describe(store, Authorization.NONE, new DescribeLogDirsRequestData().setTopics(asked), (short) 3);
            // then
            assertEquals(List.of(), partitions(some.data().results().get(0)));
            assertEquals(List.of("y-1"), partitions(some.data().results().get(1)));
            assertEquals(-1, some.data().results().get(1).totalBytes());
        }
    }

    @Test
    void withoutDescribeOnTheClusterTheAnswerIsClusterAuthorizationFailed() throws Exception {
        try (LogStore store = LogStore.open(root.resolve("a"), Map.of())) {
            FakeAuthorizer nothing = new FakeAuthorizer();
            DescribeLogDirsResponse refused = describe(store, new Authorization(nothing), all(), (short) 4);
            assertEquals(Errors.CLUSTER_AUTHORIZATION_FAILED, Errors.forCode(refused.data().errorCode()));
            assertEquals(List.of(), refused.data().results());
            // and: with DESCRIBE on the cluster
            FakeAuthorizer describeCluster = new FakeAuthorizer().allow("User:ANONYMOUS", AclOperation.DESCRIBE, ResourceType.CLUSTER,
                    Authorization.CLUSTER_NAME);
            DescribeLogDirsResponse allowed = describe(store, new Authorization(describeCluster), all(), (short) 4);
            assertEquals(Errors.NONE, Errors.forCode(allowed.data().errorCode()));
            assertEquals(1, allowed.data().results().size());
        }
    }

    @Test
    void anInMemoryBrokerHasNoLogDirectory() throws Exception {
        try (LogStore store = LogStore.inMemory(Map.of())) {
            store.createTopic("x", 1, Map.of());
            assertEquals(List.of(), describe(store, Authorization.NONE, all(), (short) 4).data().results());
        }
    }
}
