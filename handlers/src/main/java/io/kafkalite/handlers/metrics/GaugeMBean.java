package io.kafkalite.handlers.metrics;

/** Kafka's gauge MBeans: one attribute, Value. */
public interface GaugeMBean {
    long getValue();
}
