package io.kafkalite.handlers.metrics;

/** The attributes of Kafka's (Yammer) histogram MBeans, such as RequestMetrics' TotalTimeMs. */
public interface HistogramMBean {
    long getCount();

    double getMin();

    double getMax();

    double getMean();

    double getStdDev();

    double get50thPercentile();

    double get75thPercentile();

    double get95thPercentile();

    double get98thPercentile();

    double get99thPercentile();

    double get999thPercentile();
}
