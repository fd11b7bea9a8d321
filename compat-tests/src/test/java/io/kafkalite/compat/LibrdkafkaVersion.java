package io.kafkalite.compat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The librdkafka builds the librdkafka tests run Debian's confluent-kafka and kcat with: the one they
 * were packaged with, and the newest release built by {@code install-clients.sh} into
 * {@code ~/.cache/kafkalite/librdkafka-VERSION}, loaded instead through {@code LD_LIBRARY_PATH}
 * (librdkafka.so.1 keeps its ABI). {@code expectedVersion} is what {@code rd_kafka_version_str()} must say.
 */
enum LibrdkafkaVersion {
    DEBIAN("debian", null, null),
    // keep in sync with librdkafka_version in install-clients.sh
    NEWEST("2.15.1", Path.of(System.getProperty("user.home"), ".cache", "kafkalite", "librdkafka-2.15.1", "lib"), "2.15.1");

    final String label;
    final Path libDir;
    final String expectedVersion;

    LibrdkafkaVersion(String label, Path libDir, String expectedVersion) {
        this.label = label;
        this.libDir = libDir;
        this.expectedVersion = expectedVersion;
    }

    /** The environment a client process needs to load this build. */
    Map<String, String> env() {
        return libDir == null ? Map.of() : Map.of("LD_LIBRARY_PATH", libDir.toString());
    }

    /** A suffix for topic and file names ("debian", "2-15-1"). */
    String id() {
        return label.replace('.', '-');
    }

    /** Skips (fails under CI) unless python3 imports confluent_kafka with this build. */
    void requireConfluentKafka() {
        requireBuild();
        Clients.require(Subprocess.works(List.of(LibrdkafkaTest.PYTHON, "-c", "import confluent_kafka"), env()),
                LibrdkafkaTest.PYTHON + " with confluent_kafka", "apt package python3-confluent-kafka");
    }

    /** Skips (fails under CI) unless kcat is installed and this build is present. */
    void requireKcat() {
        requireBuild();
        Clients.require(Files.isExecutable(Path.of(LibrdkafkaTest.KCAT)), LibrdkafkaTest.KCAT, "apt package kcat");
    }

    private void requireBuild() {
        if (libDir != null) {
            Clients.require(Files.exists(libDir.resolve("librdkafka.so.1")), "librdkafka " + label + " in " + libDir,
                    "built from source, cached afterwards");
        }
    }

    @Override
    public String toString() {
        return "librdkafka " + label;
    }
}
