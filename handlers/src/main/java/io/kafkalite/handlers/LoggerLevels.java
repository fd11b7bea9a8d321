package io.kafkalite.handlers;

import java.util.Map;

/**
 * The process's loggers and their levels, as the BROKER_LOGGER config resource shows and changes them (KIP-412).
 * An SLF4J backend that can change levels at run time implements it on its {@code ILoggerFactory} (the broker
 * process's own backend does); with any other backend the levels are read-only.
 */
public interface LoggerLevels {
    /** The root logger's name in BROKER_LOGGER configs, as Kafka names it. */
    String ROOT = "root";

    /**
     * Root, every logger created or configured so far and the packages above them (where a level can be set too), each
     * with its effective level (TRACE ... ERROR, or OFF).
     */
    Map<String, String> levels();

    /** Whether {@code name} is root, a logger or a prefix of loggers (a level set on it applies to those below it). */
    boolean exists(String name);

    /** Sets the level of {@code name} and of the loggers below it that have no level of their own. */
    void set(String name, String level);

    /** Removes the level of {@code name} (not root): it then inherits its nearest ancestor's. */
    void unset(String name);
}
