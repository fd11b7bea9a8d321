package io.kafkalite.handlers.quota;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.apache.kafka.common.requests.ApiError;

/**
 * What an AlterClientQuotas entry may set, as Kafka's controller checks it, with its INVALID_REQUEST
 * messages: entity types user, client-id and ip (ip alone), no empty names; users and client ids take
 * {@code producer_byte_rate}, {@code consumer_byte_rate} (whole numbers), {@code request_percentage} and
 * {@code controller_mutation_rate}; ips take {@code connection_creation_rate} (a whole number); every value
 * above 0. A removal is not checked (removing what is not set does nothing).
 */
final class ClientQuotaValidation {
    static final String PRODUCER_BYTE_RATE = "producer_byte_rate";
    static final String CONSUMER_BYTE_RATE = "consumer_byte_rate";

    private static final Map<String, ConfigDef.Type> USER_AND_CLIENT_KEYS = Map.of(
            PRODUCER_BYTE_RATE, ConfigDef.Type.LONG,
            CONSUMER_BYTE_RATE, ConfigDef.Type.LONG,
            "request_percentage", ConfigDef.Type.DOUBLE,
            "controller_mutation_rate", ConfigDef.Type.DOUBLE);
    private static final Map<String, ConfigDef.Type> IP_KEYS = Map.of("connection_creation_rate", ConfigDef.Type.INT);

    private ClientQuotaValidation() { }

    static ApiError error(String message) {
        return new ApiError(Errors.INVALID_REQUEST, message);
    }

    /** @param ops quota key -> new value, null for a removal */
    static ApiError validate(ClientQuotaEntity entity, Map<String, Double> ops) {
        Map<String, String> entries = entity.entries();
        if (entries.isEmpty()) {
            return error("Invalid empty client quota entity");
        }
        for (Map.Entry<String, String> e : entries.entrySet()) {
            String type = e.getKey();
            if (!type.equals(ClientQuotaEntity.USER) && !type.equals(ClientQuotaEntity.CLIENT_ID) && !type.equals(ClientQuotaEntity.IP)) {
                return error("Unhandled client quota entity type: " + type);
            }
            if (e.getValue() != null && e.getValue().isEmpty()) {
                return error("Empty " + type + " not supported");
            }
        }
        Map<String, ConfigDef.Type> keys;
        if (entries.containsKey(ClientQuotaEntity.IP)) {
            if (entries.size() > 1) {
                return error("Invalid quota entity combination, IP entity shouldnot be combined with User or ClientId"); // sic
            }
            if (!isValidIp(entries.get(ClientQuotaEntity.IP))) {
                return error(entries.get(ClientQuotaEntity.IP) + " is not a valid IP or resolvable host.");
            }
            keys = IP_KEYS;
        } else {
            keys = USER_AND_CLIENT_KEYS;
        }
        for (Map.Entry<String, Double> op : ops.entrySet()) {
            if (op.getValue() != null) {
                ApiError error = validateValue(keys, op.getKey(), op.getValue());
                if (error.isFailure()) {
                    return error;
                }
            }
        }
        return ApiError.NONE;
    }

    private static ApiError validateValue(Map<String, ConfigDef.Type> keys, String key, double value) {
        ConfigDef.Type type = keys.get(key);
        if (type == null) {
            return error("Invalid configuration key " + key);
        }
        if (value <= 0.0) {
            return error("Quota " + key + " must be greater than 0");
        }
        return switch (type) {
            case INT -> value > Integer.MAX_VALUE ? error("Proposed value for " + key + " is too large for an INT.") : integral(key, value);
            case LONG -> value > Long.MAX_VALUE ? error("Proposed value for " + key + " is too large for a LONG.") : integral(key, value);
            default -> ApiError.NONE;
        };
    }

    private static ApiError integral(String key, double value) {
        return Math.abs(value % 1.0) > 1e-6 ? error(key + " cannot be a fractional value.") : ApiError.NONE;
    }

    /** As Kafka: an address or a name that resolves (a lookup on the request-handler thread); null is the default. */
    private static boolean isValidIp(String ip) {
        if (ip == null) {
            return true;
        }
        try {
            InetAddress.getByName(ip);
            return true;
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
