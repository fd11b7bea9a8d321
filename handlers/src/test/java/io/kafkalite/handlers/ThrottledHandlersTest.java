package io.kafkalite.handlers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkalite.handlers.quota.ClientQuotaStore;
import io.kafkalite.handlers.quota.ClientQuotas;
import io.kafkalite.logstore.LogStore;
import io.kafkalite.wire.KafkaRequest;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.network.ClientInformation;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.quota.ClientQuotaAlteration;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.apache.kafka.common.requests.RequestContext;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Produce and Fetch under byte-rate quotas (2 samples of 1 s): throttle time, the empty throttled fetch, the max_bytes cap. */
class ThrottledHandlersTest {
    private static final TopicPartition TP = new TopicPartition("t", 0);
    private static final byte[] KB = new byte[1000];
    /** The quota windows' clock stands still: the throttles below do not depend on how fast the test runs. */
    private static final LongSupplier NOW = () -> 1_700_000_000_000L;

    private final LogStore store = LogStore.inMemory(Map.of());
    private final ClientQuotas quotas = new ClientQuotas(new ClientQuotaStore(store.durableMap("client_quotas")), 2, 1);

    @BeforeEach
    void setUp() throws Exception {
        store.createTopic("t", 1, Map.of());
        for (int i = 0; i < 10; i++) {
            store.append(store.partition(TP), kilobyte(), System.currentTimeMillis());
        }
    }

    @AfterEach
    void tearDown() {
        store.close();
    }

    private static MemoryRecords kilobyte() {
        return MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(KB));
    }

    private void quota(String clientId, String key, double value) throws Exception {
        quotas.store().alter(List.of(new ClientQuotaAlteration(new ClientQuotaEntity(Map.of(ClientQuotaEntity.CLIENT_ID, clientId)),
                List.of(new ClientQuotaAlteration.Op(key, value)))), false).get(10, TimeUnit.SECONDS);
    }

    private static KafkaRequest from(String clientId, AbstractRequest body) {
        RequestHeader header = new RequestHeader(body.apiKey(), body.version(), clientId, 1);
        RequestContext ctx = new RequestContext(header, "c", InetAddress.getLoopbackAddress(), KafkaPrincipal.ANONYMOUS,
                new ListenerName("PLAINTEXT"), SecurityProtocol.PLAINTEXT, ClientInformation.EMPTY, false);
        return new KafkaRequest(ctx, body, null, null);
    }

    private FetchResponse fetch(ThrottledFetchHandler handler, String clientId, FetchRequest body) throws Exception {
        return (FetchResponse) handler.handle(from(clientId, body), body).get(10, TimeUnit.SECONDS);
    }

    private static FetchRequest fetchFromStart() {
        short version = 12;
        return FetchRequest.Builder.forConsumer(version, 0, 1, Map.of(TP, new FetchRequest.PartitionData(Uuid.ZERO_UUID, 0, 0, 1 << 20,
                Optional.empty()))).build(version);
    }

    private static int recordBytes(FetchResponse response) {
        return response.data().responses().stream().flatMap(t -> t.partitions().stream())
                .mapToInt(p -> p.records() == null ? 0 : p.records().sizeInBytes()).sum();
    }

    @Test
    void aFetchIsCappedAtTheQuotaWindowThenAnsweredEmptyWithAThrottle() throws Exception {
        // given 1500 B/s for client a: at most 1500 bytes per fetch (one window of the two)
        quota("a", "consumer_byte_rate", 1500);
        ThrottledFetchHandler handler = new ThrottledFetchHandler(new FetchHandler(store, Runnable::run, Authorization.NONE), quotas, NOW);

        // when / then: the first fetch returns one whole batch, not the 1 MB asked for
        FetchRequest first = fetchFromStart();
        FetchResponse answered = fetch(handler, "a", first);
        assertEquals(1500, first.maxBytes(), "max_bytes capped");
        assertEquals(kilobyte().sizeInBytes(), recordBytes(answered));
        assertEquals(0, answered.throttleTimeMs());

        // when the next one takes the rate over, then it is answered empty with the throttle time
        FetchResponse throttled = fetch(handler, "a", fetchFromStart());
        assertTrue(throttled.throttleTimeMs() > 0, "throttle " + throttled.throttleTimeMs());
        assertTrue(throttled.data().responses().isEmpty(), "no data in a throttled fetch");

        // another client id has no quota: everything at once
        FetchRequest other = fetchFromStart();
        FetchResponse free = fetch(handler, "b", other);
        assertEquals(10 * kilobyte().sizeInBytes(), recordBytes(free));
        assertEquals(0, free.throttleTimeMs());
        assertTrue(other.maxBytes() > 1500, "not capped: " + other.maxBytes());
    }

    @Test
    void aProduceOverTheQuotaIsAppendedAndAnsweredWithAThrottle() throws Exception {
        quota("a", "producer_byte_rate", 1500);
        ThrottledProduceHandler handler = new ThrottledProduceHandler(new ProduceHandler(store, null, Runnable::run, Authorization.NONE), quotas, NOW);
        ProduceRequest first = ProduceHandlerTest.produce((short) 9, (short) 1, "t", null, 0, kilobyte());
        ProduceResponse within = (ProduceResponse) handler.handle(from("a", first), first).get();
        assertEquals(0, within.throttleTimeMs(), "a 1.1 KB request in a 1 s window is within 1500 B/s");

        ProduceRequest second = ProduceHandlerTest.produce((short) 9, (short) 1, "t", null, 0, kilobyte());
        ProduceResponse over = (ProduceResponse) handler.handle(from("a", second), second).get();
        assertTrue(over.throttleTimeMs() > 300 && over.throttleTimeMs() < 600, "about (2.2 KB/s - 1.5 KB/s) / 1.5 KB/s x 1 s: "
                + over.throttleTimeMs());
        assertEquals(11, ProduceHandlerTest.only(over).baseOffset(), "the data is appended all the same");

        ProduceRequest other = ProduceHandlerTest.produce((short) 9, (short) 1, "t", null, 0, kilobyte());
        assertEquals(0, ((ProduceResponse) handler.handle(from("b", other), other).get()).throttleTimeMs(), "b has no quota");
        assertEquals(ApiKeys.PRODUCE, handler.apiKey());
    }
}
