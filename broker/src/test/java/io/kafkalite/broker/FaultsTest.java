package io.kafkalite.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkalite.wire.CloseConnectionException;
import io.kafkalite.wire.KafkaRequest;
import io.kafkalite.wire.RequestDispatcher;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.network.ClientInformation;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.JoinGroupRequest;
import org.apache.kafka.common.requests.JoinGroupResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.apache.kafka.common.requests.RequestContext;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The fault injector in front of a fake dispatcher: validation, exact counts, filters, held requests. */
class FaultsTest {
    private final Handlers handlers = new Handlers();
    private final FaultInjector injector = new FaultInjector(handlers, id -> null);
    private final Faults faults = new Faults(injector);
    private final EmbeddedChannel channel = new EmbeddedChannel();

    @AfterEach
    void close() {
        injector.close();
        channel.finishAndReleaseAll();
    }

    @Test
    void namesAndArgumentsAreCheckedAtOnce() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> faults.on("PRODUSE")).getMessage().contains("Unknown API \"PRODUSE\""));
        assertThrows(IllegalArgumentException.class, () -> faults.on(9999));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> faults.on("FETCH_SNAPSHOT")).getMessage().contains("not served"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> faults.on("PRODUCE").failNext(1, "NOT_A_LEADER"))
                .getMessage().contains("Unknown error \"NOT_A_LEADER\""));
        assertThrows(IllegalArgumentException.class, () -> faults.on("PRODUCE").failNext(1, 9999));
        assertThrows(IllegalArgumentException.class, () -> faults.on("PRODUCE").failNext(1, "NONE"));
        assertThrows(IllegalArgumentException.class, () -> faults.on("PRODUCE").failNext(0, "NOT_LEADER_OR_FOLLOWER"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> faults.on("JOIN_GROUP").topic("t")).getMessage().contains("PRODUCE"));
        assertThrows(IllegalArgumentException.class, () -> faults.on("PRODUCE").group("g"));
        assertThrows(IllegalArgumentException.class, () -> faults.on("METADATA").partition(0));
        assertThrows(IllegalArgumentException.class, () -> faults.on("PRODUCE").partition(0).stall());
        assertThrows(IllegalArgumentException.class, () -> faults.on("FETCH").delay(Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> faults.on("FETCH").delay(Duration.ofMinutes(11)));
        assertThrows(IllegalArgumentException.class, () -> faults.on("FETCH").times(3).failNext(2, "NOT_LEADER_OR_FOLLOWER"));
        assertEquals(List.of(), faults.active(), "nothing was installed by a rejected call");
        // numbers work as names do
        assertEquals(ApiKeys.PRODUCE, faults.on(0).failNext(1, 6).api());
        assertEquals(Errors.NOT_LEADER_OR_FOLLOWER, faults.on("produce").failNext(1, "not_leader_or_follower").error());
    }

    @Test
    void faultsAreBounded() {
        for (int i = 0; i < FaultInjector.MAX_FAULTS; i++) {
            faults.on("FETCH").fail("NOT_LEADER_OR_FOLLOWER");
        }
        assertThrows(IllegalStateException.class, () -> faults.on("FETCH").fail("NOT_LEADER_OR_FOLLOWER"));
        faults.clear();
        assertEquals(0, faults.active().size());
    }

    @Test
    void failNextAnswersExactlyThatManyRequestsUnderConcurrency() throws Exception {
        // given
        Fault fault = faults.on("JOIN_GROUP").group("g1").failNext(100, "REBALANCE_IN_PROGRESS");
        ExecutorService threads = Executors.newFixedThreadPool(8);
        AtomicInteger failed = new AtomicInteger();
        // when
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                done.add(threads.submit(() -> {
                    for (int i = 0; i < 50; i++) {
                        JoinGroupResponse r = (JoinGroupResponse) injector.dispatch(request(joinGroup("g1"))).join();
                        if (r.error() == Errors.REBALANCE_IN_PROGRESS) {
                            failed.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(10, TimeUnit.SECONDS);
            }
        } finally {
            threads.shutdownNow();
        }
        // then
        assertEquals(100, failed.get());
        assertEquals(100, fault.hits());
        assertEquals(300, handlers.calls.get(), "the rest reached the handler");
        assertFalse(fault.isActive());
        assertEquals(List.of(), faults.active(), "a used-up fault removes itself");
    }

    @Test
    void groupFilterSkipsOtherGroups() {
        faults.on("JOIN_GROUP").group("g1").failNext(1, "REBALANCE_IN_PROGRESS");
        JoinGroupResponse other = (JoinGroupResponse) injector.dispatch(request(joinGroup("g2"))).join();
        JoinGroupResponse target = (JoinGroupResponse) injector.dispatch(request(joinGroup("g1"))).join();
        assertEquals(Errors.NONE, other.error());
        assertEquals(Errors.REBALANCE_IN_PROGRESS, target.error());
    }

    @Test
    void produceErrorGoesToTheMatchingPartitionOnlyAndTheRestIsHandled() {
        // given
        Fault fault = faults.on("PRODUCE").topic("a").partition(1).failNext(1, "NOT_LEADER_OR_FOLLOWER");
        // when
        ProduceResponse response = (ProduceResponse) injector.dispatch(request(produce(Map.of("a", List.of(0, 1), "b", List.of(1))))).join();
        // then
        assertEquals(Map.of("a-0", Errors.NONE, "a-1", Errors.NOT_LEADER_OR_FOLLOWER, "b-1", Errors.NONE), errors(response));
        assertEquals(Map.of("a-0", Errors.NONE, "b-1", Errors.NONE), errors(Handlers.answer((ProduceRequest) handlers.last)),
                "the handler saw only the other partitions");
        assertEquals(1, fault.hits());
    }

    @Test
    void fetchErrorGoesToTheMatchingTopicOnlyAndTheRestIsFetchedWithoutWaiting() {
        faults.on("FETCH").topic("a").fail("NOT_LEADER_OR_FOLLOWER");
        FetchResponse response = (FetchResponse) injector.dispatch(request(fetch("a", "b"))).join();
        List<String> seen = new ArrayList<>();
        for (FetchResponseData.FetchableTopicResponse t : response.data().responses()) {
            t.partitions().forEach(p -> seen.add(t.topic() + ":" + Errors.forCode(p.errorCode())));
        }
        assertEquals(List.of("b:NONE", "a:NOT_LEADER_OR_FOLLOWER"), seen);
        FetchRequest handled = (FetchRequest) handlers.last;
        assertEquals(1, handled.data().topics().size());
        assertEquals("b", handled.data().topics().get(0).topic());
        assertEquals(0, handled.data().maxWaitMs());
    }

    @Test
    void aStallHoldsTheRequestUntilClearedThenHandlesIt() {
        faults.on("JOIN_GROUP").stall();
        CompletableFuture<AbstractResponse> stalled = injector.dispatch(request(joinGroup("g1")));
        assertFalse(stalled.isDone());
        assertEquals(0, handlers.calls.get());
        faults.clear();
        assertEquals(Errors.NONE, ((JoinGroupResponse) stalled.join()).error());
        assertEquals(1, handlers.calls.get());
    }

    @Test
    void aUsedUpStallKeepsItsRequestUntilRemoved() {
        Fault stall = faults.on("JOIN_GROUP").times(1).stall();
        CompletableFuture<AbstractResponse> stalled = injector.dispatch(request(joinGroup("g1")));
        assertFalse(stall.isActive(), "used up");
        assertTrue(injector.dispatch(request(joinGroup("g1"))).isDone(), "the next request is not stalled");
        assertFalse(stalled.isDone());
        stall.remove();
        assertEquals(Errors.NONE, ((JoinGroupResponse) stalled.join()).error());
    }

    @Test
    void aStalledRequestIsDroppedWhenItsConnectionOrTheBrokerCloses() {
        faults.on("JOIN_GROUP").stall();
        CompletableFuture<AbstractResponse> first = injector.dispatch(request(joinGroup("g1")));
        EmbeddedChannel other = new EmbeddedChannel();
        CompletableFuture<AbstractResponse> second = injector.dispatch(request(joinGroup("g1"), other));
        channel.close();
        assertCloses(first);
        assertFalse(second.isDone());
        injector.close();
        assertCloses(second);
        assertEquals(0, handlers.calls.get());
    }

    @Test
    void aDelayHandlesTheRequestWhenItsTimerFires() {
        faults.on("JOIN_GROUP").times(1).delay(Duration.ofMillis(300));
        channel.freezeTime(); // else the channel's clock also runs in real time, and a 1 ms stall fires the timer early
        CompletableFuture<AbstractResponse> delayed = injector.dispatch(request(joinGroup("g1")));
        channel.advanceTimeBy(299, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertFalse(delayed.isDone());
        channel.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertEquals(Errors.NONE, ((JoinGroupResponse) delayed.join()).error());
        assertTrue(injector.dispatch(request(joinGroup("g1"))).isDone(), "times(1): the next one is not delayed");
    }

    @Test
    void dropsCloseTheConnectionBeforeOrAfterHandling() {
        faults.on("JOIN_GROUP").dropConnection();
        assertCloses(injector.dispatch(request(joinGroup("g1"))));
        assertEquals(0, handlers.calls.get());
        faults.on("JOIN_GROUP").dropResponse();
        assertCloses(injector.dispatch(request(joinGroup("g1"))));
        assertEquals(1, handlers.calls.get(), "handled, then the answer was dropped");
        assertEquals(Errors.NONE, ((JoinGroupResponse) injector.dispatch(request(joinGroup("g1"))).join()).error(), "each drops one");
    }

    private static void assertCloses(CompletableFuture<AbstractResponse> future) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> future.get(1, TimeUnit.SECONDS));
        assertInstanceOf(CloseConnectionException.class, e.getCause());
    }

    private KafkaRequest request(AbstractRequest body) {
        return request(body, channel);
    }

    private static KafkaRequest request(AbstractRequest body, EmbeddedChannel channel) {
        RequestHeader header = new RequestHeader(body.apiKey(), body.version(), "test", 1);
        RequestContext context = new RequestContext(header, "c", InetAddress.getLoopbackAddress(), KafkaPrincipal.ANONYMOUS,
                new ListenerName("PLAINTEXT"), SecurityProtocol.PLAINTEXT, ClientInformation.EMPTY, false);
        return new KafkaRequest(context, body, channel.eventLoop(), channel.closeFuture());
    }

    private static JoinGroupRequest joinGroup(String group) {
        return new JoinGroupRequest.Builder(new JoinGroupRequestData().setGroupId(group).setProtocolType("consumer")
                .setSessionTimeoutMs(10000)).build((short) 9);
    }

    private static ProduceRequest produce(Map<String, List<Integer>> partitions) {
        ProduceRequestData.TopicProduceDataCollection topics = new ProduceRequestData.TopicProduceDataCollection();
        partitions.forEach((topic, indexes) -> topics.add(new ProduceRequestData.TopicProduceData().setName(topic).setPartitionData(
                indexes.stream().map(i -> new ProduceRequestData.PartitionProduceData().setIndex(i).setRecords(MemoryRecords.EMPTY)).toList())));
        return new ProduceRequest(new ProduceRequestData().setAcks((short) -1).setTimeoutMs(1000).setTopicData(topics), (short) 11);
    }

    private static FetchRequest fetch(String... topics) {
        List<FetchRequestData.FetchTopic> list = new ArrayList<>();
        for (String t : topics) {
            list.add(new FetchRequestData.FetchTopic().setTopic(t).setTopicId(Uuid.ZERO_UUID)
                    .setPartitions(List.of(new FetchRequestData.FetchPartition().setPartition(0))));
        }
        return new FetchRequest(new FetchRequestData().setMaxWaitMs(500).setTopics(list), (short) 12);
    }

    /** "topic-partition" to error, for every partition of a Produce response. */
    private static Map<String, Errors> errors(ProduceResponse response) {
        Map<String, Errors> errors = new java.util.HashMap<>();
        for (ProduceResponseData.TopicProduceResponse t : response.data().responses()) {
            t.partitionResponses().forEach(p -> errors.put(t.name() + "-" + p.index(), Errors.forCode(p.errorCode())));
        }
        return errors;
    }

    /** Answers Produce, Fetch and JoinGroup without error and remembers the last request; serves every API but FETCH_SNAPSHOT. */
    private static final class Handlers implements RequestDispatcher {
        final AtomicInteger calls = new AtomicInteger();
        volatile AbstractRequest last;

        @Override
        public boolean isSupported(ApiKeys api, short version) {
            return api != ApiKeys.FETCH_SNAPSHOT;
        }

        @Override
        public CompletableFuture<AbstractResponse> dispatch(KafkaRequest request) {
            calls.incrementAndGet();
            last = request.body();
            AbstractResponse response = switch (request.body().apiKey()) {
                case PRODUCE -> answer((ProduceRequest) request.body());
                case FETCH -> {
                    List<FetchResponseData.FetchableTopicResponse> topics = new ArrayList<>();
                    ((FetchRequest) request.body()).data().topics().forEach(t -> topics.add(new FetchResponseData.FetchableTopicResponse()
                            .setTopic(t.topic()).setPartitions(List.of(FetchResponse.partitionResponse(0, Errors.NONE)))));
                    yield FetchResponse.of(new FetchResponseData().setResponses(topics));
                }
                default -> new JoinGroupResponse(new JoinGroupResponseData(), request.body().version());
            };
            return CompletableFuture.completedFuture(response);
        }

        static ProduceResponse answer(ProduceRequest request) {
            ProduceResponseData data = new ProduceResponseData();
            for (ProduceRequestData.TopicProduceData t : request.data().topicData()) {
                ProduceResponseData.TopicProduceResponse topic = new ProduceResponseData.TopicProduceResponse().setName(t.name());
                t.partitionData().forEach(p -> topic.partitionResponses().add(new ProduceResponseData.PartitionProduceResponse().setIndex(p.index())));
                data.responses().add(topic);
            }
            return new ProduceResponse(data);
        }
    }
}
