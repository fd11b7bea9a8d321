package io.kafkalite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkalite.handlers.HandlerHooks;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.CreateTopicsRequest;
import org.apache.kafka.common.requests.CreateTopicsResponse;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.MetadataResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka's connection model: one request at a time per connection, handlers off the network threads,
 * and the connection configs ({@code connections.max.idle.ms}, {@code max.connections},
 * {@code max.connections.per.ip}). Each test starts its own broker with the configs it needs.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // socket reads ignore interrupts
class ConnectionModelTest {
    private static final int PIPELINED = 10_000;

    @TempDir
    Path dataDir;

    @AfterEach
    void removeHook() {
        HandlerHooks.beforeHandle(null);
    }

    @Test
    void aClientThatPipelinesAndNeverReadsGetsNoProcessingAheadAndOthersKeepWorking() throws Exception {
        try (TestBroker broker = TestBroker.start(dataDir, Map.of())) {
            // given: a topic whose one record makes every fetch response ~1 MB (the kernel's socket buffers,
            // autotuned up to a few MB, hold only a few of them)
            bigRecordTopic(broker, "big");
            AtomicInteger handled = new AtomicInteger();
            HandlerHooks.beforeHandle(r -> {
                if ("pipeliner".equals(r.context().clientId())) {
                    handled.incrementAndGet();
                }
            });
            byte[] requests = frames("pipeliner", PIPELINED, fetch("big"));
            try (Socket pipeliner = new Socket()) {
                pipeliner.setReceiveBufferSize(8192);
                pipeliner.connect(new InetSocketAddress("localhost", broker.port()));
                // when: 10,000 fetches in one write, never a read (the write blocks once the broker stops reading)
                CompletableFuture<Void> writing = CompletableFuture.runAsync(() -> writeQuietly(pipeliner, requests));
                Thread.sleep(2000);
                int afterTwoSeconds = handled.get();
                // then: other clients are served meanwhile
                try (RawClient other = new RawClient(broker.port())) {
                    MetadataResponse m = other.call(metadata("big"));
                    assertEquals(Errors.NONE.code(), m.data().topics().find("big").errorCode());
                }
                try (Admin admin = broker.admin()) {
                    assertTrue(admin.listTopics().names().get(10, TimeUnit.SECONDS).contains("big"));
                }
                Thread.sleep(1000);
                org.slf4j.LoggerFactory.getLogger(ConnectionModelTest.class).info("{} of {} pipelined fetches processed", handled.get(), PIPELINED);
                assertTrue(afterTwoSeconds >= 1, "the first request was handled");
                assertTrue(handled.get() <= 20, "at most a few requests of " + PIPELINED + " were processed: " + handled.get());
                assertEquals(afterTwoSeconds, handled.get(), "nothing more is processed while the client reads nothing");
            }
        }
    }

    @Test
    void aSlowHandlerDoesNotDelayOtherConnections() throws Exception {
        // one network thread: a handler blocking it would stall every connection
        try (TestBroker broker = TestBroker.start(dataDir, Map.of("num.network.threads", "1"))) {
            CountDownLatch disk = new CountDownLatch(1);
            CountDownLatch stuck = new CountDownLatch(1);
            HandlerHooks.beforeHandle(r -> { // a CreateTopics whose fsync takes as long as the test wants
                if ("slow-disk".equals(r.context().clientId())) {
                    stuck.countDown();
                    awaitQuietly(disk);
                }
            });
            try (Socket slow = new Socket("localhost", broker.port()); Socket other = new Socket("localhost", broker.port())) {
                slow.setSoTimeout(20_000);
                other.setSoTimeout(20_000);
                other.setTcpNoDelay(true); // each request goes in one write: no Nagle / delayed-ACK stalls in the measurement
                CreateTopicsRequest create = new CreateTopicsRequest.Builder(new CreateTopicsRequestData().setTimeoutMs(30_000)
                        .setTopics(new CreateTopicsRequestData.CreatableTopicCollection(List.of(new CreateTopicsRequestData.CreatableTopic()
                                .setName("slow-topic").setNumPartitions(1).setReplicationFactor((short) 1)).iterator()))).build((short) 7);
                RequestHeader createHeader = send(slow, "slow-disk", 1, create);
                assertTrue(stuck.await(10, TimeUnit.SECONDS), "the slow request reached its handler");
                // when: other connections ask while it is stuck
                List<Long> micros = new ArrayList<>();
                for (int i = 0; i < 50; i++) {
                    long start = System.nanoTime();
                    ApiVersionsResponse versions = (ApiVersionsResponse) read(other,
                            send(other, "other", 2 * i, new ApiVersionsRequest(new ApiVersionsRequestData(), (short) 0)));
                    MetadataResponse m = (MetadataResponse) read(other, send(other, "other", 2 * i + 1, metadata(null)));
                    micros.add((System.nanoTime() - start) / 1000);
                    assertEquals(Errors.NONE.code(), versions.data().errorCode());
                    assertEquals(1, m.data().brokers().size());
                }
                // then
                Collections.sort(micros);
                long median = micros.get(micros.size() / 2);
                assertTrue(median < 50_000, "median ApiVersions+Metadata round trip " + median + " us while another request is stuck");
                assertTrue(micros.get(micros.size() - 1) < 2_000_000, "slowest round trip " + micros.get(micros.size() - 1) + " us");
                slow.setSoTimeout(200);
                assertThrows(SocketTimeoutException.class, () -> slow.getInputStream().read(), "the slow request is still stuck");
                slow.setSoTimeout(20_000);
                disk.countDown();
                CreateTopicsResponse created = (CreateTopicsResponse) read(slow, createHeader);
                assertEquals(Errors.NONE.code(), created.data().topics().find("slow-topic").errorCode(), "and it is answered once the disk is back");
            }
        }
    }

