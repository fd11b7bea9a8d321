package io.kafkalite.acl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The files non-Java clients read (PEM) and the stores Java reads hold what their names promise. */
class TestCertificatesTest {
    private final TestCertificates certs = TestCertificates.get();

    @Test
    void isGeneratedOncePerJvm() {
        assertSame(certs, TestCertificates.get());
    }

    @Test
    void clientPemFilesHoldTheClientCertificateSignedByTheCaAndItsUnencryptedKey() throws Exception {
        // given
        X509Certificate ca = certificates(certs.caCertPem()).get(0);
        X509Certificate client = certificates(certs.clientCertPem()).get(0);
        byte[] der = Base64.getMimeDecoder().decode(TestCertificates.read(certs.clientKeyPem())
                .replace("-----BEGIN PRIVATE KEY-----", "").replace("-----END PRIVATE KEY-----", ""));
        PrivateKey key = KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(der));

        // when: the key signs, the certificate's public key verifies
        Signature signer = Signature.getInstance("SHA256withECDSA");
        signer.initSign(key);
        signer.update(new byte[] {1, 2, 3});
        byte[] signature = signer.sign();
        Signature verifier = Signature.getInstance("SHA256withECDSA");
        verifier.initVerify(client.getPublicKey());
        verifier.update(new byte[] {1, 2, 3});

        // then
        assertTrue(verifier.verify(signature));
        assertEquals(TestCertificates.CLIENT_DN, client.getSubjectX500Principal().getName());
        client.verify(ca.getPublicKey());
    }

    @Test
    void brokerCertificateNamesLocalhostAndChainsToTheCa() throws Exception {
        // given
        X509Certificate ca = certificates(certs.caCertPem()).get(0);

        for (String type : List.of("PKCS12", "JKS")) {
            // when
            KeyStore store = load(certs.brokerKeystore(type), type);
            X509Certificate broker = (X509Certificate) store.getCertificate("broker");

            // then
            assertEquals(List.of(List.of(2, "localhost"), List.of(7, "127.0.0.1")),
                    new ArrayList<>(broker.getSubjectAlternativeNames()));
            broker.verify(ca.getPublicKey());
            assertEquals(ca, load(certs.truststore(type), type).getCertificate("ca"));
        }
        assertEquals(2, certificates(certs.brokerCertChainPem()).size());
    }

    @Test
    void untrustedBrokerIsSignedByAnotherCa() throws Exception {
        X509Certificate untrusted = (X509Certificate) load(certs.untrustedBrokerKeystore(), "PKCS12")
                .getCertificate("untrusted-broker");
        X509Certificate ca = certificates(certs.caCertPem()).get(0);
        assertNotEquals(ca.getSubjectX500Principal(), untrusted.getIssuerX500Principal());
    }

    private static List<X509Certificate> certificates(Path pem) throws Exception {
        byte[] bytes = TestCertificates.read(pem).getBytes(StandardCharsets.US_ASCII);
        List<X509Certificate> all = new ArrayList<>();
        CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(bytes))
                .forEach(c -> all.add((X509Certificate) c));
        return all;
    }

    private static KeyStore load(Path file, String type) throws Exception {
        KeyStore store = KeyStore.getInstance(type);
        try (InputStream in = Files.newInputStream(file)) {
            store.load(in, TestCertificates.PASSWORD.toCharArray());
        }
        return store;
    }
}
