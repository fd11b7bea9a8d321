package io.kafkalite.broker;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.common.config.ConfigException;

/**
 * Broker properties from, in rising precedence: a {@code server.properties} file, {@code KAFKA_*}
 * environment variables (named as the apache/kafka image names them: {@code KAFKA_LOG_DIRS} is
 * {@code log.dirs}; {@code __} stands for {@code _} and {@code ___} for {@code -}), and
 * {@code --override key=value} arguments.
 */
final class ConfigLoader {
    /** KAFKA_* variables of the launch scripts, not broker configs. */
    private static final Set<String> NOT_CONFIGS = Set.of("KAFKA_HEAP_OPTS", "KAFKA_OPTS", "KAFKA_JVM_PERFORMANCE_OPTS",
            "KAFKA_LOG4J_OPTS", "KAFKA_JMX_OPTS", "KAFKA_GC_LOG_OPTS", "KAFKA_DEBUG", "KAFKA_HOME", "KAFKA_VERSION",
            "KAFKA_LOG4J_LOGGERS", "KAFKA_LOG4J_ROOT_LOGLEVEL", "KAFKA_TOOLS_LOG4J_LOGLEVEL", "KAFKA_CLUSTER_ID");

    private ConfigLoader() { }

    /** @param args {@code [config-file] [--override key=value]...} */
    static Map<String, String> load(List<String> args, Map<String, String> env) throws IOException {
        Map<String, String> props = new LinkedHashMap<>();
        Map<String, String> overrides = new LinkedHashMap<>();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (arg.equals("--override")) {
                if (i + 1 >= args.size()) {
                    throw new ConfigException("--override needs key=value");
                }
                putPair(overrides, args.get(++i));
            } else if (arg.startsWith("--override=")) {
                putPair(overrides, arg.substring("--override=".length()));
            } else if (i == 0) {
                props.putAll(readFile(Path.of(arg)));
            } else {
                throw new ConfigException("Unexpected argument '" + arg + "'; usage: broker [config-file] [--override key=value]...");
            }
        }
        env.forEach((k, v) -> {
            if (k.startsWith("KAFKA_") && !NOT_CONFIGS.contains(k)) {
                props.put(envToProperty(k), v);
            }
        });
        props.putAll(overrides);
        return props;
    }

    static String envToProperty(String envName) {
        return envName.substring("KAFKA_".length()).toLowerCase()
                .replace("___", "-").replace("__", "\u0000").replace('_', '.').replace('\u0000', '_');
    }

    private static Map<String, String> readFile(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new ConfigException("Config file " + file + " does not exist");
        }
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        }
        Map<String, String> result = new LinkedHashMap<>();
        p.stringPropertyNames().forEach(k -> result.put(k, p.getProperty(k).trim()));
        return result;
    }

    private static void putPair(Map<String, String> target, String pair) {
        int eq = pair.indexOf('=');
        if (eq <= 0) {
            throw new ConfigException("Override '" + pair + "' is not key=value");
        }
        target.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
    }
}
