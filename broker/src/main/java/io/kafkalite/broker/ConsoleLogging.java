package io.kafkalite.broker;

import java.io.PrintStream;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TimeZone;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.Logger;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.BasicMDCAdapter;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * The broker process's SLF4J backend (named by {@link Main}; not a registered service, so an application that
 * embeds the broker keeps its own): slf4j-simple's lines and level settings without its start-up cost, the
 * locale data behind its {@code SimpleDateFormat} (about 50 ms of every start). Lines go to standard error as
 * {@code 2026-11-30 06:17:51.400 [INFO] Broker - message}, the time in the JVM's time zone. Levels: the system
 * properties {@code org.slf4j.simpleLogger.defaultLogLevel} (info) and {@code org.slf4j.simpleLogger.log.<name>}
 * for a logger and the loggers below it ({@code io.netty} and {@code org.apache.kafka} default to warn).
 */
public final class ConsoleLogging implements SLF4JServiceProvider {
    static final String LEVEL_PREFIX = "org.slf4j.simpleLogger.log.";
    static final String DEFAULT_LEVEL = "org.slf4j.simpleLogger.defaultLogLevel";

    private final BasicMarkerFactory markers = new BasicMarkerFactory();
    private final BasicMDCAdapter mdc = new BasicMDCAdapter();
    private Factory factory;

    @Override
    public void initialize() {
        Map<String, Level> levels = new HashMap<>(Map.of("io.netty", Level.WARN, "org.apache.kafka", Level.WARN));
        Level root = Level.INFO;
        Properties system = System.getProperties();
        for (String key : system.stringPropertyNames()) {
            if (key.startsWith(LEVEL_PREFIX)) {
                levels.put(key.substring(LEVEL_PREFIX.length()), level(system.getProperty(key)));
            } else if (key.equals(DEFAULT_LEVEL)) {
                root = level(system.getProperty(key));
            }
        }
        factory = new Factory(levels, root, TimeZone.getDefault(), System.err);
    }

    /** A level by slf4j-simple's names; null for "off"; info for a name it does not know either. */
    private static Level level(String name) {
        return switch (name.trim().toLowerCase(Locale.ROOT)) {
            case "trace" -> Level.TRACE;
            case "debug" -> Level.DEBUG;
            case "warn" -> Level.WARN;
            case "error" -> Level.ERROR;
            case "off" -> null;
            default -> Level.INFO;
        };
    }

    @Override
    public ILoggerFactory getLoggerFactory() {
        return factory;
    }

    @Override
    public IMarkerFactory getMarkerFactory() {
        return markers;
    }

    @Override
    public MDCAdapter getMDCAdapter() {
        return mdc;
    }

    @Override
    public String getRequestedApiVersion() {
        return "2.0.99";
    }

    /** Loggers by name, each with the level of its nearest configured ancestor. */
    private record Factory(Map<String, Level> levels, Level root, TimeZone zone, PrintStream out,
                           Map<String, Logger> loggers) implements ILoggerFactory {
        Factory(Map<String, Level> levels, Level root, TimeZone zone, PrintStream out) {
            this(levels, root, zone, out, new ConcurrentHashMap<>());
        }

        @Override
        public Logger getLogger(String name) {
            return loggers.computeIfAbsent(name, n -> new ConsoleLogger(n, threshold(n), this));
        }

        /** The lowest level that is logged; Integer.MAX_VALUE for off. */
        private int threshold(String name) {
            for (String n = name; ; n = n.substring(0, n.lastIndexOf('.'))) {
                if (levels.containsKey(n)) {
                    Level l = levels.get(n);
                    return l == null ? Integer.MAX_VALUE : l.toInt();
                }
                if (n.lastIndexOf('.') < 0) {
                    return root == null ? Integer.MAX_VALUE : root.toInt();
                }
            }
        }
    }

    private static final class ConsoleLogger extends LegacyAbstractLogger {
        private final int threshold;
        private final String shortName;
        private final transient Factory factory;

        ConsoleLogger(String name, int threshold, Factory factory) {
            this.name = name;
            this.threshold = threshold;
            this.shortName = name.substring(name.lastIndexOf('.') + 1);
            this.factory = factory;
        }

        @Override
        public boolean isTraceEnabled() {
            return threshold <= Level.TRACE.toInt();
        }

        @Override
        public boolean isDebugEnabled() {
            return threshold <= Level.DEBUG.toInt();
        }

        @Override
        public boolean isInfoEnabled() {
            return threshold <= Level.INFO.toInt();
        }

        @Override
        public boolean isWarnEnabled() {
            return threshold <= Level.WARN.toInt();
        }

        @Override
        public boolean isErrorEnabled() {
            return threshold <= Level.ERROR.toInt();
        }

        @Override
        protected String getFullyQualifiedCallerName() {
            return null;
        }

        @Override
        protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] args, Throwable thrown) {
            StringBuilder line = new StringBuilder(128);
            timestamp(line, System.currentTimeMillis(), factory.zone());
            line.append(" [").append(level).append("] ").append(shortName).append(" - ")
                    .append(MessageFormatter.basicArrayFormat(pattern, args));
            PrintStream out = factory.out();
            synchronized (out) {
                out.println(line);
                if (thrown != null) {
                    thrown.printStackTrace(out);
                }
                out.flush();
            }
        }
    }

    /** yyyy-MM-dd HH:mm:ss.SSS in {@code zone}, by hand: SimpleDateFormat's locale data would cost the start. */
    static void timestamp(StringBuilder out, long epochMillis, TimeZone zone) {
        long local = epochMillis + zone.getOffset(epochMillis);
        long days = Math.floorDiv(local, 86_400_000L);
        int millisOfDay = (int) Math.floorMod(local, 86_400_000L);
        LocalDate date = LocalDate.ofEpochDay(days);
        out.append(date.getYear()).append('-');
        pad(out, date.getMonthValue(), 2).append('-');
        pad(out, date.getDayOfMonth(), 2).append(' ');
        pad(out, millisOfDay / 3_600_000, 2).append(':');
        pad(out, millisOfDay / 60_000 % 60, 2).append(':');
        pad(out, millisOfDay / 1000 % 60, 2).append('.');
        pad(out, millisOfDay % 1000, 3);
    }

    private static StringBuilder pad(StringBuilder out, int value, int width) {
        for (int limit = 10, digits = 1; digits < width; limit *= 10, digits++) {
            if (value < limit) {
                out.append('0');
            }
        }
        return out.append(value);
    }
}
