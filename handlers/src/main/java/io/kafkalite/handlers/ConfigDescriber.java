package io.kafkalite.handlers;

import io.kafkalite.logstore.LogConfig;
import io.kafkalite.logstore.Topic;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResourceResult;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsSynonym;
import org.apache.kafka.common.requests.DescribeConfigsResponse.ConfigSource;
import org.apache.kafka.common.requests.DescribeConfigsResponse.ConfigType;

/**
 * Every config of a topic or of the broker with its value, source and synonyms, as DescribeConfigs
 * (and CreateTopics v5+) report them. A topic value comes from its override (DYNAMIC_TOPIC_CONFIG),
 * else from the broker property (STATIC_BROKER_CONFIG), else from Kafka's default (DEFAULT_CONFIG).
 */
final class ConfigDescriber {
    private final BrokerConfig broker;

    ConfigDescriber(BrokerConfig broker) {
        this.broker = broker;
    }

    List<DescribeConfigsResourceResult> topic(Topic topic, boolean synonyms, boolean docs) {
        Map<String, String> brokerDefaults = LogConfig.brokerDefaults(broker.originals());
        LogConfig effective = new LogConfig(brokerDefaults, topic.configs());
        List<DescribeConfigsResourceResult> result = new ArrayList<>();
        for (ConfigDef.ConfigKey key : LogConfig.definition().configKeys().values()) {
            String brokerName = LogConfig.brokerSynonym(key.name);
            List<DescribeConfigsSynonym> chain = new ArrayList<>();
            if (topic.configs().containsKey(key.name)) {
                chain.add(synonym(key.name, topic.configs().get(key.name), ConfigSource.TOPIC_CONFIG));
            }
            boolean brokerSet = brokerDefaults.containsKey(key.name);
            if (brokerSet) {
                chain.add(synonym(brokerName, brokerDefaults.get(key.name), ConfigSource.STATIC_BROKER_CONFIG));
            }
            if (key.hasDefault()) {
                chain.add(synonym(brokerName != null ? brokerName : key.name, asString(key.defaultValue, key.type), ConfigSource.DEFAULT_CONFIG));
            }
            ConfigSource source = topic.configs().containsKey(key.name) ? ConfigSource.TOPIC_CONFIG
                    : brokerSet ? ConfigSource.STATIC_BROKER_CONFIG : ConfigSource.DEFAULT_CONFIG;
            result.add(entry(key, asString(effective.value(key.name), key.type), source, false, synonyms ? chain : List.of(), docs));
        }
        return result;
    }

    List<DescribeConfigsResourceResult> broker(boolean synonyms, boolean docs) {
        Map<String, String> props = broker.originals();
        List<DescribeConfigsResourceResult> result = new ArrayList<>();
        for (ConfigDef.ConfigKey key : BrokerConfig.definition().configKeys().values()) {
            boolean set = props.containsKey(key.name);
            List<DescribeConfigsSynonym> chain = new ArrayList<>();
            if (set) {
                chain.add(synonym(key.name, props.get(key.name), ConfigSource.STATIC_BROKER_CONFIG));
            }
            if (key.hasDefault() && key.defaultValue != null) {
                chain.add(synonym(key.name, asString(key.defaultValue, key.type), ConfigSource.DEFAULT_CONFIG));
            }
            result.add(entry(key, asString(broker.value(key.name), key.type), set ? ConfigSource.STATIC_BROKER_CONFIG : ConfigSource.DEFAULT_CONFIG,
                    true, synonyms ? chain : List.of(), docs));
        }
        return result;
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
