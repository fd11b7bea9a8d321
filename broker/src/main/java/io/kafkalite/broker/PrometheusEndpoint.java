package io.kafkalite.broker;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.kafkalite.handlers.metrics.BrokerMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HTTP {@code GET /metrics} in Prometheus' text format ({@code kafkalite.metrics.prometheus.port} and {@code .host}),
 * served by the JDK's HTTP server on a thread of its own, apart from the Kafka listeners. Each scrape first brings
 * the registry up to date ({@link BrokerMetrics#sync}), so new topics and requests show at once.
 */
final class PrometheusEndpoint implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PrometheusEndpoint.class);
    private static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final HttpServer server;
    private final ExecutorService thread;
    private final PrometheusMeterRegistry registry;

    private PrometheusEndpoint(HttpServer server, ExecutorService thread, PrometheusMeterRegistry registry) {
        this.server = server;
        this.thread = thread;
        this.registry = registry;
    }

    static PrometheusEndpoint start(String host, int port, BrokerMetrics metrics) throws IOException {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        metrics.addExposition(new MicrometerExposition(registry));
        InetSocketAddress address = host == null || host.isEmpty() ? new InetSocketAddress(port) : new InetSocketAddress(host, port);
        HttpServer server = HttpServer.create(address, 16);
        ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "prometheus-endpoint");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(thread);
        server.createContext("/metrics", exchange -> scrape(exchange, metrics, registry));
        server.start();
        PrometheusEndpoint endpoint = new PrometheusEndpoint(server, thread, registry);
        log.info("Prometheus metrics on http://{}:{}/metrics", host == null || host.isEmpty() ? "*" : host, endpoint.port());
        return endpoint;
    }

    private static void scrape(HttpExchange exchange, BrokerMetrics metrics, PrometheusMeterRegistry registry) throws IOException {
        try (exchange) {
            if (!"GET".equals(exchange.getRequestMethod()) && !"HEAD".equals(exchange.getRequestMethod())) {
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            metrics.sync();
            byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
            boolean head = "HEAD".equals(exchange.getRequestMethod());
            exchange.sendResponseHeaders(200, head ? -1 : body.length);
            if (!head) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
        } catch (RuntimeException e) {
            log.warn("Prometheus scrape failed", e);
            throw e;
        }
    }

    int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        thread.shutdownNow();
        registry.close();
    }
}
