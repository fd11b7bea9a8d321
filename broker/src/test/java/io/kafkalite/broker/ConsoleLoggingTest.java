package io.kafkalite.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.text.SimpleDateFormat;
import java.util.Date;
import java.util.Map;
import java.util.TimeZone;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.event.Level;

class ConsoleLoggingTest {
    @Test
    void timestampsMatchSimpleDateFormatInEveryZone() {
        long[] instants = {0L, -1L, 951_782_400_123L /* 2000-02-29 */, 1_711_846_799_999L /* Berlin, before DST */,
                1_711_846_800_000L, 4_102_444_800_007L /* 2100 */, -2_208_988_800_001L /* 1899 */};
        for (String id : new String[] {"UTC", "Europe/Berlin", "America/St_Johns", "Asia/Kathmandu", "Pacific/Apia"}) {
            TimeZone zone = TimeZone.getTimeZone(id);
            SimpleDateFormat reference = new SimpleDateFormat("yyyy-MM-dd HH:mm:ss.SSS");
            reference.setTimeZone(zone);
            for (long instant : instants) {
                StringBuilder ours = new StringBuilder();
                ConsoleLogging.timestamp(ours, instant, zone);
                assertEquals(reference.format(new Date(instant)), ours.toString(), id + " at " + instant);
            }
        }
    }

    @Test
    void linesAndLevelsAsSlf4jSimpleWrites() {
        // given
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream stderr = System.err;
        System.setProperty(ConsoleLogging.LEVEL_PREFIX + "io.kafkalite.quiet", "error");
        ConsoleLogging logging = new ConsoleLogging();
        try {
            System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
            logging.initialize();
        } finally {
            System.setErr(stderr);
            System.clearProperty(ConsoleLogging.LEVEL_PREFIX + "io.kafkalite.quiet");
        }
        Logger broker = logging.getLoggerFactory().getLogger("io.kafkalite.broker.Broker");
        Logger quiet = logging.getLoggerFactory().getLogger("io.kafkalite.quiet.Deep");
        Logger netty = logging.getLoggerFactory().getLogger("io.netty.channel.Foo");

        // when
        broker.debug("not shown");
        broker.info("Listener {} on port {}", "PLAINTEXT", 9092);
        quiet.warn("not shown either");
        quiet.error("failed", new IllegalStateException("boom"));
        netty.info("not shown");
        netty.warn("shown");

        // then
        String[] lines = captured.toString(StandardCharsets.UTF_8).split("\n");
        assertTrue(lines[0].matches("\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}\\.\\d{3} \\[INFO] Broker - Listener PLAINTEXT on port 9092"), lines[0]);
        assertTrue(lines[1].endsWith(" [ERROR] Deep - failed"), lines[1]);
        assertEquals("java.lang.IllegalStateException: boom", lines[2]);
        assertTrue(lines[lines.length - 1].endsWith(" [WARN] Foo - shown"), lines[lines.length - 1]);
        assertFalse(captured.toString(StandardCharsets.UTF_8).contains("not shown"));
        assertFalse(broker.isDebugEnabled());
        assertTrue(quiet.isErrorEnabled());
        assertFalse(quiet.isWarnEnabled());
    }

    @Test
    void levelsChangeAtRunTime() {
        // given
        ConsoleLogging.Factory factory = new ConsoleLogging.Factory(Map.of("io.netty", Level.WARN), Level.INFO, TimeZone.getDefault(), System.err);
        Logger store = factory.getLogger("io.kafkalite.logstore.LogStore");
        Logger netty = factory.getLogger("io.netty.Channel");
        assertFalse(store.isDebugEnabled());
        assertEquals(Map.of("root", "INFO", "io", "INFO", "io.netty", "WARN", "io.netty.Channel", "WARN", "io.kafkalite", "INFO",
                "io.kafkalite.logstore", "INFO", "io.kafkalite.logstore.LogStore", "INFO"), factory.levels());

        // when: a prefix gets DEBUG, root ERROR
        factory.set("io.kafkalite", "DEBUG");
        factory.set("root", "ERROR");

        // then: loggers below the prefix follow, others keep their nearest ancestor's level
        assertTrue(store.isDebugEnabled());
        assertFalse(store.isTraceEnabled());
        assertTrue(netty.isWarnEnabled());
        assertFalse(factory.getLogger("other.Thing").isWarnEnabled());
        assertEquals("DEBUG", factory.levels().get("io.kafkalite.logstore.LogStore"));
        assertEquals("ERROR", factory.levels().get("root"));
        assertTrue(factory.exists("io.kafkalite"));
        assertTrue(factory.exists("io.kafkalite.logstore"));
        assertFalse(factory.exists("io.kafkalit"));

        // when: the prefix's level is removed
        factory.unset("io.kafkalite");

        // then: root's level again
        assertFalse(store.isWarnEnabled());
        assertTrue(store.isErrorEnabled());
    }
}
