package io.kafkalite.broker;

import io.kafkalite.acl.ListenerPrincipals;
import io.kafkalite.acl.ListenerSecurityConfigs;
import io.kafkalite.acl.SaslMechanisms;
import io.kafkalite.acl.ScramCredentialStore;
import io.kafkalite.acl.TlsContexts;
import io.kafkalite.wire.ListenerSpec;
import io.netty.handler.ssl.SslContext;
import java.io.Closeable;
import java.util.Map;
import org.apache.kafka.common.config.internals.BrokerSecurityConfigs;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client listener with what secures it, built from Kafka's settings: its security protocol from
 * {@code listener.security.protocol.map}, its TLS context ({@code [listener.name.<name>.]ssl.*}) and its
 * principal builder, and for SASL listeners their mechanisms ({@code sasl.enabled.mechanisms}, JAAS). Any setting it cannot honour throws a ConfigException naming it, so start-up stops.
 */
final class SecuredListener implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(SecuredListener.class);

    private final Listener listener;
    private final ListenerName name;
    private final SecurityProtocol protocol;
    private final ListenerPrincipals principals;
    private final SslContext tls;
    private final SaslMechanisms sasl;
    private final int saslMaxReceiveSize;

    private SecuredListener(Listener listener, ListenerName name, SecurityProtocol protocol, ListenerPrincipals principals, SslContext tls,
                            SaslMechanisms sasl, int saslMaxReceiveSize) {
        this.sasl = sasl;
        this.saslMaxReceiveSize = saslMaxReceiveSize;
        this.listener = listener;
        this.name = name;
        this.protocol = protocol;
        this.principals = principals;
        this.tls = tls;
    }

    static SecuredListener build(Listener listener, SecurityProtocol protocol, Map<String, String> props, ScramCredentialStore scram) {
        ListenerName name = ListenerName.normalised(listener.name());
        boolean encrypted = protocol == SecurityProtocol.SSL || protocol == SecurityProtocol.SASL_SSL;
        SslContext tls = encrypted ? TlsContexts.forListener(props, name, protocol) : null;
        ListenerPrincipals principals = ListenerPrincipals.forListener(props, name);
        try {
            boolean usesSasl = protocol == SecurityProtocol.SASL_PLAINTEXT || protocol == SecurityProtocol.SASL_SSL;
            SaslMechanisms sasl = usesSasl ? SaslMechanisms.create(props, name, principals.builder(), scram) : null;
            int maxReceive = (Integer) ListenerSecurityConfigs.parse(props, name).get(BrokerSecurityConfigs.SASL_SERVER_MAX_RECEIVE_SIZE_CONFIG);
            return new SecuredListener(listener, name, protocol, principals, tls, sasl, maxReceive);
        } catch (RuntimeException e) {
            principals.close();
            throw e;
        }
    }

    /** The SASL mechanisms of a SASL_PLAINTEXT or SASL_SSL listener, else null. */
    SaslMechanisms sasl() {
        return sasl;
    }

    Listener listener() {
        return listener;
    }

    ListenerName name() {
        return name;
    }

    SecurityProtocol protocol() {
        return protocol;
    }

    ListenerPrincipals principals() {
        return principals;
    }

    ListenerSpec spec() {
        return new ListenerSpec(name, listener.bindsAll() ? null : listener.host(), listener.port(), protocol, tls,
                tls == null ? null : principals::tls, saslMaxReceiveSize);
    }

    @Override
    public void close() {
        if (sasl != null) {
            try {
                sasl.close();
            } catch (Exception e) {
                log.warn("Closing the SASL mechanisms of {} failed", name, e);
            }
        }
        principals.close();
    }
}
