package io.kafkalite.compat;

import java.util.Map;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Kafka's own console producer and consumer (kafka-tools 4.4.0) as separate processes. */
class ConsoleToolsTest {
    @RegisterExtension
    static final TestBroker broker = TestBroker.perClass(Map.of());
    @TempDir
    static Path dir;


    static Process tool(String mainClass, List<String> args, Path stdin, Path stdout) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), mainClass));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(stdout.toFile()).redirectError(dir.resolve(mainClass + ".err").toFile());
        if (stdin != null) {
            pb.redirectInput(stdin.toFile());
        }
        return pb.start();
    }

    @Test
    void consoleProducerAndConsumerRoundTripLines() throws Exception {
        // given
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            lines.add("key" + i + ":line number " + i);
        }
        Path input = dir.resolve("in.txt");
        Files.write(input, lines, StandardCharsets.UTF_8);
        // when
        Process producer = tool("org.apache.kafka.tools.ConsoleProducer", List.of("--bootstrap-server", broker.bootstrap(),
                "--topic", "console", "--reader-property", "parse.key=true", "--reader-property", "key.separator=:"), input, dir.resolve("producer.out"));
        assertEquals(0, producer.waitFor(60, TimeUnit.SECONDS) ? producer.exitValue() : -1, "console producer exit code");
        Path output = dir.resolve("consumer.out");
        Process consumer = tool("org.apache.kafka.tools.consumer.ConsoleConsumer", List.of("--bootstrap-server", broker.bootstrap(),
                "--topic", "console", "--partition", "0", "--offset", "earliest", "--max-messages", "200",
                "--formatter-property", "print.key=true", "--formatter-property", "key.separator=:"), null, output);
        boolean exited = consumer.waitFor(60, TimeUnit.SECONDS);
        if (!exited) {
            consumer.destroyForcibly();
        }
        // then
        assertEquals(lines, Files.readAllLines(output, StandardCharsets.UTF_8));
    }
}
