package io.kafkalite.handlers.replication;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersion;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.RequestUtils;
import org.apache.kafka.common.requests.ResponseHeader;

/**
 * A scripted leader for the fetcher's tests: answers ApiVersions itself and every other request with {@code script},
 * over Kafka's framing and kafka-clients' serialization; remembers the requests.
 */
final class FakeLeader implements AutoCloseable {
    private final ServerSocket server;
    private final Thread acceptor;
    private final Function<AbstractRequest, AbstractResponse> script;
    final List<AbstractRequest> requests = new CopyOnWriteArrayList<>();

    FakeLeader(Function<AbstractRequest, AbstractResponse> script) throws IOException {
        this.script = script;
        this.server = new ServerSocket(0);
        this.acceptor = new Thread(this::serve, "fake-leader");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    InetSocketAddress address() {
        return new InetSocketAddress("localhost", server.getLocalPort());
    }

    @SuppressWarnings("unchecked")
    <T extends AbstractRequest> List<T> requests(ApiKeys key) {
        return (List<T>) requests.stream().filter(r -> r.apiKey() == key).toList();
    }

    private void serve() {
        while (!server.isClosed()) {
            try (Socket socket = server.accept()) {
                DataInputStream in = new DataInputStream(socket.getInputStream());
                DataOutputStream out = new DataOutputStream(socket.getOutputStream());
                while (true) {
                    byte[] frame = new byte[in.readInt()];
                    in.readFully(frame);
                    ByteBuffer buffer = ByteBuffer.wrap(frame);
                    RequestHeader header = RequestHeader.parse(buffer);
                    AbstractRequest request = AbstractRequest.parseRequest(header.apiKey(), header.apiVersion(),
                            new ByteBufferAccessor(buffer)).request;
                    AbstractResponse response;
                    if (header.apiKey() == ApiKeys.API_VERSIONS) {
                        response = apiVersions();
                    } else {
                        requests.add(request);
                        response = script.apply(request);
                    }
                    ResponseHeader responseHeader = new ResponseHeader(header.correlationId(),
                            header.apiKey().responseHeaderVersion(header.apiVersion()));
                    ByteBuffer answer = RequestUtils.serialize(responseHeader.data(), responseHeader.headerVersion(), response.data(),
                            header.apiVersion());
                    out.writeInt(answer.remaining());
                    out.write(answer.array(), answer.arrayOffset() + answer.position(), answer.remaining());
                    out.flush();
                }
            } catch (IOException | RuntimeException e) {
                // the connection ended (or the server closed): accept the next one
            }
        }
    }

    private static ApiVersionsResponse apiVersions() {
        ApiVersionsResponseData data = new ApiVersionsResponseData();
        for (ApiKeys key : List.of(ApiKeys.API_VERSIONS, ApiKeys.FETCH, ApiKeys.LIST_OFFSETS, ApiKeys.OFFSET_FOR_LEADER_EPOCH)) {
            data.apiKeys().add(new ApiVersion().setApiKey(key.id).setMinVersion(key.oldestVersion()).setMaxVersion(key.latestVersion()));
        }
        return new ApiVersionsResponse(data);
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
