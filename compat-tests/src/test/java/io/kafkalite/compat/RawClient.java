package io.kafkalite.compat;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestHeader;

/** A bare socket speaking the Kafka protocol with kafka-clients' own serializers, for exact and malformed requests. */
final class RawClient implements AutoCloseable {
    private final Socket socket;
    private final DataOutputStream out;
    private final DataInputStream in;
    private int correlationId;

    RawClient(int port) throws IOException {
        socket = new Socket("localhost", port);
        socket.setSoTimeout(10_000);
        socket.setTcpNoDelay(true); // a frame is written in pieces: no Nagle delay between them
        out = new DataOutputStream(socket.getOutputStream());
        in = new DataInputStream(socket.getInputStream());
    }

    /** Sends a request and returns its header (for reading the response). */
    RequestHeader send(AbstractRequest request) throws IOException {
        RequestHeader header = new RequestHeader(request.apiKey(), request.version(), "raw-client", ++correlationId);
        ByteBuffer body = request.serializeWithHeader(header);
        out.writeInt(body.remaining());
        out.write(body.array(), body.arrayOffset() + body.position(), body.remaining());
        out.flush();
        return header;
    }

    @SuppressWarnings("unchecked")
    <T extends AbstractResponse> T call(AbstractRequest request) throws IOException {
        RequestHeader header = send(request);
        return (T) AbstractResponse.parseResponse(ByteBuffer.wrap(readFrame()), header);
    }

    <T extends AbstractResponse> T read(RequestHeader header) throws IOException {
        @SuppressWarnings("unchecked")
        T response = (T) AbstractResponse.parseResponse(ByteBuffer.wrap(readFrame()), header);
        return response;
    }

    void sendRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** A whole request frame: size prefix, then header fields and body given as raw bytes. */
    void sendFrame(short apiKey, short version, int correlation, byte[] rest) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(4 + 2 + 2 + 4 + 2 + rest.length);
        b.putInt(b.capacity() - 4).putShort(apiKey).putShort(version).putInt(correlation).putShort((short) -1).put(rest);
        sendRaw(b.array());
    }

    byte[] readFrame() throws IOException {
        int size = in.readInt();
        byte[] frame = new byte[size];
        in.readFully(frame);
        return frame;
    }

    /** True when the broker closes the connection (EOF or reset) before a byte arrives, within 10 s (a loaded machine). */
    boolean closedByBroker() throws IOException {
        try {
            return in.read() == -1;
        } catch (EOFException | java.net.SocketException e) {
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        }
    }

    /**
     * True when nothing (neither a byte nor a close) arrives within {@code millis}. When false, the first byte of
     * an answer may have been read: the frames that follow are out of step, so close this client.
     */
    boolean silentFor(int millis) throws IOException {
        socket.setSoTimeout(millis);
        try {
            in.read();
            return false;
        } catch (SocketTimeoutException e) {
            return true;
        } catch (java.net.SocketException e) {
            return false;
        } finally {
            socket.setSoTimeout(10_000);
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
