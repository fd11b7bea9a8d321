package io.kafkalite.acl;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.utils.internals.ByteUtils;

/**
 * How one ACL ({@link AclBinding}) is stored in the {@code acls} table of the log store's LMDB, one entry
 * per binding.
 * <pre>
 * key   (16 bytes): the first 16 bytes of SHA-256(value). Hashing keeps every key under LMDB's 511-byte
 *                   limit whatever the names' lengths, and makes a binding's key computable for its delete.
 * value:
 *   0  version       int8   (0)
 *   1  resourceType  int8   ResourceType code
 *   2  patternType   int8   PatternType code (LITERAL or PREFIXED)
 *   3  operation     int8   AclOperation code
 *   4  permission    int8   AclPermissionType code (ALLOW or DENY)
 *   5  resourceName  unsigned varint length + UTF-8
 *      principal     unsigned varint length + UTF-8  ("User:alice")
 *      host          unsigned varint length + UTF-8  ("*" or an address)
 * </pre>
 */
final class AclRecordDescriptor {
    static final byte VERSION = 0;
    static final int KEY_BYTES = 16;

    private AclRecordDescriptor() { }

    static byte[] value(AclBinding binding) {
        byte[] name = binding.pattern().name().getBytes(StandardCharsets.UTF_8);
        byte[] principal = binding.entry().principal().getBytes(StandardCharsets.UTF_8);
        byte[] host = binding.entry().host().getBytes(StandardCharsets.UTF_8);
        ByteBuffer buf = ByteBuffer.allocate(5 + sized(name) + sized(principal) + sized(host));
        buf.put(VERSION)
                .put(binding.pattern().resourceType().code())
                .put(binding.pattern().patternType().code())
                .put(binding.entry().operation().code())
                .put(binding.entry().permissionType().code());
        putString(buf, name);
        putString(buf, principal);
        putString(buf, host);
        return buf.array();
    }

    static byte[] key(byte[] value) {
        try {
            return Arrays.copyOf(MessageDigest.getInstance("SHA-256").digest(value), KEY_BYTES);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("Every Java platform has SHA-256", e);
        }
    }

    /** @throws IllegalStateException if the value is not a binding of a version we know */
    static AclBinding binding(byte[] value) {
        ByteBuffer buf = ByteBuffer.wrap(value);
        try {
            byte version = buf.get();
            if (version != VERSION) {
                throw new IllegalStateException("Unknown ACL record version " + version);
            }
            ResourceType resourceType = ResourceType.fromCode(buf.get());
            PatternType patternType = PatternType.fromCode(buf.get());
            AclOperation operation = AclOperation.fromCode(buf.get());
            AclPermissionType permission = AclPermissionType.fromCode(buf.get());
            String name = getString(buf);
            String principal = getString(buf);
            String host = getString(buf);
            if (buf.hasRemaining()) {
                throw new IllegalStateException(buf.remaining() + " bytes after the ACL record");
            }
            return new AclBinding(new ResourcePattern(resourceType, name, patternType),
                    new AccessControlEntry(principal, host, operation, permission));
        } catch (RuntimeException e) {
            throw new IllegalStateException("Corrupt ACL record of " + value.length + " bytes: " + e.getMessage(), e);
        }
    }

    private static int sized(byte[] bytes) {
        return ByteUtils.sizeOfUnsignedVarint(bytes.length) + bytes.length;
    }

    private static void putString(ByteBuffer buf, byte[] bytes) {
        ByteUtils.writeUnsignedVarint(bytes.length, buf);
        buf.put(bytes);
    }

    private static String getString(ByteBuffer buf) {
        int length = ByteUtils.readUnsignedVarint(buf);
        String s = new String(buf.array(), buf.position(), length, StandardCharsets.UTF_8);
        buf.position(buf.position() + length);
        return s;
    }
}
