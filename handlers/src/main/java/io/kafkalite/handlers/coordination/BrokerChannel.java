package io.kafkalite.handlers.coordination;

import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.EnumMap;
import java.util.Map;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersion;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * A blocking PLAINTEXT connection to another broker, for one thread: a request out, its response in. A new
 * connection starts with ApiVersions; requests then go at the newest version both sides serve. Any I/O error closes
 * it; the next {@link #send} reconnects.
 */
final class BrokerChannel implements AutoCloseable {
    private static final int CONNECT_TIMEOUT_MS = 10_000;
    private static final int READ_TIMEOUT_MS = 30_000;
    private static final int MAX_RESPONSE_BYTES = 100 * 1024 * 1024;

    private final String clientId;
    private final Map<ApiKeys, Short> versions = new EnumMap<>(ApiKeys.class);
    private Socket socket;
    private InetSocketAddress connectedTo;
    private DataInputStream in;
    private DataOutputStream out;
    private int correlationId;

    BrokerChannel(String clientId) {
        this.clientId = clientId;
    }

    /** Sends the request to {@code address} (reconnecting if it moved or the connection broke) and reads its answer. */
    @SuppressWarnings("unchecked")
    <R extends AbstractResponse> R send(InetSocketAddress address, AbstractRequest.Builder<?> builder) throws IOException {
        if (socket == null || !address.equals(connectedTo)) {
            connect(address);
        }
        Short max = versions.get(builder.apiKey());
        short version = (short) Math.min(builder.latestAllowedVersion(), max == null ? -1 : max);
        if (version < builder.oldestAllowedVersion()) {
            throw new IOException(address + " serves no version of " + builder.apiKey() + " we can send");
        }
        try {
            return (R) exchange(builder.build(version));
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    private void connect(InetSocketAddress address) throws IOException {
        close();
        Socket s = new Socket();
        try {
            s.setTcpNoDelay(true);
            s.connect(address, CONNECT_TIMEOUT_MS);
            s.setSoTimeout(READ_TIMEOUT_MS);
            socket = s;
            connectedTo = address;
            in = new DataInputStream(s.getInputStream());
            out = new DataOutputStream(new BufferedOutputStream(s.getOutputStream()));
            versions.clear();
            ApiVersionsResponse answer = exchange(new ApiVersionsRequest.Builder().build(ApiKeys.API_VERSIONS.latestVersion()));
            if (answer.data().errorCode() != Errors.NONE.code()) {
                throw new IOException("ApiVersions to " + address + ": " + Errors.forCode(answer.data().errorCode()));
            }
            for (ApiVersion v : answer.data().apiKeys()) {
                if (ApiKeys.hasId(v.apiKey())) {
                    versions.put(ApiKeys.forId(v.apiKey()), v.maxVersion());
                }
            }
        } catch (IOException | RuntimeException e) {
            s.close();
            close();
            throw e;
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
        if (size < 0 || size > MAX_RESPONSE_BYTES) {
            throw new IOException("Response of " + size + " bytes to " + request.apiKey());
        }
        byte[] body = new byte[size];
        in.readFully(body);
        return (R) AbstractResponse.parseResponse(ByteBuffer.wrap(body), header);
    }

    @Override
    public void close() {
        Socket s = socket;
        socket = null;
        connectedTo = null;
        if (s != null) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }
}
