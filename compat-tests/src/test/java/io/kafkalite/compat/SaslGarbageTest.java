package io.kafkalite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.SaslAuthenticateRequestData;
import org.apache.kafka.common.message.SaslHandshakeRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.FindCoordinatorRequest;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.SaslAuthenticateRequest;
import org.apache.kafka.common.requests.SaslAuthenticateResponse;
import org.apache.kafka.common.requests.SaslHandshakeRequest;
import org.apache.kafka.common.requests.SaslHandshakeResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Thousands of random, truncated and out-of-place frames on unauthenticated SASL_PLAINTEXT connections, one
 * frame at a time so every complete frame must get a response or a close: random bytes after a valid
 * SaslHandshake, random SaslAuthenticate tokens, frames cut short, real headers of other APIs, sizes no
 * broker accepts. Every connection ends with a valid Metadata request that must never be answered: the
 * broker closes every connection, answers nothing but ApiVersions, SaslHandshake and SaslAuthenticate before
 * authentication, never leaves one hanging, and keeps serving stock clients over SASL_PLAINTEXT and SASL_SSL.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // socket reads ignore interrupts
class SaslGarbageTest {
    private static final int CONNECTIONS = 1_500;
    private static final int SOCKET_REQUEST_MAX_BYTES = 104_857_600; // Kafka's default
    private static final int SASL_SERVER_MAX_RECEIVE_SIZE = 524_288; // Kafka's default
    private static final Set<ApiKeys> SERVED_BEFORE_AUTHENTICATION = EnumSet.of(ApiKeys.API_VERSIONS, ApiKeys.SASL_HANDSHAKE,
            ApiKeys.SASL_AUTHENTICATE);
    private static final String[] MECHANISMS = {"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER"};

    @RegisterExtension
    // a failed authentication's answer is held 100 ms by default; the ~430 failing probes would spend 43 s of the minute on it
    static final SecureBroker broker = SecureBroker.withoutAuthorizer(Map.of("connection.failed.authentication.delay.ms", "10"));

    /** One frame as sent; {@code header} is known for frames built from real requests (their responses are parsed). */
    private record Frame(byte[] bytes, RequestHeader header, boolean cutShort) {
        /** The API the frame's header claims, if its first bytes name one (noise can, by chance). */
        ApiKeys claimedApi() {
            if (bytes.length < 6) {
                return null;
            }
            short id = ByteBuffer.wrap(bytes, 4, 2).getShort();
            return ApiKeys.hasId(id) ? ApiKeys.forId(id) : null;
        }

        int claimedCorrelationId() {
            return bytes.length < 12 ? Integer.MIN_VALUE : ByteBuffer.wrap(bytes, 8, 4).getInt();
        }
    }

    /** What the connections got. */
    private static final class Outcomes {
        int connections;
        int frames;
        int closed;
        final Map<Errors, Integer> saslErrors = new EnumMap<>(Errors.class);
        final List<String> violations = new ArrayList<>();
    }

    private final Random random = new Random(368);
    private int correlationId;

