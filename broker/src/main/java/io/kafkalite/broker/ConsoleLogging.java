package io.kafkalite.broker;

import io.kafkalite.handlers.LoggerLevels;
import java.io.PrintStream;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
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
 * for a logger and the loggers below it ({@code io.netty}, {@code org.apache.kafka} and
 * {@code org.apache.ratis} default to warn, Ratis' client to off). Levels
 * change at run time through BROKER_LOGGER configs ({@code kafka-configs --entity-type broker-loggers}).
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
        // Apache Ratis (cluster metadata) logs every election and connection at INFO; its client logs each retried
        // attempt of a proposal as an ERROR (the quorum's callers get, and report, the final outcome)
        levels.put("org.apache.ratis", Level.WARN);
        levels.put("org.apache.ratis.client.impl", null);
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

    /**
     * Loggers by name, each with the level of its nearest configured ancestor. Levels change at run time through
     * {@link LoggerLevels} (BROKER_LOGGER configs): each change recomputes every logger's threshold, which loggers
     * read without a lock.
     */
    static final class Factory implements ILoggerFactory, LoggerLevels {
        private static final int OFF = Integer.MAX_VALUE;

        /** Configured thresholds by logger name or prefix (OFF for off). */
        private final Map<String, Integer> levels = new ConcurrentHashMap<>();
        private final Map<String, ConsoleLogger> loggers = new ConcurrentHashMap<>();
        private final TimeZone zone;
        private final PrintStream out;
        private volatile int root;

        Factory(Map<String, Level> levels, Level root, TimeZone zone, PrintStream out) {
            levels.forEach((name, level) -> this.levels.put(name, threshold(level)));
            this.root = threshold(root);
            this.zone = zone;
            this.out = out;
        }

        private static int threshold(Level level) {
            return level == null ? OFF : level.toInt();
        }

        @Override
        public Logger getLogger(String name) {
            return loggers.computeIfAbsent(name, n -> new ConsoleLogger(n, threshold(n), this));
        }

        /** The lowest level that is logged; OFF for off. */
        private int threshold(String name) {
            for (String n = name; ; n = n.substring(0, n.lastIndexOf('.'))) {
                Integer level = levels.get(n);
                if (level != null) {
                    return level;
                }
                if (n.lastIndexOf('.') < 0) {
                    return root;
                }
            }
        }

        @Override
        public Map<String, String> levels() {
            Map<String, String> all = new HashMap<>();
            // each package above a logger too, so that tools that check names first can set a level on it
            Set<String> named = new HashSet<>(levels.keySet());
            named.addAll(loggers.keySet());
            for (String logger : named) {
                for (String n = logger; !all.containsKey(n); n = n.substring(0, n.lastIndexOf('.'))) {
                    all.put(n, name(threshold(n)));
                    if (n.lastIndexOf('.') < 0) {
                        break;
                    }
                }
            }
            all.put(ROOT, name(root));
            return all;
        }

        private static String name(int threshold) {
            for (Level level : Level.values()) {
                if (level.toInt() == threshold) {
                    return level.name();
                }
            }
            return "OFF";
        }

        @Override
        public boolean exists(String name) {
            if (name.equals(ROOT) || levels.containsKey(name) || loggers.containsKey(name)) {
                return true;
            }
            String prefix = name + ".";
            return loggers.keySet().stream().anyMatch(n -> n.startsWith(prefix)) || levels.keySet().stream().anyMatch(n -> n.startsWith(prefix));
        }

        @Override
        public synchronized void set(String name, String level) {
            int threshold = threshold(Level.valueOf(level));
            if (name.equals(ROOT)) {
                root = threshold;
            } else {
                levels.put(name, threshold);
            }
            loggers.values().forEach(l -> l.threshold = threshold(l.getName()));
        }

        @Override
        public synchronized void unset(String name) {
            levels.remove(name);
            loggers.values().forEach(l -> l.threshold = threshold(l.getName()));
        }
    }

    private static final class ConsoleLogger extends LegacyAbstractLogger {
        private volatile int threshold;
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
            timestamp(line, System.currentTimeMillis(), factory.zone);
            line.append(" [").append(level).append("] ").append(shortName).append(" - ")
                    .append(MessageFormatter.basicArrayFormat(pattern, args));
            PrintStream out = factory.out;
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
