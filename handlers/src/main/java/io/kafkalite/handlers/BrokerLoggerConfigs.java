package io.kafkalite.handlers;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResourceResult;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData.AlterConfigsResource;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData.AlterableConfig;
import org.apache.kafka.common.requests.DescribeConfigsResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The BROKER_LOGGER config resource (KIP-412; {@code kafka-configs --entity-type broker-loggers}): this process's
 * loggers as configs, named by logger (root is {@code root}), valued by level. Changes last until the process ends,
 * as in Kafka. The broker process's own logging backend changes levels at run time; an embedding application's
 * backend is described read-only (root's effective level) and changes to it get INVALID_REQUEST, since Kafka's
 * Log4j-only mechanism has no SLF4J equivalent.
 */
final class BrokerLoggerConfigs {
    private static final Logger log = LoggerFactory.getLogger(BrokerLoggerConfigs.class);
    /** Kafka's valid levels (LogLevelConfig); SLF4J has no FATAL, which sets ERROR. */
    private static final Set<String> VALID_LEVELS = Set.of("FATAL", "ERROR", "WARN", "INFO", "DEBUG", "TRACE");

    private final int nodeId;

    BrokerLoggerConfigs(int nodeId) {
        this.nodeId = nodeId;
    }

    /** Every logger and its level, as Kafka describes them (source DYNAMIC_BROKER_LOGGER_CONFIG, not read-only). */
    List<DescribeConfigsResourceResult> describe(String resourceName) {
        checkNodeId(resourceName, "Broker id must not be empty");
        List<DescribeConfigsResourceResult> configs = new ArrayList<>();
        new TreeMap<>(levels()).forEach((name, level) -> configs.add(new DescribeConfigsResourceResult().setName(name).setValue(level)
                .setConfigSource(DescribeConfigsResponse.ConfigSource.DYNAMIC_BROKER_LOGGER_CONFIG.id())
                .setIsSensitive(false).setReadOnly(false).setSynonyms(new ArrayList<>())));
        return configs;
    }

    /** Kafka's checks (node id, existing logger, valid level, SET and DELETE only, root kept), then the changes. */
    void alter(AlterConfigsResource resource, boolean validateOnly) {
        checkNodeId(resource.resourceName(), "Node id must be an integer, but it is: " + resource.resourceName());
        Set<String> names = new HashSet<>();
        for (AlterableConfig op : resource.configs()) {
            if (!names.add(op.name())) {
                throw new InvalidRequestException("Error due to duplicate config keys");
            }
            if (op.value() == null && op.configOperation() != AlterConfigOp.OpType.DELETE.id()) {
                throw new InvalidRequestException("Null value not supported for : " + op.name());
            }
        }
        LoggerLevels levels = adjustable();
        for (AlterableConfig op : resource.configs()) {
            AlterConfigOp.OpType type = AlterConfigOp.OpType.forId(op.configOperation());
            if (type == AlterConfigOp.OpType.APPEND || type == AlterConfigOp.OpType.SUBTRACT) {
                throw new InvalidRequestException(type + " operation is not allowed for the BROKER_LOGGER resource");
            }
            if (type == null) {
                throw new InvalidRequestException("Unknown operation type " + op.configOperation() + " is not allowed for the BROKER_LOGGER resource");
            }
            if (levels != null ? !levels.exists(op.name()) : !LoggerLevels.ROOT.equals(op.name())) {
                throw new InvalidConfigurationException("Logger " + op.name() + " does not exist!");
            }
            if (type == AlterConfigOp.OpType.SET && !VALID_LEVELS.contains(op.value())) {
                throw new InvalidConfigurationException("Cannot set the log level of " + op.name() + " to " + op.value()
                        + " as it is not a supported log level. Valid log levels are DEBUG, ERROR, FATAL, INFO, TRACE, WARN");
            }
            if (type == AlterConfigOp.OpType.DELETE && LoggerLevels.ROOT.equals(op.name())) {
                throw new InvalidRequestException("Removing the log level of the root logger is not allowed");
            }
        }
        if (levels == null) {
            throw new InvalidRequestException("The logging backend " + LoggerFactory.getILoggerFactory().getClass().getName()
                    + " cannot change levels at run time; configure it in its own configuration");
        }
        if (validateOnly) {
            return;
        }
        for (AlterableConfig op : resource.configs()) {
            if (op.configOperation() == AlterConfigOp.OpType.SET.id()) {
                levels.set(op.name(), op.value().equals("FATAL") ? "ERROR" : op.value());
                log.warn("Updated the log level of {} to {}", op.name(), op.value());
            } else {
                levels.unset(op.name());
                log.warn("Unset the log level of {}", op.name());
            }
        }
    }

    private void checkNodeId(String name, String emptyMessage) {
        if (name == null || name.isEmpty()) {
            throw new InvalidRequestException(emptyMessage);
        }
        int id;
        try {
            id = Integer.parseInt(name);
        } catch (NumberFormatException e) {
            throw new InvalidRequestException("Broker id must be an integer, but it is: " + name);
        }
        if (id != nodeId) {
            throw new InvalidRequestException("Unexpected broker id, expected " + nodeId + " but received " + name);
        }
    }

    /** The backend's levels when it can change them, else null. */
    private static LoggerLevels adjustable() {
        return LoggerFactory.getILoggerFactory() instanceof LoggerLevels l ? l : null;
    }

    private static Map<String, String> levels() {
        LoggerLevels levels = adjustable();
        return levels != null ? levels.levels() : Map.of(LoggerLevels.ROOT, effectiveLevel(LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)));
    }

    private static String effectiveLevel(Logger logger) {
        return logger.isTraceEnabled() ? "TRACE" : logger.isDebugEnabled() ? "DEBUG" : logger.isInfoEnabled() ? "INFO"
                : logger.isWarnEnabled() ? "WARN" : logger.isErrorEnabled() ? "ERROR" : "OFF";
    }
}
