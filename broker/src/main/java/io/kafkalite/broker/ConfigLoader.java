package io.kafkalite.broker;

import io.kafkalite.logstore.LogStore;
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
 * Broker properties from, in rising precedence: a {@code server.properties} file, environment variables
 * as the apache/kafka image reads them, and {@code --override key=value} arguments. The environment:
 * {@code KAFKA_*} variables are broker configs ({@code KAFKA_LOG_DIRS} is {@code log.dirs}: strip
 * {@code KAFKA_}, lower case, {@code _} is {@code .}, {@code ___} is {@code -} and {@code __} is {@code _}),
 * except the launch scripts' own; {@code CLUSTER_ID} is the id a new data directory gets ({@code cluster.id}).
 */
final class ConfigLoader {
    /**
     * KAFKA_* variables of the launch scripts, not broker configs: those apache/kafka's image skips
     * (KafkaDockerWrapper), plus the other variables Kafka's bin/ scripts read.
     */
    private static final Set<String> NOT_CONFIGS = Set.of("KAFKA_VERSION", "KAFKA_HEAP_OPTS", "KAFKA_LOG4J_OPTS", "KAFKA_OPTS",
            "KAFKA_JMX_OPTS", "KAFKA_JVM_PERFORMANCE_OPTS", "KAFKA_GC_LOG_OPTS", "KAFKA_LOG4J_ROOT_LOGLEVEL", "KAFKA_LOG4J_LOGGERS",
            "KAFKA_TOOLS_LOG4J_LOGLEVEL", "KAFKA_JMX_HOSTNAME", "KAFKA_JMX_PORT", "KAFKA_DEBUG", "KAFKA_HOME");
    /** What the apache/kafka image formats new storage with ({@code kafka-storage format --cluster-id}). */
    private static final String CLUSTER_ID_ENV = "CLUSTER_ID";

    private ConfigLoader() { }

    /**
     * @param args {@code [config-file] [--defaults file] [--override key=value]...}; the defaults file is read only
     *             when there is no config file and no {@code KAFKA_*} broker config in the environment: the
     *             apache/kafka image's rule for its built-in {@code server.properties}
     */
    static Map<String, String> load(List<String> args, Map<String, String> env) throws IOException {
        Path file = null;
        Path defaults = null;
        Map<String, String> overrides = new LinkedHashMap<>();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (arg.equals("--override") || arg.equals("--defaults")) {
                if (i + 1 >= args.size()) {
                    throw new ConfigException(arg + " needs a value");
                }
                String value = args.get(++i);
                if (arg.equals("--defaults")) {
                    defaults = Path.of(value);
                } else {
                    putPair(overrides, value);
                }
            } else if (arg.startsWith("--override=")) {
                putPair(overrides, arg.substring("--override=".length()));
            } else if (i == 0) {
                file = Path.of(arg);
            } else {
                throw new ConfigException("Unexpected argument '" + arg
                        + "'; usage: broker [config-file] [--defaults file] [--override key=value]...");
            }
        }
        Map<String, String> fromEnv = new LinkedHashMap<>();
        env.forEach((k, v) -> {
            if (k.startsWith("KAFKA_") && !NOT_CONFIGS.contains(k)) {
                fromEnv.put(envToProperty(k), v);
            }
        });
        Map<String, String> props = new LinkedHashMap<>();
        if (file != null) {
            props.putAll(readFile(file));
        } else if (defaults != null && fromEnv.isEmpty()) {
            props.putAll(readFile(defaults));
        }
        props.putAll(fromEnv);
        if (env.containsKey(CLUSTER_ID_ENV)) {
            props.put(LogStore.CLUSTER_ID_CONFIG, env.get(CLUSTER_ID_ENV));
        }
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
