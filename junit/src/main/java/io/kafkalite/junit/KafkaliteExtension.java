package io.kafkalite.junit;

import io.kafkalite.broker.Broker;
import io.kafkalite.broker.BrokerBuilder;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * A broker for JUnit 5 tests. Registered on a static field it serves the whole class; on an instance
 * field, or with {@link #perTest()}, each test gets a fresh one:
 * <pre>{@code
 * @RegisterExtension
 * static final KafkaliteExtension kafka = new KafkaliteExtension().topic("orders", 3);
 *
 * @Test
 * void roundTrip() {
 *     props.put("bootstrap.servers", kafka.bootstrapServers());
 * }
 * }</pre>
 * The declarative form is {@link EmbeddedKafkalite}. Test and lifecycle methods may also take the
 * {@link Broker} as a parameter, which is the safe way when test methods run concurrently.
 */
public final class KafkaliteExtension implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback,
        ParameterResolver {
    private final Map<String, Integer> topics = new LinkedHashMap<>();
    private final Map<String, String> configs = new LinkedHashMap<>();
    private int port;
    private boolean inMemory = true;
    private boolean perTest;
    private String[] saslUser;
    private volatile Broker current;

    /** For {@code @RegisterExtension}; configure it with the methods below. */
    public KafkaliteExtension() { }

    public KafkaliteExtension topic(String name, int partitions) {
        topics.put(name, partitions);
        return this;
    }

    /** A broker setting by Kafka's name; overrides the embedded defaults. */
    public KafkaliteExtension config(String key, String value) {
        configs.put(key, value);
        return this;
    }

    /** A fixed PLAINTEXT port instead of a free one. */
    public KafkaliteExtension port(int port) {
        this.port = port;
        return this;
    }

    /** Data in a temporary directory (removed afterwards) instead of in memory: the production storage path. */
    public KafkaliteExtension onDisk() {
        this.inMemory = false;
        return this;
    }

    /** Security on: SASL_PLAINTEXT with this PLAIN user; clients take {@link Broker#clientConfig()}. */
    public KafkaliteExtension sasl(String user, String password) {
        this.saslUser = new String[] {user, password};
        return this;
    }

    /** A fresh broker for every test, even when registered on a static field. */
    public KafkaliteExtension perTest() {
        this.perTest = true;
        return this;
    }

    /** The running broker (the class's, or the current test's). */
    public Broker broker() {
        Broker b = current;
        if (b == null) {
            throw new IllegalStateException("No broker is running: use it from a test or a @BeforeEach/@BeforeAll method");
        }
        return b;
    }

    public String bootstrapServers() {
        return broker().bootstrapServers();
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        if (!settings(context).perTest && lookup(context).isEmpty()) { // a @Nested class shares its outer class's broker
            start(context);
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        // an extension on an instance field never sees beforeAll: it serves one test
        if (settings(context).perTest || lookup(context).isEmpty()) {
            start(context);
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        stop(context);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        stop(context);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == Broker.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return lookup(context).orElseThrow(() -> new IllegalStateException("No broker is running for " + context.getDisplayName()));
    }

    private void start(ExtensionContext context) {
        KafkaliteExtension s = settings(context);
        BrokerBuilder builder = Broker.builder().port(s.port).configs(s.configs);
        if (s.inMemory) {
            builder.inMemory();
        }
        s.topics.forEach(builder::topic);
        if (s.saslUser != null) {
            builder.sasl(s.saslUser[0], s.saslUser[1]);
        }
        Broker broker = builder.start();
        context.getStore(namespace()).put(Broker.class, broker);
        current = broker;
    }

    /** Closes the broker this context started, if any; an outer context's broker stays. */
    private void stop(ExtensionContext context) {
        Broker broker = context.getStore(namespace()).remove(Broker.class, Broker.class);
        if (broker != null) {
            broker.close();
            current = context.getParent().flatMap(this::lookup).orElse(null);
        }
    }

    private Optional<Broker> lookup(ExtensionContext context) {
        return Optional.ofNullable(context.getStore(namespace()).get(Broker.class, Broker.class));
    }

    private ExtensionContext.Namespace namespace() {
        return ExtensionContext.Namespace.create(KafkaliteExtension.class, this);
    }

    /** This extension's own settings, or those of the {@link EmbeddedKafkalite} it was declared by. */
    private KafkaliteExtension settings(ExtensionContext context) {
        boolean configured = !topics.isEmpty() || !configs.isEmpty() || port != 0 || !inMemory || perTest || saslUser != null;
        if (configured) {
            return this;
        }
        return AnnotationSupport.findAnnotation(context.getRequiredTestClass(), EmbeddedKafkalite.class)
                .map(KafkaliteExtension::fromAnnotation).orElse(this);
    }

    private static KafkaliteExtension fromAnnotation(EmbeddedKafkalite a) {
        KafkaliteExtension s = new KafkaliteExtension();
        for (String topic : a.topics()) {
            int colon = topic.lastIndexOf(':');
            if (colon < 0) {
                s.topic(topic, 1);
            } else {
                s.topic(topic.substring(0, colon), Integer.parseInt(topic.substring(colon + 1).trim()));
            }
        }
        for (String kv : a.config()) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("@EmbeddedKafkalite config entry '" + kv + "' is not key=value");
            }
            s.config(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
        }
        s.port(a.port());
        s.inMemory = a.inMemory();
        s.perTest = a.perTest();
        return s;
    }
}
