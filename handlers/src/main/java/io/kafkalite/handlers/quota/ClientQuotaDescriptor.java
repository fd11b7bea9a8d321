package io.kafkalite.handlers.quota;

import io.kafkalite.logstore.DurableMap;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.quota.ClientQuotaEntity;

/**
 * The layout of the {@code client_quotas} durable map: one entry per quota entity (what
 * {@code kafka-configs --entity-type users|clients|ips} names), holding all of its quota values.
 * <pre>
 * entity   = for each of user, client-id, ip (in that order):
 *            [0]                  absent
 *            [1]                  the default (&lt;default&gt;)
 *            [2][length:i32][name UTF-8]
 * key      = entity, or [0xFF][SHA-256 of entity] when longer than 511 bytes ({@link DurableMap#fitKey})
 * value    = [version:i8 = 0] entity [count:i32] count × ([length:i32][quota key UTF-8][value:f64])
 * </pre>
 * Integers are big-endian. The value repeats the entity so a hashed key loses nothing.
 */
final class ClientQuotaDescriptor {
    private static final List<String> TYPES = List.of(ClientQuotaEntity.USER, ClientQuotaEntity.CLIENT_ID, ClientQuotaEntity.IP);
    private static final byte ABSENT = 0;
    private static final byte DEFAULT = 1;
    private static final byte NAMED = 2;
    private static final byte VERSION = 0;

    private ClientQuotaDescriptor() { }

    record Entry(ClientQuotaEntity entity, Map<String, Double> quotas) { }

    static byte[] key(ClientQuotaEntity entity) {
        return DurableMap.fitKey(write(out -> writeEntity(out, entity)));
    }

    static byte[] value(ClientQuotaEntity entity, Map<String, Double> quotas) {
        return write(out -> {
            out.writeByte(VERSION);
            writeEntity(out, entity);
            out.writeInt(quotas.size());
            for (Map.Entry<String, Double> q : quotas.entrySet()) {
                writeString(out, q.getKey());
                out.writeDouble(q.getValue());
            }
        });
    }

    /** @throws IllegalArgumentException for bytes this layout did not write */
    static Entry decode(byte[] value) {
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(value))) {
            if (in.readByte() != VERSION) {
                throw new IllegalArgumentException("unknown client quota record version");
            }
            Map<String, String> entity = new HashMap<>();
            for (String type : TYPES) {
                byte kind = in.readByte();
                switch (kind) {
                    case ABSENT -> { }
                    case DEFAULT -> entity.put(type, null);
                    case NAMED -> entity.put(type, readString(in));
                    default -> throw new IllegalArgumentException("bad entity kind " + kind);
                }
            }
            int count = in.readInt();
            Map<String, Double> quotas = new LinkedHashMap<>();
            for (int i = 0; i < count; i++) {
                quotas.put(readString(in), in.readDouble());
            }
            return new Entry(new ClientQuotaEntity(entity), quotas);
        } catch (IOException e) {
            throw new IllegalArgumentException("truncated client quota record", e);
        }
    }

    private interface Writer {
        void write(DataOutputStream out) throws IOException;
    }

    private static byte[] write(Writer writer) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            writer.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // cannot happen in memory
        }
        return bytes.toByteArray();
    }

    private static void writeEntity(DataOutputStream out, ClientQuotaEntity entity) throws IOException {
        for (String type : TYPES) {
            if (!entity.entries().containsKey(type)) {
                out.writeByte(ABSENT);
            } else if (entity.entries().get(type) == null) {
                out.writeByte(DEFAULT);
            } else {
                out.writeByte(NAMED);
                writeString(out, entity.entries().get(type));
            }
        }
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        byte[] utf8 = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        out.writeInt(utf8.length);
        out.write(utf8);
    }

    private static String readString(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > in.available()) {
            throw new IOException("bad string length " + length);
        }
        return new String(in.readNBytes(length), java.nio.charset.StandardCharsets.UTF_8);
    }
}
