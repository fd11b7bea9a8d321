package io.kafkalite.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Starts a broker for the annotated test class (or one per test with {@link #perTest()}); test methods
 * and lifecycle methods receive it as a {@code Broker} parameter:
 * <pre>{@code
 * @EmbeddedKafkalite(topics = "orders:3")
 * class OrdersTest {
 *     @Test
 *     void roundTrip(Broker broker) {
 *         props.put("bootstrap.servers", broker.bootstrapServers());
 *     }
 * }
 * }</pre>
 * Each broker listens on its own free port with its own store, so test classes may run in parallel.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(KafkaliteExtension.class)
public @interface EmbeddedKafkalite {
    /** Topics created before the first test: {@code "name"} (one partition) or {@code "name:partitions"}. */
    String[] topics() default {};

    /** Broker settings by Kafka's names, as {@code "key=value"}. */
    String[] config() default {};

    /** The PLAINTEXT port; 0 picks a free one. */
    int port() default 0;

    /** {@code true}: nothing on disk; {@code false}: a temporary directory, removed afterwards. */
    boolean inMemory() default true;

    /** A fresh broker for every test method instead of one for the class. */
    boolean perTest() default false;
}
