package io.kafkalite.handlers.metrics;

import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import javax.management.InstanceAlreadyExistsException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The metrics as MBeans of the platform MBean server under Kafka's names, with the attributes of Kafka's Yammer
 * meters, histograms and gauges (standard MBeans: {@link MeterMBean}, {@link HistogramMBean}, {@link GaugeMBean}).
 * A second broker in the same JVM finds the names taken: it leaves them to the first and says so once.
 */
final class JmxExposition implements Exposition {
    private static final Logger log = LoggerFactory.getLogger(JmxExposition.class);

    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    private final Map<MetricName, Object> registered = new HashMap<>();
    private boolean warned;

    @Override
    public void sync(Map<MetricName, Object> metrics) {
        for (Iterator<Map.Entry<MetricName, Object>> it = registered.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<MetricName, Object> e = it.next();
            Object current = metrics.get(e.getKey());
            if (e.getValue() == null) { // a name another broker holds: forgotten once this broker no longer has it
                if (current == null) {
                    it.remove();
                }
            } else if (current != e.getValue()) {
                unregister(e.getKey().objectName());
                it.remove();
            }
        }
        metrics.forEach((name, metric) -> {
            if (!registered.containsKey(name)) {
                register(name, metric);
            }
        });
    }

    private void register(MetricName name, Object metric) {
        try {
            server.registerMBean(metric, name.objectName());
            registered.put(name, metric);
        } catch (InstanceAlreadyExistsException taken) {
            registered.put(name, null); // not ours; never retried
            if (!warned) {
                warned = true;
                log.info("JMX name {} is taken (another broker in this JVM?); this broker's metrics are not registered over it", name.objectName());
            }
        } catch (JMException | RuntimeException e) {
            registered.put(name, null);
            log.warn("Could not register the MBean {}: {}", name.objectName(), e.toString());
        }
    }

    private void unregister(ObjectName name) {
        try {
            if (server.isRegistered(name)) {
                server.unregisterMBean(name);
            }
        } catch (JMException e) {
            log.debug("Could not unregister the MBean {}: {}", name, e.toString());
        }
    }

    @Override
    public void close() {
        registered.forEach((name, metric) -> {
            if (metric != null) {
                unregister(name.objectName());
            }
        });
        registered.clear();
    }
}
