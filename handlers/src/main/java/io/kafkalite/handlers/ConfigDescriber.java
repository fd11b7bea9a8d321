package io.kafkalite.handlers;

import io.kafkalite.logstore.LogConfig;
import io.kafkalite.logstore.Topic;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResourceResult;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsSynonym;
import org.apache.kafka.common.requests.DescribeConfigsResponse.ConfigSource;
import org.apache.kafka.common.requests.DescribeConfigsResponse.ConfigType;

/**
 * Every config of a topic or of the broker with its value, source and synonyms, as DescribeConfigs
 * (and CreateTopics v5+) report them, with Kafka's precedence: a topic's override (DYNAMIC_TOPIC_CONFIG), then
 * the broker's config of the synonym name set for this broker (DYNAMIC_BROKER_CONFIG), for the cluster
 * (DYNAMIC_DEFAULT_BROKER_CONFIG), in {@code server.properties} (STATIC_BROKER_CONFIG), then Kafka's default.
 */
final class ConfigDescriber {
    private final DynamicBrokerConfig broker;

    ConfigDescriber(DynamicBrokerConfig broker) {
        this.broker = broker;
    }

    List<DescribeConfigsResourceResult> topic(Topic topic, boolean synonyms, boolean docs) {
        Map<String, String> brokerDefaults = LogConfig.brokerDefaults(broker.current().originals());
        LogConfig effective = new LogConfig(brokerDefaults, topic.configs());
        List<DescribeConfigsResourceResult> result = new ArrayList<>();
        for (ConfigDef.ConfigKey key : LogConfig.definition().configKeys().values()) {
            String brokerName = LogConfig.brokerSynonym(key.name);
            List<DescribeConfigsSynonym> chain = new ArrayList<>();
            if (topic.configs().containsKey(key.name)) {
                chain.add(synonym(key.name, topic.configs().get(key.name), ConfigSource.TOPIC_CONFIG));
            }
            if (brokerName != null) {
                chain.addAll(brokerChain(brokerName, true, false));
            } else if (key.hasDefault()) {
                chain.add(synonym(key.name, asString(key.defaultValue, key.type), ConfigSource.DEFAULT_CONFIG));
            }
            ConfigSource source = chain.isEmpty() ? ConfigSource.DEFAULT_CONFIG : ConfigSource.forId(chain.get(0).source());
            result.add(entry(key, asString(effective.value(key.name), key.type), source, false, synonyms ? chain : List.of(), docs));
        }
        return result;
    }

    /**
     * This broker's configs (resource name = its id): every config we know and every dynamic one, with its
     * effective value; read-only unless Kafka can change it at run time.
     */
    List<DescribeConfigsResourceResult> broker(boolean synonyms, boolean docs) {
        Map<String, Object> values = DynamicBrokerConfig.typedValues(broker.current());
        Map<String, ConfigDef.ConfigKey> keys = new LinkedHashMap<>(BrokerConfig.definition().configKeys());
        DynamicConfigNames.extraKeys().forEach(k -> keys.put(k.name, k));
        List<DescribeConfigsResourceResult> result = new ArrayList<>();
        for (ConfigDef.ConfigKey key : keys.values()) {
            List<DescribeConfigsSynonym> chain = brokerChain(key.name, true, true);
            ConfigSource source = chain.isEmpty() ? ConfigSource.DEFAULT_CONFIG : ConfigSource.forId(chain.get(0).source());
            result.add(entry(key, asString(values.get(key.name), key.type), source, !DynamicConfigNames.DYNAMIC.contains(key.name),
                    synonyms ? chain : List.of(), docs));
        }
        Set<String> custom = new TreeSet<>(broker.clusterDefaults().keySet());
        custom.addAll(broker.brokerOverrides().keySet());
        custom.removeAll(keys.keySet());
        for (String name : custom) { // dynamic configs Kafka or we do not define (custom, as Kafka allows)
            List<DescribeConfigsSynonym> chain = brokerChain(name, true, true);
            result.add(custom(name, chain.get(0), synonyms ? chain : List.of()));
        }
        return result;
    }

