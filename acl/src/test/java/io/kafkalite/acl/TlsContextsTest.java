package io.kafkalite.acl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.ReferenceCountUtil;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class TlsContextsTest {
    private static final ListenerName SSL = new ListenerName("SSL");
    private static final InetAddress CLIENT = InetAddress.getLoopbackAddress();
    private final TestCertificates certs = TestCertificates.get();

    /** Both engines where netty-tcnative is on the classpath, else the JDK's only. */
    static Stream<SslProvider> providers() {
        return OpenSsl.isAvailable() ? Stream.of(SslProvider.JDK, SslProvider.OPENSSL) : Stream.of(SslProvider.JDK);
    }

    @ParameterizedTest
    @MethodSource("providers")
    void requiredClientCertificateGivesItsDistinguishedNameAsPrincipal(SslProvider provider) throws Exception {
        // given
        Map<String, String> props = certs.brokerSsl();
        props.put("ssl.client.auth", "required");
        SslContext context = TlsContexts.forListener(props, SSL, SecurityProtocol.SSL, provider);

        // when
        SSLEngine server = context.newEngine(ByteBufAllocator.DEFAULT);
        TlsHandshake.run(TlsHandshake.client(certs.truststore("PKCS12"), certs.clientKeystore()), server);

        // then
        KafkaPrincipal principal = ListenerPrincipals.forListener(props, SSL).tls(server.getSession(), CLIENT);
        assertEquals(new KafkaPrincipal(KafkaPrincipal.USER_TYPE, TestCertificates.CLIENT_DN), principal);
        ReferenceCountUtil.release(server);
    }

    @Test
    void mappingRulesShortenTheDistinguishedName() throws Exception {
        // given
        Map<String, String> props = certs.brokerSsl();
        props.put("listener.name.ssl.ssl.client.auth", "required");
        props.put("listener.name.ssl.ssl.principal.mapping.rules", "RULE:^CN=(.*?),OU=.*$/$1/,DEFAULT");
        SSLEngine server = TlsContexts.forListener(props, SSL, SecurityProtocol.SSL).newEngine(ByteBufAllocator.DEFAULT);

        // when
        TlsHandshake.run(TlsHandshake.client(certs.truststore("PKCS12"), certs.clientKeystore()), server);

        // then
        assertEquals("User:client", ListenerPrincipals.forListener(props, SSL).tls(server.getSession(), CLIENT).toString());
    }

    @ParameterizedTest
    @MethodSource("providers")
    void requiredClientCertificateThatIsMissingFailsTheHandshake(SslProvider provider) throws Exception {
        // given
        Map<String, String> props = certs.brokerSsl();
        props.put("ssl.client.auth", "required");
        SSLEngine server = TlsContexts.forListener(props, SSL, SecurityProtocol.SSL, provider)
                .newEngine(ByteBufAllocator.DEFAULT);

        // when / then
        SSLException e = assertThrows(SSLHandshakeException.class,
                () -> TlsHandshake.run(TlsHandshake.client(certs.truststore("PKCS12"), null), server));
        assertTrue(e.getMessage().contains("certificate"), e.getMessage());
    }

    @ParameterizedTest
    @MethodSource("providers")
    void withoutClientAuthTheClientIsAnonymous(SslProvider provider) throws Exception {
        // given: Kafka's default, ssl.client.auth=none; and "requested" with a client that has no certificate
        for (String clientAuth : new String[] {"none", "requested"}) {
            Map<String, String> props = certs.brokerSsl();
            props.put("ssl.client.auth", clientAuth);
            SSLEngine server = TlsContexts.forListener(props, SSL, SecurityProtocol.SSL, provider)
                    .newEngine(ByteBufAllocator.DEFAULT);

            // when
            TlsHandshake.run(TlsHandshake.client(certs.truststore("PKCS12"), null), server);

            // then
            assertEquals(KafkaPrincipal.ANONYMOUS, ListenerPrincipals.forListener(props, SSL).tls(server.getSession(), CLIENT));
        }
    }

    @Test
    void clientThatDoesNotTrustTheBrokerFailsTheHandshake() throws Exception {
        // given
        Map<String, String> props = certs.brokerSsl();
        props.put("ssl.keystore.location", certs.untrustedBrokerKeystore().toString());
        SSLEngine server = TlsContexts.forListener(props, SSL, SecurityProtocol.SSL).newEngine(ByteBufAllocator.DEFAULT);

        // when / then
        SSLException e = assertThrows(SSLException.class,
                () -> TlsHandshake.run(TlsHandshake.client(certs.truststore("PKCS12"), null), server));
        assertTrue(e.getMessage().contains("PKIX"), e.getMessage());
    }

    @Test
    void jksAndPemStoresWork() throws Exception {
        // given: a JKS key store with a PEM trust store file; a PEM key file with inline PEM trusted certificates
        Path keyAndChain = certs.dir().resolve("broker-key-and-chain.pem");
        Files.writeString(keyAndChain, TestCertificates.read(certs.brokerKeyPem())
                + TestCertificates.read(certs.brokerCertChainPem()));
        Map<String, String> jks = Map.of("ssl.client.auth", "required",
                "ssl.keystore.type", "JKS", "ssl.keystore.location", certs.brokerKeystore("JKS").toString(),
                "ssl.keystore.password", TestCertificates.PASSWORD,
                "ssl.truststore.type", "PEM", "ssl.truststore.location", certs.caCertPem().toString());
        Map<String, String> pemFiles = Map.of("ssl.client.auth", "required",
                "ssl.keystore.type", "PEM", "ssl.keystore.location", keyAndChain.toString(),
                "ssl.truststore.type", "PEM", "ssl.truststore.certificates", TestCertificates.read(certs.caCertPem()));
        Map<String, String> pemInline = Map.of("ssl.client.auth", "required",
                "ssl.keystore.type", "PEM", "ssl.keystore.key", TestCertificates.read(certs.brokerKeyPem()),
                "ssl.keystore.certificate.chain", TestCertificates.read(certs.brokerCertChainPem()),
                "ssl.truststore.type", "JKS", "ssl.truststore.location", certs.truststore("JKS").toString(),
                "ssl.truststore.password", TestCertificates.PASSWORD);

        for (Map<String, String> props : new Map[] {jks, pemFiles, pemInline}) {
            // when
            SSLEngine server = TlsContexts.forListener(props, SSL, SecurityProtocol.SSL).newEngine(ByteBufAllocator.DEFAULT);
            TlsHandshake.run(TlsHandshake.client(certs.truststore("PKCS12"), certs.clientKeystore()), server);

            // then
            assertEquals("User:" + TestCertificates.CLIENT_DN,
                    ListenerPrincipals.forListener(props, SSL).tls(server.getSession(), CLIENT).toString(), props.toString());
        }
    }

    @Test
    void enabledProtocolsAreHonoured() throws Exception {
        // given
        Map<String, String> props = certs.brokerSsl();
        props.put("ssl.enabled.protocols", "TLSv1.2");
        SSLEngine server = TlsContexts.forListener(props, SSL, SecurityProtocol.SSL).newEngine(ByteBufAllocator.DEFAULT);

        // when
        TlsHandshake.run(TlsHandshake.client(certs.truststore("PKCS12"), null), server);

        // then
        assertEquals("TLSv1.2", server.getSession().getProtocol());
    }

    @Test
    void saslSslAsksForCertificatesOnlyWithTheListenerPrefixedSetting() {
        // given
        ListenerName saslSsl = new ListenerName("SASL_SSL");
        Map<String, String> props = new HashMap<>(Map.of("ssl.client.auth", "required"));
        Map<String, Object> configs = ListenerSecurityConfigs.parse(props, saslSsl);

        // when / then
        assertEquals(io.netty.handler.ssl.ClientAuth.NONE,
                TlsContexts.clientAuth(props, saslSsl, SecurityProtocol.SASL_SSL, configs));
        assertEquals(io.netty.handler.ssl.ClientAuth.REQUIRE,
                TlsContexts.clientAuth(props, SSL, SecurityProtocol.SSL, configs));
        props.put("listener.name.sasl_ssl.ssl.client.auth", "requested");
        assertEquals(io.netty.handler.ssl.ClientAuth.OPTIONAL, TlsContexts.clientAuth(props, saslSsl,
                SecurityProtocol.SASL_SSL, ListenerSecurityConfigs.parse(props, saslSsl)));
    }

    @Test
    void missingKeystoreStopsStartUp() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> TlsContexts.forListener(Map.of(), SSL, SecurityProtocol.SSL));
        assertTrue(e.getMessage().startsWith("Listener SSL: ssl.keystore.location is required"), e.getMessage());
    }

    @Test
    void wrongKeystorePasswordNamesTheSettings() {
        Map<String, String> props = certs.brokerSsl();
        props.put("listener.name.ssl.ssl.keystore.password", "wrong");
        ConfigException e = assertThrows(ConfigException.class,
                () -> TlsContexts.forListener(props, SSL, SecurityProtocol.SSL));
        assertTrue(e.getMessage().startsWith("Listener SSL: key store could not be loaded"), e.getMessage());
        assertTrue(e.getMessage().contains("ssl.keystore.password"), e.getMessage());
        assertTrue(e.getMessage().contains(certs.brokerKeystore("PKCS12").toString()), e.getMessage());
    }

    @Test
    void wrongTruststorePasswordNamesTheSettings() {
        Map<String, String> props = certs.brokerSsl();
        props.put("ssl.truststore.password", "wrong");
        ConfigException e = assertThrows(ConfigException.class,
                () -> TlsContexts.forListener(props, SSL, SecurityProtocol.SSL));
        assertTrue(e.getMessage().startsWith("Listener SSL: trust store could not be loaded"), e.getMessage());
        assertTrue(e.getMessage().contains("ssl.truststore.password"), e.getMessage());
    }

    @Test
    void wrongKeyPasswordNamesTheSettings() {
        Map<String, String> props = certs.brokerSsl();
        props.put("ssl.key.password", "wrong");
        ConfigException e = assertThrows(ConfigException.class,
                () -> TlsContexts.forListener(props, SSL, SecurityProtocol.SSL));
        assertTrue(e.getMessage().startsWith("Listener SSL: key store could not be loaded"), e.getMessage());
        assertTrue(e.getMessage().contains("ssl.key.password"), e.getMessage());
        assertTrue(e.getMessage().contains("Get Key failed"), e.getMessage());
    }

    @Test
    void keystoreWithoutPrivateKeyStopsStartUp() {
        Map<String, String> props = certs.brokerSsl();
        props.put("ssl.keystore.location", certs.truststore("PKCS12").toString());
        ConfigException e = assertThrows(ConfigException.class,
                () -> TlsContexts.forListener(props, SSL, SecurityProtocol.SSL));
        assertTrue(e.getMessage().contains("holds no private key"), e.getMessage());
    }

    @Test
    void unreadableKeystoreFileNamesTheSetting() {
        Map<String, String> props = certs.brokerSsl();
        props.put("ssl.keystore.location", certs.dir().resolve("missing.p12").toString());
        ConfigException e = assertThrows(ConfigException.class,
                () -> TlsContexts.forListener(props, SSL, SecurityProtocol.SSL));
        assertTrue(e.getMessage().startsWith("Listener SSL: ssl.keystore.location names "), e.getMessage());
    }

    @Test
    void invalidSettingsStopStartUp() {
        Map<String, String> badClientAuth = certs.brokerSsl();
        badClientAuth.put("ssl.client.auth", "maybe");
        Map<String, String> badCipher = certs.brokerSsl();
        badCipher.put("ssl.cipher.suites", "TLS_NO_SUCH_SUITE");
        Map<String, String> badProtocol = certs.brokerSsl();
        badProtocol.put("ssl.protocol", "TLSv0.9");
        Map<String, String> badRules = Map.of("ssl.principal.mapping.rules", "RULE:oops");

        assertThrows(ConfigException.class, () -> TlsContexts.forListener(badClientAuth, SSL, SecurityProtocol.SSL));
        ConfigException cipher = assertThrows(ConfigException.class,
                () -> TlsContexts.forListener(badCipher, SSL, SecurityProtocol.SSL));
        assertTrue(cipher.getMessage().startsWith("Listener SSL: ssl.enabled.protocols / ssl.cipher.suites"),
                cipher.getMessage());
        assertTrue(cipher.getMessage().contains("TLS_NO_SUCH_SUITE"), cipher.getMessage());
        ConfigException protocol = assertThrows(ConfigException.class,
                () -> TlsContexts.forListener(badProtocol, SSL, SecurityProtocol.SSL));
        assertTrue(protocol.getMessage().startsWith("Listener SSL: ssl.protocol=TLSv0.9"), protocol.getMessage());
        ConfigException rules = assertThrows(ConfigException.class, () -> ListenerPrincipals.forListener(badRules, SSL));
        assertTrue(rules.getMessage().startsWith("Listener SSL: ssl.principal.mapping.rules"), rules.getMessage());
    }

    @Test
    void endpointIdentificationIsAcceptedOnTheBroker() {
        Map<String, String> props = certs.brokerSsl();
        props.put("ssl.endpoint.identification.algorithm", "");
        TlsContexts.forListener(props, SSL, SecurityProtocol.SSL);
    }
}
