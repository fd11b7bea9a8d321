package io.kafkalite.wire;

import java.net.InetSocketAddress;
import javax.net.ssl.SSLSession;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.auth.SecurityProtocol;

/**
 * The security state of one client connection: its listener, who it is and whether it may send
 * requests. A PLAINTEXT connection is authenticated (as ANONYMOUS) from the start, an SSL one once
 * the TLS handshake is done (as its certificate's principal, or ANONYMOUS without one), a SASL one
 * once SaslAuthenticate succeeded. Until then only ApiVersions, SaslHandshake and SaslAuthenticate
 * are served; anything else closes the connection, as Kafka does. With a session lifetime
 * ({@code connections.max.reauth.ms}, KIP-368) a request other than a re-authentication after it
 * expired closes the connection too.
 */
public final class Connection {
    private final ListenerName listener;
    private final SecurityProtocol protocol;
    private final InetSocketAddress remote;
    private final long failedAuthenticationDelayMs;
    private volatile KafkaPrincipal principal = KafkaPrincipal.ANONYMOUS;
    private volatile boolean authenticated;
    /** System.nanoTime() after which only re-authentication is served; 0 for none. */
    private volatile long sessionExpiryNanos;
    private volatile SSLSession sslSession;
    private volatile boolean closeAfterResponse;
    /** After a SaslHandshake v0: SASL tokens arrive as bare frames, without a Kafka request header. */
    private volatile boolean rawSaslTokens;
    /** The SASL exchange in progress (owned by the SASL handlers); null between exchanges. */
    private volatile Object saslExchange;
    /** System.nanoTime() until which the connection is not read after the current response (quota throttle); 0 for none. */
    private volatile long throttledUntilNanos;

    public Connection(ListenerName listener, SecurityProtocol protocol, InetSocketAddress remote) {
        this(listener, protocol, remote, 0);
    }

    /** @param failedAuthenticationDelayMs {@code connection.failed.authentication.delay.ms} */
    public Connection(ListenerName listener, SecurityProtocol protocol, InetSocketAddress remote, long failedAuthenticationDelayMs) {
        this.failedAuthenticationDelayMs = failedAuthenticationDelayMs;
        this.listener = listener;
        this.protocol = protocol;
        this.remote = remote;
        this.authenticated = protocol == SecurityProtocol.PLAINTEXT;
    }

    public ListenerName listener() {
        return listener;
    }

    public SecurityProtocol protocol() {
        return protocol;
    }

    public InetSocketAddress remote() {
        return remote;
    }

    public KafkaPrincipal principal() {
        return principal;
    }

    public boolean isAuthenticated() {
        return authenticated;
    }

    public boolean usesSasl() {
        return protocol == SecurityProtocol.SASL_PLAINTEXT || protocol == SecurityProtocol.SASL_SSL;
    }

    /** Whether the connection runs over TLS (SSL, SASL_SSL). */
    public boolean encrypts() {
        return protocol == SecurityProtocol.SSL || protocol == SecurityProtocol.SASL_SSL;
    }

    /** The TLS session once its handshake is done; null on plaintext connections. */
    public SSLSession sslSession() {
        return sslSession;
    }

    /** The TLS handshake completed; an SSL (not SASL_SSL) connection is authenticated by it. */
    void tlsEstablished(SSLSession session, KafkaPrincipal certificatePrincipal) {
        this.sslSession = session;
        if (protocol == SecurityProtocol.SSL) {
            authenticated(certificatePrincipal, 0);
        }
    }

    /**
     * Authentication (or re-authentication) succeeded.
     * @param sessionExpiryNanos System.nanoTime() at which the session expires, 0 for never
     */
    public void authenticated(KafkaPrincipal principal, long sessionExpiryNanos) {
        this.rawSaslTokens = false;
        this.principal = principal;
        this.sessionExpiryNanos = sessionExpiryNanos;
        this.authenticated = true;
    }

    /** A SaslHandshake v0 succeeded: until authenticated, frames are raw SASL tokens (Kafka's pre-KIP-152 framing). */
    public void expectRawSaslTokens() {
        this.rawSaslTokens = true;
    }

    boolean expectsRawSaslTokens() {
        return rawSaslTokens && !authenticated;
    }

    public Object saslExchange() {
        return saslExchange;
    }

    public void saslExchange(Object exchange) {
        this.saslExchange = exchange;
    }

    /** The response being built is the last one: the connection closes once it is written (failed authentication). */
    public void closeAfterResponse() {
        this.closeAfterResponse = true;
    }

    public boolean closesAfterResponse() {
        return closeAfterResponse;
    }

    /**
     * The client went over a quota (KIP-219): once the current request's response is written, the
     * connection is not read until {@code throttleMs} from now. Called by a handler before its response completes.
     */
    public void throttle(long throttleMs) {
        if (throttleMs > 0) {
            throttledUntilNanos = System.nanoTime() + throttleMs * 1_000_000L;
        }
    }

    /** How long from {@code nowNanos} the connection stays muted by a {@link #throttle}, in ms (0 for none); clears it. */
    long takeThrottleMs(long nowNanos) {
        long until = throttledUntilNanos;
        if (until == 0) {
            return 0;
        }
        throttledUntilNanos = 0;
        return Math.max(0, (until - nowNanos + 999_999) / 1_000_000);
    }

    /** How long the last response before a close for failed authentication is held back. */
    long failedAuthenticationDelayMs() {
        return failedAuthenticationDelayMs;
    }

    static boolean servedBeforeAuthentication(ApiKeys api) {
        return api == ApiKeys.API_VERSIONS || api == ApiKeys.SASL_HANDSHAKE || api == ApiKeys.SASL_AUTHENTICATE;
    }

    /**
     * Why this request may not be served on this connection now, or null if it may.
     * The caller closes the connection when it is not null.
     */
    String refusal(ApiKeys api, long nowNanos) {
        if (!authenticated) {
            return servedBeforeAuthentication(api) ? null : "unexpected " + api + " request before authentication";
        }
        long expiry = sessionExpiryNanos;
        if (expiry != 0 && nowNanos - expiry > 0 && api != ApiKeys.SASL_HANDSHAKE && api != ApiKeys.SASL_AUTHENTICATE) {
            return "session expired (connections.max.reauth.ms) and the client sent " + api + " instead of re-authenticating";
        }
        return null;
    }
}
