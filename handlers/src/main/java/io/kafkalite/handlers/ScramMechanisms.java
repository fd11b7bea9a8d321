package io.kafkalite.handlers;

import org.apache.kafka.common.security.scram.internals.ScramMechanism;

/** The SCRAM mechanism of a type number on the wire (1 = SCRAM-SHA-256, 2 = SCRAM-SHA-512). */
final class ScramMechanisms {
    private ScramMechanisms() { }

    /** The mechanism, or null for a type Kafka does not know (its UNKNOWN, 0, included). */
    static ScramMechanism fromType(byte type) {
        for (ScramMechanism m : ScramMechanism.values()) {
            if (m.type() == type) {
                return m;
            }
        }
        return null;
    }
}
