package io.kafkalite.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.DependsOn;
import org.springframework.kafka.annotation.EnableKafka;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.config.ConcurrentKafkaListenerContainerFactory;
import org.springframework.kafka.core.DefaultKafkaConsumerFactory;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.test.EmbeddedKafkaBroker;
import org.springframework.kafka.test.utils.KafkaTestUtils;
import org.springframework.test.context.junit.jupiter.SpringJUnitConfig;

/** A Spring test as users write it, with our broker as its one {@code embeddedKafka} bean. */
@SpringJUnitConfig(SpringContextRoundTripTest.Config.class)
class SpringContextRoundTripTest {
    static final String TOPIC = "greetings";

    @Configuration
    @EnableKafka
    static class Config {
        @Bean
        EmbeddedKafkaBroker embeddedKafka() {
            return new KafkaliteEmbeddedKafkaBroker(1, 2, TOPIC);
        }

        @Bean
        KafkaTemplate<String, String> template(EmbeddedKafkaBroker broker) {
            return new KafkaTemplate<>(new DefaultKafkaProducerFactory<>(KafkaTestUtils.producerProps(broker),
                    new StringSerializer(), new StringSerializer()));
        }

        /** Wired from the system property the broker sets, as Spring Boot tests are. */
        @Bean
        @DependsOn("embeddedKafka")
        ConcurrentKafkaListenerContainerFactory<String, String> kafkaListenerContainerFactory(
                @Value("${spring.embedded.kafka.brokers}") String brokers) {
            Map<String, Object> props = KafkaTestUtils.consumerProps(brokers, "greeters", false);
            ConcurrentKafkaListenerContainerFactory<String, String> factory = new ConcurrentKafkaListenerContainerFactory<>();
            factory.setConsumerFactory(new DefaultKafkaConsumerFactory<>(props, new StringDeserializer(), new StringDeserializer()));
            return factory;
        }

        @Bean
        Greetings greetings() {
            return new Greetings();
        }
    }

    static class Greetings {
        final BlockingQueue<ConsumerRecord<String, String>> received = new LinkedBlockingQueue<>();

        @KafkaListener(topics = TOPIC)
        void onGreeting(ConsumerRecord<String, String> record) {
            received.add(record);
        }
    }

    @Autowired
    EmbeddedKafkaBroker broker;
    @Autowired
    KafkaTemplate<String, String> template;
    @Autowired
    Greetings greetings;

    @Test
    void aMessageSentWithKafkaTemplateReachesTheKafkaListener() throws Exception {
        // when
        RecordMetadata sent = template.send(TOPIC, "alice", "hello, alice").get(30, TimeUnit.SECONDS).getRecordMetadata();

        // then
        ConsumerRecord<String, String> received = greetings.received.poll(30, TimeUnit.SECONDS);
        assertNotNull(received, "the listener received nothing");
        assertEquals("alice", received.key());
        assertEquals("hello, alice", received.value());
        assertEquals(sent.partition(), received.partition());
        assertEquals(sent.offset(), received.offset());
        assertEquals(0, sent.offset());
    }

    @Test
    void theBrokerAddressIsPublishedAsSystemProperties() {
        String brokers = broker.getBrokersAsString();
        assertEquals(brokers, System.getProperty(EmbeddedKafkaBroker.SPRING_EMBEDDED_KAFKA_BROKERS));
        assertEquals(brokers, System.getProperty("spring.kafka.bootstrap-servers"));
        assertEquals(Set.of(TOPIC), broker.getTopics());
        assertEquals(2, broker.getPartitionsPerTopic());
    }
}
