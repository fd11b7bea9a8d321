package io.kafkalite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.protocol.ApiKeys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Hundreds of connections sending random and half-valid frames (a real header of every API, then
 * garbage): the broker answers or closes every one of them, none is left hanging, and it keeps
 * serving a stock producer and consumer.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // socket reads ignore interrupts
class GarbageInputTest {
    private static final int MAX_REQUEST_BYTES = 1024 * 1024;

    @RegisterExtension
    static final TestBroker broker = TestBroker.perClass(Map.of("socket.request.max.bytes", String.valueOf(MAX_REQUEST_BYTES)));

    @Test
    void everyGarbageConnectionIsAnsweredOrClosedAndTheBrokerKeepsServing() throws Exception {
        // given
        try (Admin admin = broker.admin()) {
            admin.createTopics(List.of(new NewTopic("survivor", 1, (short) 1))).all().get();
        }
        Random random = new Random(42);
        List<String> hanging = new ArrayList<>();
        int answered = 0;
        int closed = 0;
        // when
        for (int i = 0; i < 300; i++) {
            byte[] frame = garbageFrame(random, i);
            try (Socket s = new Socket("localhost", broker.port())) {
                s.setSoTimeout(3_000);
                OutputStream out = s.getOutputStream();
                InputStream in = s.getInputStream();
                try {
                    out.write(frame);
                    out.flush();
                    if (in.read() == -1) {
                        closed++;
                    } else {
                        answered++;
                    }
                } catch (SocketTimeoutException e) {
                    hanging.add("#" + i + ": " + frame.length + " bytes starting " + hex(frame));
                    break; // one is enough to fail; the rest would each wait out the timeout
                } catch (SocketException e) { // reset: closed with our bytes unread, or mid-write
                    closed++;
                }
            }
        }
        // then
        assertTrue(hanging.isEmpty(), "connections neither answered nor closed: " + hanging);
        assertEquals(300, answered + closed);
        assertTrue(answered > 0 && closed > 0, "both outcomes occur: answered " + answered + ", closed " + closed);
        try (KafkaProducer<String, String> p = broker.producer(Map.of())) {
            assertEquals(0, p.send(new ProducerRecord<>("survivor", "k", "still here")).get().offset());
        }
        try (var c = broker.consumer()) {
            var records = Records.readAll(c, Records.partitions("survivor", 1), 1, java.time.Duration.ofSeconds(10));
            assertEquals("still here", records.get(0).value());
        }
    }

    /**
     * Even i: a plausible header of some API and version, then garbage. Odd i: pure noise, size prefix
     * included; a noise size within [0, socket.request.max.bytes] is padded to a whole frame, so the
     * broker has a complete frame to judge (Kafka too waits for the rest of a frame).
     */
    private static byte[] garbageFrame(Random random, int i) {
        byte[] body = new byte[random.nextInt(200)];
        random.nextBytes(body);
        if (i % 2 == 0) {
            ApiKeys api = ApiKeys.values()[random.nextInt(ApiKeys.values().length)];
            return ByteBuffer.allocate(4 + 8 + body.length).putInt(8 + body.length).putShort(api.id)
                    .putShort((short) random.nextInt(Math.max(1, api.latestVersion() + 1))).putInt(i).put(body).array();
        }
        int size = random.nextInt(2 * MAX_REQUEST_BYTES) - 1024;
        long noise = random.nextLong();
        int sent = Math.max(8 + body.length, size >= 0 && size <= MAX_REQUEST_BYTES ? size : 0);
        ByteBuffer frame = ByteBuffer.allocate(4 + sent).putInt(size).putLong(noise).put(body);
        byte[] padding = new byte[frame.remaining()];
        random.nextBytes(padding);
        return frame.put(padding).array();
    }

    private static String hex(byte[] bytes) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(16, bytes.length); i++) {
            sb.append(String.format("%02x", bytes[i]));
        }
        return sb.toString();
    }
}
