package io.kafkalite.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A throw-away CA and a broker certificate it signed (SAN localhost and 127.0.0.1, so clients verify the host name as
 * Kafka's default {@code ssl.endpoint.identification.algorithm=https} does), made by the JDK's keytool as a user would:
 * the broker's PKCS12 keystore (key, certificate, CA) and a PKCS12 truststore holding the CA for the clients.
 */
final class TlsFiles {
    /** keytool's PKCS12 stores use one password for the store and its keys. */
    static final String PASSWORD = "bench-store-secret";

    final Path keystore;
    final Path truststore;

    private TlsFiles(Path keystore, Path truststore) {
        this.keystore = keystore;
        this.truststore = truststore;
    }

    static TlsFiles generate(Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Path ca = dir.resolve("ca.p12");
        Path caCert = dir.resolve("ca.pem");
        Path keystore = dir.resolve("broker.keystore.p12");
        Path request = dir.resolve("broker.csr");
        Path brokerCert = dir.resolve("broker.pem");
        Path truststore = dir.resolve("client.truststore.p12");
        keytool(dir, "-genkeypair", "-alias", "bench-ca", "-dname", "CN=kafkalite bench CA", "-keyalg", "RSA", "-keysize", "2048",
                "-validity", "30", "-ext", "bc:c", "-keystore", ca.toString(), "-storetype", "PKCS12", "-storepass", PASSWORD);
        keytool(dir, "-exportcert", "-rfc", "-alias", "bench-ca", "-keystore", ca.toString(), "-storepass", PASSWORD,
                "-file", caCert.toString());
        keytool(dir, "-genkeypair", "-alias", "broker", "-dname", "CN=localhost", "-keyalg", "RSA", "-keysize", "2048",
                "-validity", "30", "-keystore", keystore.toString(), "-storetype", "PKCS12", "-storepass", PASSWORD);
        keytool(dir, "-certreq", "-alias", "broker", "-keystore", keystore.toString(), "-storepass", PASSWORD, "-file", request.toString());
        keytool(dir, "-gencert", "-alias", "bench-ca", "-keystore", ca.toString(), "-storepass", PASSWORD, "-infile", request.toString(),
                "-outfile", brokerCert.toString(), "-rfc", "-validity", "30", "-ext", "SAN=dns:localhost,ip:127.0.0.1",
                "-ext", "KU=digitalSignature,keyEncipherment", "-ext", "EKU=serverAuth,clientAuth");
        // the CA first, so that the signed certificate replaces the self-signed one as a chain ending in a trusted root
        keytool(dir, "-importcert", "-noprompt", "-alias", "bench-ca", "-file", caCert.toString(), "-keystore", keystore.toString(),
                "-storepass", PASSWORD);
        keytool(dir, "-importcert", "-alias", "broker", "-file", brokerCert.toString(), "-keystore", keystore.toString(),
                "-storepass", PASSWORD);
        keytool(dir, "-importcert", "-noprompt", "-alias", "bench-ca", "-file", caCert.toString(), "-keystore", truststore.toString(),
                "-storetype", "PKCS12", "-storepass", PASSWORD);
        return new TlsFiles(keystore, truststore);
    }

    private static void keytool(Path dir, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
        cmd.addAll(List.of(args));
        Path log = dir.resolve("keytool.log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        if (p.waitFor() != 0) {
            throw new IllegalStateException("keytool " + args[0] + " failed: " + Tool.tail(Files.readString(log)));
        }
    }
}
