package io.kafkalite.logstore;

import java.lang.reflect.Field;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.Comparator;
import jnr.ffi.Pointer;
import org.lmdbjava.BufferProxy;
import sun.misc.Unsafe;

/**
 * How LMDB's {@code MDB_val}s become direct {@link ByteBuffer}s and back: what lmdbjava's {@code ByteBufferProxy.PROXY_OPTIMAL}
 * does, without what makes that class need {@code --add-opens java.base/java.nio} and {@code java.base/sun.nio.ch}
 * (its eager reflective fallback calls {@code setAccessible} on {@code Buffer.address}; it reads addresses through
 * {@code sun.nio.ch.DirectBuffer}). {@code sun.misc.Unsafe} gives the field offsets and addresses with no flag,
 * so an embedded broker on disk runs in any JVM as it comes.
 * <p>
 * A value read from LMDB is a zero-capacity direct buffer re-pointed at LMDB's memory, valid until the
 * transaction ends; such buffers are pooled per thread, as lmdbjava pools them.
 */
final class LmdbBufferProxy extends BufferProxy<ByteBuffer> {
    static final LmdbBufferProxy INSTANCE = new LmdbBufferProxy();

    private static final Unsafe UNSAFE = unsafe();
    private static final long ADDRESS = fieldOffset("address");
    private static final long CAPACITY = fieldOffset("capacity");
    private static final ThreadLocal<ArrayDeque<ByteBuffer>> POOL = ThreadLocal.withInitial(() -> new ArrayDeque<>(16));
    private static final Comparator<ByteBuffer> SIGNED = ByteBuffer::compareTo;
    /** LMDB's own order (memcmp). */
    private static final Comparator<ByteBuffer> UNSIGNED = LmdbBufferProxy::compareUnsigned;

    private LmdbBufferProxy() { }

    @Override
    protected ByteBuffer allocate() {
        ByteBuffer pooled = POOL.get().poll();
        return pooled != null ? pooled : ByteBuffer.allocateDirect(0);
    }

    @Override
    protected void deallocate(ByteBuffer buffer) {
        buffer.order(ByteOrder.BIG_ENDIAN);
        POOL.get().offer(buffer);
    }

    @Override
    protected byte[] getBytes(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.limit()];
        buffer.get(0, bytes);
        return bytes;
    }

    @Override
    protected Comparator<ByteBuffer> getSignedComparator() {
        return SIGNED;
    }

    @Override
    protected Comparator<ByteBuffer> getUnsignedComparator() {
        return UNSIGNED;
    }

    /** Points the {@code MDB_val} at {@code ptrAddr} to the buffer's remaining bytes. */
    @Override
    protected void in(ByteBuffer buffer, Pointer ptr, long ptrAddr) {
        in(buffer, buffer.remaining(), ptr, ptrAddr);
    }

    @Override
    protected void in(ByteBuffer buffer, int size, Pointer ptr, long ptrAddr) {
        if (!buffer.isDirect()) {
            throw new IllegalArgumentException("LMDB reads and writes direct buffers only");
        }
        UNSAFE.putLong(ptrAddr + STRUCT_FIELD_OFFSET_SIZE, size);
        UNSAFE.putLong(ptrAddr + STRUCT_FIELD_OFFSET_DATA, UNSAFE.getLong(buffer, ADDRESS) + buffer.position());
    }

    /** Re-points {@code buffer} at the memory the {@code MDB_val} at {@code ptrAddr} describes. */
    @Override
    protected ByteBuffer out(ByteBuffer buffer, Pointer ptr, long ptrAddr) {
        UNSAFE.putLong(buffer, ADDRESS, UNSAFE.getLong(ptrAddr + STRUCT_FIELD_OFFSET_DATA));
        UNSAFE.putInt(buffer, CAPACITY, (int) UNSAFE.getLong(ptrAddr + STRUCT_FIELD_OFFSET_SIZE));
        buffer.clear();
        return buffer;
    }

    private static int compareUnsigned(ByteBuffer a, ByteBuffer b) {
        int i = a.mismatch(b);
        if (i < 0) {
            return 0;
        }
        if (i < a.remaining() && i < b.remaining()) {
            return Byte.compareUnsigned(a.get(a.position() + i), b.get(b.position() + i));
        }
        return a.remaining() - b.remaining();
    }

    private static Unsafe unsafe() {
        try {
            Field f = Unsafe.class.getDeclaredField("theUnsafe"); // jdk.unsupported opens sun.misc to everyone
            f.setAccessible(true);
            return (Unsafe) f.get(null);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** An offset needs the field only, not access to it: {@code getDeclaredField} works on a closed package. */
    private static long fieldOffset(String name) {
        try {
            return UNSAFE.objectFieldOffset(Buffer.class.getDeclaredField(name));
        } catch (NoSuchFieldException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