    @Test
    void garbageBeforeAuthenticationIsNeverServedAndEveryConnectionCloses() throws Exception {
        // given
        Outcomes outcomes = new Outcomes();
        long start = System.nanoTime();
        // when
        for (int i = 0; i < CONNECTIONS && outcomes.violations.size() < 5; i++) {
            probe(scenario(i), outcomes);
        }
        // then
        assertEquals(List.of(), outcomes.violations);
        assertEquals(CONNECTIONS, outcomes.closed, "every connection was closed by the broker");
        assertTrue(outcomes.frames >= 3_000, "frames sent: " + outcomes.frames);
        assertTrue(outcomes.saslErrors.getOrDefault(Errors.SASL_AUTHENTICATION_FAILED, 0) > 100, outcomes.saslErrors.toString());
        assertTrue(outcomes.saslErrors.getOrDefault(Errors.ILLEGAL_SASL_STATE, 0) > 10, outcomes.saslErrors.toString());
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(60), "took " + Duration.ofNanos(System.nanoTime() - start));
        assertStockClientsRoundTrip();
    }

    @Test
    void aFrameOverSaslServerMaxReceiveSizeIsRefusedBeforeAuthenticationOnly() throws Exception {
        // before authentication: closed at once, as Kafka's SaslServerAuthenticator does (InvalidReceiveException)
        try (RawClient raw = new RawClient(broker.port("SASL_PLAINTEXT"))) {
            raw.sendRaw(ByteBuffer.allocate(16).putInt(SASL_SERVER_MAX_RECEIVE_SIZE + 1).putShort(ApiKeys.API_VERSIONS.id)
                    .putShort((short) 3).putInt(1).putInt(0).array());
            assertTrue(raw.closedByBroker(), "a frame over sasl.server.max.receive.size before authentication closes the connection");
        }
        // a frame of exactly the bound is read: an ApiVersions padded to it is answered (bytes after a body are ignored)
        try (RawClient raw = new RawClient(broker.port("SASL_PLAINTEXT"))) {
            RequestHeader header = new RequestHeader(ApiKeys.API_VERSIONS, (short) 3, "padded", 1);
            ByteBuffer body = new ApiVersionsRequest.Builder().build((short) 3).serializeWithHeader(header);
            byte[] frame = Arrays.copyOf(body.array(), SASL_SERVER_MAX_RECEIVE_SIZE);
            raw.sendRaw(ByteBuffer.allocate(4).putInt(frame.length).array());
            raw.sendRaw(frame);
            AbstractResponse response = raw.read(header);
            assertEquals(Map.of(Errors.NONE, 1), response.errorCounts());
        }
        // after authentication socket.request.max.bytes applies: the broker waits for the rest of the frame
        try (RawClient raw = new RawClient(broker.port("SASL_PLAINTEXT"))) {
            assertEquals(Errors.NONE, ReauthenticationTest.authenticatePlain(raw, "alice", "alice-secret").error());
            raw.sendRaw(ByteBuffer.allocate(8).putInt(SASL_SERVER_MAX_RECEIVE_SIZE + 1).putShort(ApiKeys.METADATA.id).putShort((short) 12)
                    .array());
            assertTrue(raw.silentFor(2_000), "after authentication the broker waits for the rest of the larger frame");
        }
    }

    /** Connection {@code i}'s frames: a mix of garbage, then (except where the stream ends early) a Metadata request. */
    private List<Frame> scenario(int i) {
        String mechanism = MECHANISMS[random.nextInt(MECHANISMS.length)];
        return switch (i % 14) {
            case 0 -> List.of(noise(), metadata());
            case 1 -> List.of(handshake("PLAIN", 1), noise(), metadata());
            case 2 -> List.of(handshake(random.nextBoolean() ? "SCRAM-SHA-256" : "SCRAM-SHA-512", 1), noise(), metadata());
            case 3 -> List.of(handshake(mechanism, 1), authenticate(randomBytes(random.nextInt(300))), metadata());
            case 4 -> List.of(handshake("PLAIN", 1), authenticate(("\0alice\0" + random.nextLong()).getBytes(StandardCharsets.UTF_8)),
                    metadata());
            case 5 -> List.of(authenticate(randomBytes(random.nextInt(100))), metadata());
            case 6 -> List.of(headerThenGarbage(false), metadata());
            case 7 -> List.of(handshake(mechanism, 1), headerThenGarbage(true), metadata());
            case 8 -> List.of(apiVersions(), handshake(mechanism, 1), otherRequest(), metadata());
            case 9 -> List.of(handshake("PLAIN", 1), cut(authenticate("\0alice\0alice-secret".getBytes(StandardCharsets.UTF_8))), metadata());
            case 10 -> List.of(handshake(mechanism, 1), endsEarly(authenticate(randomBytes(50 + random.nextInt(100)))));
            case 11 -> List.of(hugeSize());
            // a well-formed SCRAM client-first message gets a challenge; a random final message fails
            case 12 -> List.of(handshake("SCRAM-SHA-256", 1), authenticate(("n,,n=alice,r=" + Long.toHexString(random.nextLong()))
                    .getBytes(StandardCharsets.UTF_8)), authenticate(randomBytes(random.nextInt(200))), metadata());
            // many ApiVersions on one connection are answered; v0 handshakes are followed by raw tokens Kafka 1.0+ clients never send
            default -> List.of(apiVersions(), apiVersions(), apiVersions(), apiVersions(), handshake(mechanism, 0), noise(), metadata());
        };
    }

    /** Sends the frames one at a time, each awaiting its response or the close. */
    private static void probe(List<Frame> frames, Outcomes outcomes) throws IOException {
        outcomes.connections++;
        try (Socket socket = new Socket("localhost", broker.port("SASL_PLAINTEXT"))) {
            socket.setSoTimeout(5_000);
            socket.setTcpNoDelay(true);
            OutputStream out = socket.getOutputStream();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            for (Frame frame : frames) {
                outcomes.frames++;
                try {
                    out.write(frame.bytes());
                    out.flush();
                    if (frame.cutShort()) {
                        socket.shutdownOutput(); // the rest never comes: the broker must see the end of the stream and close
                    }
                    int size = in.readInt();
                    byte[] response = new byte[size];
                    in.readFully(response);
                    check(frame, response, outcomes);
                } catch (EOFException | SocketException closed) {
                    outcomes.closed++;
                    return;
                } catch (SocketTimeoutException hanging) {
                    outcomes.violations.add("connection " + outcomes.connections + " neither answered nor closed after "
                            + describe(frame) + " (frames: " + frames.stream().map(SaslGarbageTest::describe).toList() + ")");
                    return;
                }
            }
            outcomes.violations.add("connection " + outcomes.connections + " still open after its last frame: "
                    + frames.stream().map(SaslGarbageTest::describe).toList());
        }
    }

    private static void check(Frame frame, byte[] response, Outcomes outcomes) {
        int correlationId = response.length < 4 ? Integer.MIN_VALUE : ByteBuffer.wrap(response).getInt();
        ApiKeys api = frame.claimedApi();
        if (correlationId != frame.claimedCorrelationId() || api == null || !SERVED_BEFORE_AUTHENTICATION.contains(api)) {
            outcomes.violations.add("connection " + outcomes.connections + ": a response (correlation id " + correlationId
                    + ") before authentication to " + describe(frame));
            return;
        }
        if (frame.header() != null) {
            AbstractResponse parsed = AbstractResponse.parseResponse(ByteBuffer.wrap(response), frame.header());
            Errors error = parsed instanceof SaslAuthenticateResponse a ? a.error()
                    : parsed instanceof SaslHandshakeResponse h ? h.error() : Errors.NONE;
            outcomes.saslErrors.merge(error, 1, Integer::sum);
        }
    }

    private static String describe(Frame frame) {
        ApiKeys api = frame.claimedApi();
        StringBuilder hex = new StringBuilder();
        for (int i = 0; i < Math.min(24, frame.bytes().length); i++) {
            hex.append(String.format("%02x", frame.bytes()[i]));
        }
        return (api == null ? "noise" : api.name) + (frame.cutShort() ? " (cut short)" : "") + " " + frame.bytes().length + " bytes " + hex;
    }

    private Frame frame(AbstractRequest request) {
        RequestHeader header = new RequestHeader(request.apiKey(), request.version(), "garbage", ++correlationId);
        ByteBuffer body = request.serializeWithHeader(header);
        byte[] bytes = ByteBuffer.allocate(4 + body.remaining()).putInt(body.remaining()).put(body).array();
        return new Frame(bytes, header, false);
    }

    private Frame handshake(String mechanism, int version) {
        return frame(new SaslHandshakeRequest.Builder(new SaslHandshakeRequestData().setMechanism(mechanism)).build((short) version));
    }

    private Frame authenticate(byte[] token) {
        return frame(new SaslAuthenticateRequest.Builder(new SaslAuthenticateRequestData().setAuthBytes(token))
                .build((short) random.nextInt(3)));
    }

    private Frame apiVersions() {
        return frame(new ApiVersionsRequest.Builder(new ApiVersionsRequestData().setClientSoftwareName("garbage")
                .setClientSoftwareVersion("1.0"), (short) 0, (short) 3).build((short) random.nextInt(4)));
    }

    private Frame metadata() {
        short[] versions = {1, 4, 9, 12};
        return frame(MetadataRequest.Builder.allTopics().build(versions[random.nextInt(versions.length)]));
    }

    /** A well-formed request of an API that needs authentication. */
    private Frame otherRequest() {
        return random.nextBoolean() ? metadata()
                : frame(new FindCoordinatorRequest.Builder(new org.apache.kafka.common.message.FindCoordinatorRequestData()
                        .setKey("g").setKeyType((byte) 0)).build((short) 3));
    }

    private byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        random.nextBytes(bytes);
        return bytes;
    }

    /** A size prefix that matches, then random bytes (a header may form by chance). */
    private Frame noise() {
        byte[] body = randomBytes(random.nextInt(300));
        return new Frame(ByteBuffer.allocate(4 + body.length).putInt(body.length).put(body).array(), null, false);
    }

    /** A real header (API key in its version range, correlation id, client id) of some API, then random bytes. */
    private Frame headerThenGarbage(boolean includeSaslApis) {
        ApiKeys api;
        do {
            api = ApiKeys.values()[random.nextInt(ApiKeys.values().length)];
        } while (!includeSaslApis && SERVED_BEFORE_AUTHENTICATION.contains(api));
        byte[] garbage = randomBytes(random.nextInt(200));
        // (an API whose versions are all unstable has latestVersion() below oldestVersion())
        short version = (short) (api.oldestVersion() + random.nextInt(Math.max(1, api.latestVersion() - api.oldestVersion() + 1)));
        ByteBuffer b = ByteBuffer.allocate(4 + 2 + 2 + 4 + 2 + garbage.length);
        b.putInt(b.capacity() - 4).putShort(api.id).putShort(version).putInt(++correlationId).putShort((short) -1).put(garbage);
        return new Frame(b.array(), null, false);
    }

    /** The frame with its body cut short and its size prefix saying so: a complete frame that does not parse. */
    private Frame cut(Frame whole) {
        int keep = 8 + random.nextInt(whole.bytes().length - 4 - 8); // past the API key and version, short of the end
        byte[] bytes = ByteBuffer.allocate(4 + keep).putInt(keep).put(whole.bytes(), 4, keep).array();
        return new Frame(bytes, whole.header(), false);
    }

    /** The frame's size prefix and only part of it, then the end of the stream. */
    private Frame endsEarly(Frame whole) {
        return new Frame(Arrays.copyOf(whole.bytes(), 4 + random.nextInt(whole.bytes().length - 4)), whole.header(), true);
    }

    /** A size no broker reads: negative, or over socket.request.max.bytes. */
    private Frame hugeSize() {
        int[] sizes = {-1, Integer.MIN_VALUE, Integer.MAX_VALUE, SOCKET_REQUEST_MAX_BYTES + 1,
            SOCKET_REQUEST_MAX_BYTES + 1 + random.nextInt(Integer.MAX_VALUE - SOCKET_REQUEST_MAX_BYTES - 1)};
        return new Frame(ByteBuffer.allocate(12).putInt(sizes[random.nextInt(sizes.length)]).put(randomBytes(8)).array(), null, false);
    }

    private static void assertStockClientsRoundTrip() throws Exception {
        try (Admin admin = broker.admin("admin")) {
            admin.createTopics(List.of(new NewTopic("after-garbage", 1, (short) 1))).all().get();
        }
        for (String listener : List.of("SASL_PLAINTEXT", "SASL_SSL")) {
            Map<String, Object> client = broker.sasl(listener, "PLAIN", SecureBroker.plainJaas("alice"));
            try (KafkaProducer<String, String> producer = broker.producer(client)) {
                producer.send(new ProducerRecord<>("after-garbage", "k", listener)).get();
            }
            try (KafkaConsumer<String, String> consumer = broker.consumer(client, null)) {
                consumer.assign(List.of(new TopicPartition("after-garbage", 0)));
                consumer.seekToBeginning(consumer.assignment());
                assertTrue(SecureBrokerRecords.values(consumer, listener, Duration.ofSeconds(30)).contains(listener), listener);
            }
        }
    }
}
