package io.kafkalite.handlers;

import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.FetchMetadata;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a fetch request means for the session cache, decided when it comes in (as Kafka's FetchManager.newContext):
 * which partitions to read, and how an answer is made of the read, possibly much later for a parked fetch.
 * <ul>
 * <li>epoch -1 (also every Fetch before v7): no session; an existing session of that id is closed.</li>
 * <li>epoch 0: a full fetch; replaces the session of that id if any and creates one if the cache admits it.</li>
 * <li>epoch > 0: an incremental fetch on a session: FETCH_SESSION_ID_NOT_FOUND for an unknown id,
 *     INVALID_FETCH_SESSION_EPOCH for another epoch, FETCH_SESSION_TOPIC_ID_ERROR when the request names
 *     topics differently (by id or name) than the session. Else the session takes the request's changes,
 *     its epoch moves on, and all its partitions are read; a session left with no partitions is closed.</li>
 * </ul>
 */
abstract class FetchContext {
    private static final Logger log = LoggerFactory.getLogger(FetchContext.class);

    /** The partitions to read, as a request; null when the answer is a session error without a read. */
    abstract FetchRequest toRead();

    /** The answer to the client from a read of {@link #toRead()} (an empty answer when that is null). */
    abstract FetchResponse respond(FetchResponseData read);

    static FetchContext of(FetchSessionCache cache, FetchRequest request) {
        FetchMetadata metadata = request.metadata();
        boolean byId = request.version() >= 13;
        if (metadata.isFull()) {
            if (metadata.sessionId() != FetchMetadata.INVALID_SESSION_ID) {
                cache.remove(metadata.sessionId());
            }
            return metadata.epoch() == FetchMetadata.FINAL_EPOCH ? new Sessionless(request) : new Full(cache, request, byId);
        }
        synchronized (cache) {
            FetchSession session = cache.get(metadata.sessionId());
            if (session == null) {
                log.debug("Fetch session {} not found", metadata.sessionId());
                return new SessionError(Errors.FETCH_SESSION_ID_NOT_FOUND);
            }
            synchronized (session) {
                if (session.epoch != metadata.epoch()) {
                    log.debug("Fetch session {} expected epoch {}, got {}", session.id, session.epoch, metadata.epoch());
                    return new SessionError(Errors.INVALID_FETCH_SESSION_EPOCH);
                }
                if (session.usesTopicIds != byId) {
                    return new SessionError(Errors.FETCH_SESSION_TOPIC_ID_ERROR);
                }
                session.update(request.data());
                if (session.size() == 0) {
                    cache.remove(session);
                    return new Sessionless(request);
                }
                cache.touch(session, session.size(), cache.now());
                session.epoch = FetchMetadata.nextEpoch(session.epoch);
                return new Incremental(session, metadata.epoch(), readAll(request, session));
            }
        }
    }

    /** The request with the session's partitions in place of its own, and nothing to forget. */
    private static FetchRequest readAll(FetchRequest request, FetchSession session) {
        FetchRequestData d = request.data();
        FetchRequestData all = new FetchRequestData().setClusterId(d.clusterId()).setReplicaId(d.replicaId()).setReplicaState(d.replicaState())
                .setMaxWaitMs(d.maxWaitMs()).setMinBytes(d.minBytes()).setMaxBytes(d.maxBytes()).setIsolationLevel(d.isolationLevel())
                .setSessionId(d.sessionId()).setSessionEpoch(d.sessionEpoch()).setRackId(d.rackId()).setTopics(session.topics());
        return new FetchRequest(all, request.version());
    }

    /** A request without session: read what it names, answer all of it with session id 0. */
    private static final class Sessionless extends FetchContext {
        private final FetchRequest request;

        Sessionless(FetchRequest request) {
            this.request = request;
        }

        @Override
        FetchRequest toRead() {
            return request;
        }

        @Override
        FetchResponse respond(FetchResponseData read) {
            return FetchResponse.of(read.setSessionId(FetchMetadata.INVALID_SESSION_ID));
        }
    }

    /** A full fetch that asks for a session: answered in full, with the new session's id (0 when the cache declines). */
    private static final class Full extends FetchContext {
        private final FetchSessionCache cache;
        private final FetchRequest request;
        private final boolean byId;

        Full(FetchSessionCache cache, FetchRequest request, boolean byId) {
            this.cache = cache;
            this.request = request;
            this.byId = byId;
        }

        @Override
        FetchRequest toRead() {
            return request;
        }

        @Override
        FetchResponse respond(FetchResponseData read) {
            int id = cache.create(request.isFromFollower(), byId, FetchSession.partitionsOf(byId, request.data(), read));
            return FetchResponse.of(read.setSessionId(id));
        }
    }

    /** An incremental fetch: answers only the session's partitions with something new, if its epoch is still current. */
    private static final class Incremental extends FetchContext {
        private final FetchSession session;
        private final int requestEpoch;
        private final FetchRequest all;

        Incremental(FetchSession session, int requestEpoch, FetchRequest all) {
            this.session = session;
            this.requestEpoch = requestEpoch;
            this.all = all;
        }

        @Override
        FetchRequest toRead() {
            return all;
        }

        @Override
        FetchResponse respond(FetchResponseData read) {
            synchronized (session) {
                if (session.epoch != FetchMetadata.nextEpoch(requestEpoch)) { // a later request on the session came first
                    log.info("Fetch session {} moved to epoch {} while answering epoch {}: possible duplicate request",
                            session.id, session.epoch, requestEpoch);
                    return FetchResponse.of(new FetchResponseData().setErrorCode(Errors.INVALID_FETCH_SESSION_EPOCH.code())
                            .setSessionId(session.id));
                }
                session.filter(read);
                return FetchResponse.of(read.setSessionId(session.id));
            }
        }
    }

    /** A session error: nothing is read; the answer is the error with session id 0 and no partitions. */
    private static final class SessionError extends FetchContext {
        private final Errors error;

        SessionError(Errors error) {
            this.error = error;
        }

        @Override
        FetchRequest toRead() {
            return null;
        }

        @Override
        FetchResponse respond(FetchResponseData read) {
            return FetchResponse.of(new FetchResponseData().setErrorCode(error.code()).setSessionId(FetchMetadata.INVALID_SESSION_ID));
        }
    }
}
