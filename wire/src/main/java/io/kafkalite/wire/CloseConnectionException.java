package io.kafkalite.wire;

/**
 * Completes a request's future to close its connection instead of answering, as Kafka does when a
 * Produce with acks=0 fails: the client has no response to read the error from, so it must notice.
 */
public final class CloseConnectionException extends RuntimeException {
    public CloseConnectionException(String reason) {
        super(reason, null, false, false);
    }
}
