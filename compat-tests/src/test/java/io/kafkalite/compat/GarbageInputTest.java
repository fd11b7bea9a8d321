package io.kafkalite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.protocol.ApiKeys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Hundreds of connections sending random and half-valid frames (a real header of every API, then
 * garbage): the broker closes or answers each one and keeps serving a stock producer and consumer.
 */
class GarbageInputTest {
    @RegisterExtension
    static final TestBroker broker = TestBroker.perClass(Map.of("socket.request.max.bytes", "1048576"));

    @Test
    void randomBytesNeverTakeTheBrokerDown() throws Exception {
        try (Admin admin = broker.admin()) {
            admin.createTopics(List.of(new NewTopic("survivor", 1, (short) 1))).all().get();
        }
        Random random = new Random(42);
        for (int i = 0; i < 300; i++) {
            try (Socket s = new Socket("localhost", broker.port())) {
                s.setSoTimeout(200);
                OutputStream out = s.getOutputStream();
                byte[] body = new byte[random.nextInt(200)];
                random.nextBytes(body);
                ByteBuffer frame = ByteBuffer.allocate(4 + 8 + body.length);
                if (i % 2 == 0) { // a plausible header of some API and version, then garbage
                    ApiKeys api = ApiKeys.values()[random.nextInt(ApiKeys.values().length)];
                    frame.putInt(8 + body.length).putShort(api.id).putShort((short) random.nextInt(Math.max(1, api.latestVersion() + 1))).putInt(i);
                } else { // pure noise, size prefix included
                    frame.putInt(random.nextInt(2 * 1024 * 1024) - 1024).putLong(random.nextLong());
                }
                frame.put(body);
                out.write(frame.array());
                out.flush();
                s.getInputStream().read(new byte[1024]); // an answer, EOF or a timeout: all fine
            } catch (java.net.SocketTimeoutException | java.net.SocketException expected) {
                // the broker waits for the rest of a frame, or reset the connection
            }
        }
        try (KafkaProducer<String, String> p = broker.producer(Map.of())) {
            assertEquals(0, p.send(new ProducerRecord<>("survivor", "k", "still here")).get().offset());
        }
        try (var c = broker.consumer()) {
            var records = Records.readAll(c, Records.partitions("survivor", 1), 1, java.time.Duration.ofSeconds(10));
            assertEquals("still here", records.get(0).value());
        }
    }
}
