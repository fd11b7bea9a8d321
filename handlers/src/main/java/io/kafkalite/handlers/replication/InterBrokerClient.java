package io.kafkalite.handlers.replication;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.EnumMap;
import java.util.Map;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersion;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * One blocking connection to another broker's inter-broker listener, used by one thread only (a replica fetcher,
 * a transaction marker sender, ...): a request is written, then its response read, one at a time. Each new
 * connection starts with ApiVersions, and every request then goes out at the newest version both sides have.
 */
public final class InterBrokerClient implements AutoCloseable {
    /**
     * The connection's limits.
     * @param receiveBufferBytes the socket's receive buffer, or -1 for the OS default
     * @param maxResponseBytes   a larger response frame breaks the connection
     */
    public record Limits(int connectTimeoutMs, int socketTimeoutMs, int receiveBufferBytes, int maxResponseBytes) {
        /** For request/response traffic besides fetching (markers, verifications): Kafka's 30 s request timeout. */
        public static final Limits REQUESTS = new Limits(10_000, 30_000, -1, 100 * 1024 * 1024);
    }

    private final String clientId;
    private final Limits limits;
    private final Map<ApiKeys, Short> versions = new EnumMap<>(ApiKeys.class);
    private volatile Socket socket;
    private volatile boolean shutdown;
    private InetSocketAddress connectedTo;
    private DataInputStream in;
    private DataOutputStream out;
    private int correlationId;

    public InterBrokerClient(String clientId, Limits limits) {
        this.clientId = clientId;
        this.limits = limits;
    }

    boolean isConnected() {
        return socket != null;
    }

    /** Connects and learns the broker's versions. */
    void connect(InetSocketAddress address) throws IOException {
        close();
        Socket s = new Socket();
        socket = s; // from here a shutdown() closes it, also while it connects
        try {
            if (shutdown) {
                throw new IOException("Shut down");
            }
            if (limits.receiveBufferBytes() > 0) {
                s.setReceiveBufferSize(limits.receiveBufferBytes());
            }
            s.setTcpNoDelay(true);
            s.setKeepAlive(true);
            s.connect(address, limits.connectTimeoutMs());
            s.setSoTimeout(limits.socketTimeoutMs());
            in = new DataInputStream(new BufferedInputStream(s.getInputStream(), 64 * 1024)); // one read for a small answer
            out = new DataOutputStream(new BufferedOutputStream(s.getOutputStream(), 64 * 1024));
            versions.clear();
            ApiVersionsResponse answer = exchange(new ApiVersionsRequest.Builder().build(ApiKeys.API_VERSIONS.latestVersion()));
            if (answer.data().errorCode() != Errors.NONE.code()) {
                throw new IOException("ApiVersions to " + address + " failed: " + Errors.forCode(answer.data().errorCode()));
            }
            for (ApiVersion v : answer.data().apiKeys()) {
                if (ApiKeys.hasId(v.apiKey())) {
                    ApiKeys key = ApiKeys.forId(v.apiKey());
                    versions.put(key, (short) Math.min(v.maxVersion(), key.latestVersion()));
                }
            }
            connectedTo = address;
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /** {@link #send(AbstractRequest.Builder)} to {@code address}, (re)connecting first unless connected to it. */
    public <R extends AbstractResponse> R send(InetSocketAddress address, AbstractRequest.Builder<?> builder) throws IOException {
        if (socket == null || !address.equals(connectedTo)) {
            connect(address);
        }
        return send(builder);
    }

    /**
     * Sends a request at the newest version both sides have and waits for its answer.
     * @throws UnsupportedVersionException when the broker has no version the builder allows
     * @throws IOException on a broken or timed-out connection, which is then closed
     */
    @SuppressWarnings("unchecked")
    <R extends AbstractResponse> R send(AbstractRequest.Builder<?> builder) throws IOException {
        if (socket == null) {
            throw new IOException("Not connected");
        }
        short version = versionFor(builder);
        try {
            return (R) exchange(builder.build(version));
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * The version {@link #send} uses: the newest that the builder allows and the broker serves.
     * @throws UnsupportedVersionException when there is none
     */
    short versionFor(AbstractRequest.Builder<?> builder) {
        Short brokerMax = versions.get(builder.apiKey());
        short version = (short) Math.min(builder.latestAllowedVersion(), brokerMax == null ? -1 : brokerMax);
        if (version < builder.oldestAllowedVersion()) {
            throw new UnsupportedVersionException("The leader serves no version of " + builder.apiKey() + " in ["
                    + builder.oldestAllowedVersion() + ", " + builder.latestAllowedVersion() + "]");
        }
        return version;
    }

    @SuppressWarnings("unchecked")
    private <R extends AbstractResponse> R exchange(AbstractRequest request) throws IOException {
        RequestHeader header = new RequestHeader(request.apiKey(), request.version(), clientId, correlationId++);
        ByteBuffer frame = request.serializeWithHeader(header);
        out.writeInt(frame.remaining());
        out.write(frame.array(), frame.arrayOffset() + frame.position(), frame.remaining());
        out.flush();
        int size = in.readInt();
        if (size < 0 || size > limits.maxResponseBytes()) {
            throw new IOException("Response of " + size + " bytes to " + request.apiKey() + " is beyond socket.request.max.bytes");
        }
        byte[] body = new byte[size];
        try {
            in.readFully(body);
        } catch (EOFException e) {
            throw new IOException("Connection closed in the middle of a response to " + request.apiKey(), e);
        }
        return (R) AbstractResponse.parseResponse(ByteBuffer.wrap(body), header);
    }

    /** Closes the connection for good: a later connect() fails. Safe from another thread, where it ends a blocked read. */
    void shutdown() {
        shutdown = true;
        close();
    }

    /** Closes the connection; safe from another thread, where it ends a blocked read. */
    @Override
    public void close() {
        Socket s = socket;
        socket = null;
        connectedTo = null;
        if (s != null) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing: nothing to do
            }
        }
    }
}
