package io.kafkalite.compat;

import static io.kafkalite.compat.RawProtocolTest.produce;
import static io.kafkalite.compat.RawProtocolTest.records;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.InitProducerIdRequest;
import org.apache.kafka.common.requests.InitProducerIdResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * producer.id.expiration.ms (KIP-854): 10,000 short-lived idempotent producers that each send one batch
 * and leave are forgotten, in memory and on disk. Forgotten shows as Kafka shows it: the producer's
 * next batch is accepted at any sequence instead of OUT_OF_ORDER_SEQUENCE_NUMBER, also after a restart.
 */
@Timeout(180)
class ProducerExpirationTest {
    private static final int PRODUCERS = 10_000;

    @TempDir
    Path dir;

    record Producer(long id, short epoch) { }

    @Test
    void tenThousandIdleProducersAreForgottenInMemoryAndOnDisk() throws Exception {
        Map<String, String> props = Map.of("producer.id.expiration.ms", "4000", "producer.id.expiration.check.interval.ms", "500");
        try (TestBroker broker = TestBroker.start(dir, props)) {
            try (var admin = broker.admin()) {
                admin.createTopics(List.of(new NewTopic("ids", 1, (short) 1))).all().get();
            }
            List<Producer> producers = new ArrayList<>();
            try (RawClient client = new RawClient(broker.port())) {
                for (int i = 0; i < PRODUCERS; i++) {
                    InitProducerIdResponse init = client.call(new InitProducerIdRequest.Builder(new InitProducerIdRequestData()
                            .setTransactionalId(null).setTransactionTimeoutMs(60000)).build((short) 4));
                    Producer p = new Producer(init.data().producerId(), init.data().producerEpoch());
                    assertEquals(Errors.NONE, produce(client, "ids", records(p.id(), p.epoch(), 0, "k", "v" + i)).error());
                    producers.add(p);
                }
                // while remembered, a gap is refused (the newest producer: the oldest may expire while the rest start)
                Producer newest = producers.get(PRODUCERS - 1);
                assertEquals(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER, produce(client, "ids", records(newest.id(), newest.epoch(), 5, "k", "gap")).error());
                Producer first = producers.get(0);
                // when: they stay idle past producer.id.expiration.ms
                Thread.sleep(6000);
                // then: forgotten, so the same gap is accepted
                assertEquals(Errors.NONE, produce(client, "ids", records(first.id(), first.epoch(), 5, "k", "gap")).error());
            }
            // and forgotten on disk too: after a restart another one's gap is accepted as well
            broker.restart();
            try (RawClient client = new RawClient(broker.port())) {
                Producer last = producers.get(PRODUCERS - 1);
                assertEquals(Errors.NONE, produce(client, "ids", records(last.id(), last.epoch(), 7, "k", "gap")).error());
            }
        }
    }
}
