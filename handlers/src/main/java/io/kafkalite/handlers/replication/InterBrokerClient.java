package io.kafkalite.handlers.replication;

import io.kafkalite.acl.SaslClientLogin;
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
import javax.net.ssl.SSLException;
import javax.security.sasl.SaslClient;
import javax.security.sasl.SaslException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersion;
import org.apache.kafka.common.message.SaslAuthenticateRequestData;
import org.apache.kafka.common.message.SaslHandshakeRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.SaslAuthenticateRequest;
import org.apache.kafka.common.requests.SaslAuthenticateResponse;
import org.apache.kafka.common.requests.SaslHandshakeRequest;
import org.apache.kafka.common.requests.SaslHandshakeResponse;

/**
 * One blocking connection to another broker's inter-broker listener, used by one thread only (a replica fetcher,
 * a transaction marker sender, ...): a request is written, then its response read, one at a time. Each new
 * connection is secured as the listener's protocol wants ({@link InterBrokerSecurity}: a TLS handshake; SASL after
 * ApiVersions, with SaslHandshake v1 and SaslAuthenticate frames, as Kafka's clients do) and starts with ApiVersions;
 * every request then goes out at the newest version both sides have.
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

    /** Bounds a SASL exchange: PLAIN takes one round trip, SCRAM two. */
    private static final int MAX_SASL_ROUNDS = 10;

    private final String clientId;
    private final Limits limits;
    private final InterBrokerSecurity security;
    private final Map<ApiKeys, Short> versions = new EnumMap<>(ApiKeys.class);
    /** The TCP connection: closing it ends a blocked read at once, also under TLS. */
    private volatile Socket tcp;
    /** What requests go over: {@link #tcp}, or TLS over it. */
    private volatile Socket socket;
    private volatile boolean shutdown;
    private InetSocketAddress connectedTo;
    private DataInputStream in;
    private DataOutputStream out;
    private int correlationId;

    public InterBrokerClient(String clientId, Limits limits, InterBrokerSecurity security) {
        this.clientId = clientId;
        this.limits = limits;
        this.security = security;
    }

    boolean isConnected() {
        return socket != null;
    }

    /**
     * Connects, secures the connection and learns the broker's versions.
     * @throws org.apache.kafka.common.errors.AuthenticationException when the TLS handshake or the SASL login fails
     */
    void connect(InetSocketAddress address) throws IOException {
        close();
        Socket plain = new Socket();
        tcp = plain; // from here a shutdown() closes it, also while it connects
        socket = plain;
        try {
            if (shutdown) {
                throw new IOException("Shut down");
            }
            if (limits.receiveBufferBytes() > 0) {
                plain.setReceiveBufferSize(limits.receiveBufferBytes());
            }
            plain.setTcpNoDelay(true);
            plain.setKeepAlive(true);
            plain.connect(address, limits.connectTimeoutMs());
            plain.setSoTimeout(limits.socketTimeoutMs());
            Socket s = security.secure(plain, address);
            socket = s;
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
            if (security.sasl() != null) {
                authenticate(address);
            }
            connectedTo = address;
        } catch (SSLException e) { // under TLS 1.3 a peer refuses our certificate after the handshake, at the first read
            close();
            throw new SslAuthenticationException("TLS with " + address + " failed: " + e.getMessage(), e);
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
            throw new UnsupportedVersionException("The broker serves no version of " + builder.apiKey() + " in ["
                    + builder.oldestAllowedVersion() + ", " + builder.latestAllowedVersion() + "]");
        }
        return version;
    }

    /** Logs in with SaslHandshake then SaslAuthenticate rounds until the mechanism completes. */
    private void authenticate(InetSocketAddress address) throws IOException {
        SaslClientLogin login = security.sasl();
        SaslHandshakeRequest.Builder handshake = new SaslHandshakeRequest.Builder(new SaslHandshakeRequestData().setMechanism(login.mechanism()));
        short version = versionFor(handshake);
        if (version < 1) {
            throw new IOException(address + " serves SaslHandshake v0 only (no SaslAuthenticate frames)");
        }
        SaslHandshakeResponse offered = exchange(handshake.build(version));
        if (offered.error() != Errors.NONE) {
            throw new SaslAuthenticationException("The inter-broker listener at " + address + " refused SASL mechanism "
                    + login.mechanism() + " (" + offered.error() + "); it enables " + offered.data().mechanisms());
        }
        SaslClient client = login.newClient(address.getHostString());
        try {
            byte[] token = client.hasInitialResponse() ? client.evaluateChallenge(new byte[0]) : new byte[0];
            for (int round = 0; round < MAX_SASL_ROUNDS; round++) {
                SaslAuthenticateRequest.Builder step = new SaslAuthenticateRequest.Builder(new SaslAuthenticateRequestData().setAuthBytes(token));
                SaslAuthenticateResponse answer = exchange(step.build(versionFor(step)));
                if (answer.error() != Errors.NONE) {
                    throw new SaslAuthenticationException("SASL " + login.mechanism() + " login as " + login.username() + " to " + address
                            + " failed: " + answer.error() + (answer.errorMessage() == null ? "" : ": " + answer.errorMessage()));
                }
                if (client.isComplete()) {
                    return;
                }
                token = client.evaluateChallenge(answer.saslAuthBytes());
                if (client.isComplete() && token == null) {
                    return; // SCRAM: the server's final message checked out
                }
            }
            throw new SaslAuthenticationException("SASL " + login.mechanism() + " login to " + address + " did not complete in "
                    + MAX_SASL_ROUNDS + " rounds");
        } catch (SaslException e) {
            throw new SaslAuthenticationException("SASL " + login.mechanism() + " login as " + login.username() + " to " + address
                    + " failed: " + e.getMessage(), e);
        } finally {
            client.dispose();
        }
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
        Socket s = tcp;
        tcp = null;
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
