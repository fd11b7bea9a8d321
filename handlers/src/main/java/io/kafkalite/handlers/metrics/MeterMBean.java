package io.kafkalite.handlers.metrics;

/** The attributes of Kafka's (Yammer) meter MBeans, which JMX exporters and dashboards read. */
public interface MeterMBean {
    long getCount();

    double getMeanRate();

    double getOneMinuteRate();

    double getFiveMinuteRate();

    double getFifteenMinuteRate();

    String getRateUnit();

    String getEventType();
}
