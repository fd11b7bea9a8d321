package io.kafkalite.acl;

import java.io.Closeable;
import java.net.InetAddress;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLSession;
import javax.security.sasl.SaslServer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.internals.BrokerSecurityConfigs;
import org.apache.kafka.common.network.ChannelBuilders;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.auth.KafkaPrincipalBuilder;
import org.apache.kafka.common.security.auth.PlaintextAuthenticationContext;
import org.apache.kafka.common.security.auth.SaslAuthenticationContext;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.common.security.auth.SslAuthenticationContext;
import org.apache.kafka.common.security.ssl.SslPrincipalMapper;
import org.apache.kafka.common.utils.Utils;

/**
 * Who a client of one listener is, decided as Kafka decides it: by the listener's
 * {@link KafkaPrincipalBuilder}, either the class named by {@code principal.builder.class} (instantiated and,
 * if {@code Configurable}, configured with the listener's settings, as Kafka does) or kafka-clients'
 * {@code DefaultKafkaPrincipalBuilder} with {@code ssl.principal.mapping.rules}. With the default builder:
 * <ul>
 *   <li>TLS: {@code User:<distinguished name of the client certificate>} (RFC 2253, e.g.
 *       {@code CN=client,OU=test,O=kafkalite}) or its mapped name; {@code User:ANONYMOUS} when the client sent
 *       no certificate (client auth none or requested);</li>
 *   <li>SASL (PLAIN, SCRAM, OAUTHBEARER): {@code User:<authorization id>} of the finished SASL exchange;</li>
 *   <li>PLAINTEXT: {@code User:ANONYMOUS}.</li>
 * </ul>
 * GSSAPI is not served, so no Kerberos short-namer is configured. One instance per listener, thread-safe as
 * long as the builder is (the default one is).
 */
public final class ListenerPrincipals implements Closeable {
    private final ListenerName listener;
    private final KafkaPrincipalBuilder builder;

    private ListenerPrincipals(ListenerName listener, KafkaPrincipalBuilder builder) {
        this.listener = listener;
        this.builder = builder;
    }

    /**
     * @param props the broker's properties as configured; {@code listener.name.<name>.} overrides apply
     * @throws ConfigException naming the listener when the builder class or the mapping rules are invalid
     */
    public static ListenerPrincipals forListener(Map<String, String> props, ListenerName listener) {
        Map<String, Object> configs = ListenerSecurityConfigs.parse(props, listener);
        String rules = (String) configs.get(BrokerSecurityConfigs.SSL_PRINCIPAL_MAPPING_RULES_CONFIG);
        SslPrincipalMapper mapper;
        try {
            mapper = SslPrincipalMapper.fromRules(rules);
        } catch (IllegalArgumentException e) {
            throw TlsStores.fail(listener.value(), BrokerSecurityConfigs.SSL_PRINCIPAL_MAPPING_RULES_CONFIG + "=" + rules,
                    "is invalid", e);
        }
        try {
            return new ListenerPrincipals(listener, ChannelBuilders.createPrincipalBuilder(configs, null, mapper));
        } catch (KafkaException e) {
            throw TlsStores.fail(listener.value(), BrokerSecurityConfigs.PRINCIPAL_BUILDER_CLASS_CONFIG + "="
                    + configs.get(BrokerSecurityConfigs.PRINCIPAL_BUILDER_CLASS_CONFIG), "cannot be used", e);
        }
    }

    /** The builder itself, e.g. for its {@code KafkaPrincipalSerde} side. */
    public KafkaPrincipalBuilder builder() {
        return builder;
    }

    /** The principal of an SSL connection whose handshake has completed. */
    public KafkaPrincipal tls(SSLSession session, InetAddress clientAddress) {
        return builder.build(new SslAuthenticationContext(session, clientAddress, listener.value()));
    }

    /**
     * The principal of a completed SASL exchange.
     *
     * @param sslSession the TLS session of a SASL_SSL connection, null on SASL_PLAINTEXT
     */
    public KafkaPrincipal sasl(SaslServer server, SecurityProtocol protocol, InetAddress clientAddress,
                               SSLSession sslSession) {
        return builder.build(new SaslAuthenticationContext(server, protocol, clientAddress, listener.value(),
                Optional.ofNullable(sslSession)));
    }

    /** The principal of a PLAINTEXT connection. */
    public KafkaPrincipal plaintext(InetAddress clientAddress) {
        return builder.build(new PlaintextAuthenticationContext(clientAddress, listener.value()));
    }

    /** Closes the builder if it holds resources (a custom one may). */
    @Override
    public void close() {
        if (builder instanceof AutoCloseable closeable) {
            Utils.closeQuietly(closeable, "principal builder of listener " + listener.value());
        }
    }
}