    @Test
    void idleConnectionsAndResponsesNobodyReadsAreClosed() throws Exception {
        try (TestBroker broker = TestBroker.start(dataDir, Map.of("connections.max.idle.ms", "1000"))) {
            bigRecordTopic(broker, "big");
            // given: a connection that asked once and then went quiet
            try (RawClient quiet = new RawClient(broker.port())) {
                assertEquals(Errors.NONE.code(), apiVersionsError(quiet));
                long start = System.nanoTime();
                // then: closed after about connections.max.idle.ms
                assertTrue(closedWithin(quiet, 10_000), "an idle connection is closed");
                long waited = (System.nanoTime() - start) / 1_000_000;
                assertTrue(waited >= 500, "not before it was idle: " + waited + " ms");
            }
            // given: a client that pipelines big fetches and never reads
            byte[] requests = frames("pipeliner", 2_000, fetch("big"));
            try (Socket pipeliner = new Socket()) {
                pipeliner.setReceiveBufferSize(8192);
                pipeliner.connect(new InetSocketAddress("localhost", broker.port()));
                CompletableFuture<Void> writing = CompletableFuture.runAsync(() -> {
                    try {
                        OutputStream out = pipeliner.getOutputStream();
                        for (int i = 0; i < 100; i++) {
                            out.write(requests);
                        }
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                // then: its stuck response counts as idle and the broker closes it (the client's writes fail)
                var failure = assertThrows(java.util.concurrent.ExecutionException.class, () -> writing.get(20, TimeUnit.SECONDS));
                assertInstanceOf(java.io.UncheckedIOException.class, failure.getCause());
            }
            // and the broker still serves
            try (RawClient fresh = new RawClient(broker.port())) {
                assertEquals(Errors.NONE.code(), apiVersionsError(fresh));
            }
        }
    }

    @Test
    void maxConnectionsPerIpClosesTheConnectionBeyondTheLimit() throws Exception {
        try (TestBroker broker = TestBroker.start(dataDir, Map.of("max.connections.per.ip", "2"))) {
            // given
            RawClient first = new RawClient(broker.port());
            try (RawClient second = new RawClient(broker.port())) {
                assertEquals(Errors.NONE.code(), apiVersionsError(first));
                assertEquals(Errors.NONE.code(), apiVersionsError(second));
                // when / then
                try (RawClient third = new RawClient(broker.port())) {
                    assertTrue(third.closedByBroker(), "the third connection from this address is closed");
                }
                assertEquals(Errors.NONE.code(), apiVersionsError(first),
                        "the first two still work");
                // and a slot frees when one closes
                first.close();
                assertTrue(eventually(() -> {
                    try (RawClient again = new RawClient(broker.port())) {
                        return again.call(new ApiVersionsRequest(new ApiVersionsRequestData(), (short) 0)) != null;
                    } catch (IOException refused) {
                        return false;
                    }
                }), "a new connection is accepted once one closed");
            }
        }
    }

    @Test
    void maxConnectionsMakesNewConnectionsWaitUntilOneCloses() throws Exception {
        try (TestBroker broker = TestBroker.start(dataDir, Map.of("max.connections", "2"))) {
            RawClient first = new RawClient(broker.port());
            try (RawClient second = new RawClient(broker.port())) {
                assertEquals(Errors.NONE.code(), apiVersionsError(first));
                assertEquals(Errors.NONE.code(), apiVersionsError(second));
                // when: the third waits in the TCP backlog, as with Kafka's blocked acceptor
                Socket third = new Socket("localhost", broker.port());
                third.setSoTimeout(1000);
                RequestHeader header = send(third, "third", 1, new ApiVersionsRequest(new ApiVersionsRequestData(), (short) 0));
                assertThrows(SocketTimeoutException.class, () -> new DataInputStream(third.getInputStream()).readInt());
                first.close();
                // then: accepted and answered once a connection closed
                third.setSoTimeout(10_000);
                ApiVersionsResponse r = (ApiVersionsResponse) read(third, header);
                assertEquals(Errors.NONE.code(), r.data().errorCode());
                third.close();
            }
        }
    }

    // ---- helpers

    private static short apiVersionsError(RawClient client) throws IOException {
        ApiVersionsResponse r = client.call(new ApiVersionsRequest(new ApiVersionsRequestData(), (short) 0));
        return r.data().errorCode();
    }

    private static void bigRecordTopic(TestBroker broker, String topic) throws Exception {
        try (Admin admin = broker.admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
        }
        try (KafkaProducer<byte[], byte[]> p = broker.bytesProducer(Map.of())) {
            p.send(new ProducerRecord<>(topic, new byte[1_000_000])).get();
        }
    }

    private static FetchRequest fetch(String topic) {
        FetchRequestData data = new FetchRequestData().setMaxWaitMs(0).setMinBytes(1).setMaxBytes(1 << 20).setReplicaId(-1)
                .setSessionEpoch(-1).setTopics(List.of(new FetchRequestData.FetchTopic().setTopic(topic).setTopicId(Uuid.ZERO_UUID)
                        .setPartitions(List.of(new FetchRequestData.FetchPartition().setPartition(0).setFetchOffset(0)
                                .setPartitionMaxBytes(1 << 20)))));
        return new FetchRequest(data, (short) 12);
    }

    private static MetadataRequest metadata(String topic) {
        MetadataRequestData data = new MetadataRequestData().setAllowAutoTopicCreation(false)
                .setTopics(topic == null ? List.of() : List.of(new MetadataRequestData.MetadataRequestTopic().setName(topic).setTopicId(Uuid.ZERO_UUID)));
        return new MetadataRequest.Builder(data).build((short) 12);
    }

    /** {@code count} copies of the request, each a whole frame with its own correlation id. */
    private static byte[] frames(String clientId, int count, AbstractRequest request) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < count; i++) {
            ByteBuffer body = request.serializeWithHeader(new RequestHeader(request.apiKey(), request.version(), clientId, i));
            out.writeBytes(ByteBuffer.allocate(4).putInt(body.remaining()).array());
            out.write(body.array(), body.arrayOffset() + body.position(), body.remaining());
        }
        return out.toByteArray();
    }

    private static RequestHeader send(Socket socket, String clientId, int correlationId, AbstractRequest request) throws IOException {
        RequestHeader header = new RequestHeader(request.apiKey(), request.version(), clientId, correlationId);
        ByteBuffer body = request.serializeWithHeader(header);
        byte[] frame = ByteBuffer.allocate(4 + body.remaining()).putInt(body.remaining()).put(body).array();
        socket.getOutputStream().write(frame);
        return header;
    }

    private static AbstractResponse read(Socket socket, RequestHeader header) throws IOException {
        DataInputStream in = new DataInputStream(socket.getInputStream());
        byte[] frame = new byte[in.readInt()];
        in.readFully(frame);
        return AbstractResponse.parseResponse(ByteBuffer.wrap(frame), header);
    }

    private static boolean closedWithin(RawClient client, long millis) throws IOException {
        long deadline = System.currentTimeMillis() + millis;
        while (System.currentTimeMillis() < deadline) {
            if (client.closedByBroker()) {
                return true;
            }
        }
        return false;
    }

    private static boolean eventually(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 10_000;
        while (System.currentTimeMillis() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(100);
        }
        return false;
    }

    private static void writeQuietly(Socket socket, byte[] bytes) {
        try {
            socket.getOutputStream().write(bytes);
        } catch (IOException closedByTheTest) {
            // the test closes the socket while this write is blocked
            org.slf4j.LoggerFactory.getLogger(ConnectionModelTest.class).debug("pipelined write ended: {}", closedByTheTest.toString());
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
