package io.kafkalite.compat;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * kafkajs consumers ({@code src/test/js/kafkajs_group.js}) in a consumer group, over the classic protocol at
 * the versions kafkajs 2.x speaks (JoinGroup v5, SyncGroup v3, Heartbeat v3, OffsetCommit v5, OffsetFetch v4,
 * LeaveGroup v3, DescribeGroups v2): two members split a 4-partition topic 2/2, one disconnects and the other
 * takes everything back, a third resumes from the committed offsets; every record is read exactly once, with
 * each batch committed explicitly (the script checks, see its header). Then the stock Java Admin and consumer
 * cross-check what it left, as in {@link LibrdkafkaGroupTest}. Skipped where node or
 * {@code src/test/js/node_modules} is missing ({@code compat-tests/install-clients.sh}), failed instead when
 * {@code CI} is set.
 */
class KafkajsGroupTest {
    static final Pattern TOTAL = Pattern.compile("TOTAL (\\d+) records");

    @RegisterExtension
    static final TestBroker broker = TestBroker.perClass(Map.of("group.initial.rebalance.delay.ms", "0"));
    @TempDir
    static Path dir;


    @Test
    void kafkajsConsumersShareAGroup() throws Exception {
        // given
        Path jsDir = Subprocess.moduleDir().resolve("src/test/js");
        Clients.require(Subprocess.works(List.of("node", "--version")), "node (Node 18+)", "apt packages nodejs npm");
        Clients.require(Files.isDirectory(jsDir.resolve("node_modules/kafkajs")), "kafkajs in " + jsDir + "/node_modules",
                "npm ci in src/test/js");
        String topic = "kafkajs-group";
        String group = "kafkajs-g";
        // when
        Subprocess.Result run = Subprocess.run(List.of("node", "kafkajs_group.js", broker.bootstrap(), topic, group),
                jsDir, null, dir, "kafkajs_group", Subprocess.TIMEOUT);
        // then
        assertTrue(run.ok() && run.stdoutText().contains("kafkajs group ok"), run::report);
        Matcher total = TOTAL.matcher(run.stdoutText());
        assertTrue(total.find(), run::report);
        LibrdkafkaGroupTest.verifyGroupReadEverything(broker, topic, 4, group, Integer.parseInt(total.group(1)), run);
    }
}