    /** The cluster-wide default (resource name ""): as Kafka, only the configs set there. */
    List<DescribeConfigsResourceResult> clusterDefaults(boolean synonyms, boolean docs) {
        List<DescribeConfigsResourceResult> result = new ArrayList<>();
        for (Map.Entry<String, String> e : new TreeMap<>(broker.clusterDefaults()).entrySet()) {
            List<DescribeConfigsSynonym> chain = brokerChain(e.getKey(), false, true);
            ConfigDef.ConfigKey key = DynamicConfigNames.key(e.getKey());
            result.add(key == null ? custom(e.getKey(), chain.get(0), synonyms ? chain : List.of())
                    : entry(key, e.getValue(), ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG, !DynamicConfigNames.DYNAMIC.contains(key.name),
                            synonyms ? chain : List.of(), docs));
        }
        return result;
    }

    /**
     * Kafka's synonym chain of a broker config: each synonym name (log.retention.ms, .minutes, .hours) as set
     * per broker, cluster-wide, statically, then by default; for a broker config starting at {@code name} itself
     * ({@code fromName}), for a topic config's default the whole chain (log.retention.hours set statically is
     * where a topic's retention.ms comes from).
     */
    private List<DescribeConfigsSynonym> brokerChain(String name, boolean perBroker, boolean fromName) {
        List<String> names = DynamicConfigNames.synonyms(name);
        List<DescribeConfigsSynonym> chain = new ArrayList<>();
        if (perBroker) {
            names.forEach(n -> add(chain, n, broker.brokerOverrides().get(n), ConfigSource.DYNAMIC_BROKER_CONFIG));
        }
        names.forEach(n -> add(chain, n, broker.clusterDefaults().get(n), ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG));
        if (perBroker) {
            names.forEach(n -> add(chain, n, broker.staticProps().get(n), ConfigSource.STATIC_BROKER_CONFIG));
            names.forEach(n -> {
                ConfigDef.ConfigKey key = DynamicConfigNames.key(n);
                add(chain, n, key == null || !key.hasDefault() ? null : asString(key.defaultValue, key.type), ConfigSource.DEFAULT_CONFIG);
            });
        }
        while (fromName && !chain.isEmpty() && !chain.get(0).name().equals(name)) {
            chain.remove(0); // e.g. log.retention.ms set statically does not describe log.retention.hours
        }
        return chain;
    }

    private static void add(List<DescribeConfigsSynonym> chain, String name, String value, ConfigSource source) {
        if (value != null) {
            boolean sensitive = DynamicConfigNames.key(name) != null && DynamicConfigNames.key(name).type == ConfigDef.Type.PASSWORD;
            chain.add(synonym(name, sensitive ? null : value, source));
        }
    }

    private static DescribeConfigsResourceResult custom(String name, DescribeConfigsSynonym first, List<DescribeConfigsSynonym> synonyms) {
        return new DescribeConfigsResourceResult().setName(name).setValue(first.value()).setReadOnly(false)
                .setConfigSource(first.source()).setIsSensitive(false).setSynonyms(synonyms).setConfigType(ConfigType.UNKNOWN.id());
    }

    private static DescribeConfigsResourceResult entry(ConfigDef.ConfigKey key, String value, ConfigSource source, boolean readOnly,
                                                      List<DescribeConfigsSynonym> synonyms, boolean docs) {
        boolean sensitive = key.type == ConfigDef.Type.PASSWORD;
        return new DescribeConfigsResourceResult().setName(key.name).setValue(sensitive ? null : value)
                .setReadOnly(readOnly).setConfigSource(source.id()).setIsSensitive(sensitive).setSynonyms(synonyms)
                .setConfigType(configType(key.type).id()).setDocumentation(docs ? key.documentation : null);
    }

    private static DescribeConfigsSynonym synonym(String name, String value, ConfigSource source) {
        return new DescribeConfigsSynonym().setName(name).setValue(value).setSource(source.id());
    }

    static String asString(Object value, ConfigDef.Type type) {
        return value == null ? null : ConfigDef.convertToString(value, type);
    }

    private static ConfigType configType(ConfigDef.Type type) {
        return switch (type) {
            case BOOLEAN -> ConfigType.BOOLEAN;
            case STRING -> ConfigType.STRING;
            case INT -> ConfigType.INT;
            case SHORT -> ConfigType.SHORT;
            case LONG -> ConfigType.LONG;
            case DOUBLE -> ConfigType.DOUBLE;
            case LIST -> ConfigType.LIST;
            case CLASS -> ConfigType.CLASS;
            case PASSWORD -> ConfigType.PASSWORD;
        };
    }
}
