package io.kafkalite.handlers.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class MetricNameTest {
    @Test
    void kafkasMBeanNameAndTheMicrometerName() {
        MetricName n = MetricName.of("kafka.network", "RequestMetrics", "RequestsPerSec", "request", "Produce", "version", "9");
        assertEquals("kafka.network:type=RequestMetrics,name=RequestsPerSec,request=Produce,version=9", n.objectName().toString());
        assertEquals("kafka.network.requestmetrics.requests", n.meterName());
        assertEquals("kafka.server.replicamanager.partitioncount", MetricName.of("kafka.server", "ReplicaManager", "PartitionCount").meterName());
    }

    @Test
    void groupIdsThatJmxCannotTakeAreQuoted() {
        MetricName n = MetricName.of("kafka.server", "GroupMetrics", "ConsumerLagSum", "group", "a,b=c:*");
        assertEquals("a,b=c:*", n.objectName().getKeyProperty("group").transform(javax.management.ObjectName::unquote));
    }
}
