package io.kafkalite.handlers.metrics;

import java.util.function.LongSupplier;

/** A value read when asked (partition counts), or set by whoever computes it (consumer lag). */
public final class Gauge implements GaugeMBean {
    private final LongSupplier supplier;
    private volatile long value;

    public Gauge(LongSupplier supplier) {
        this.supplier = supplier;
    }

    /** A gauge whose value is {@link #set}. */
    public Gauge() {
        this.supplier = null;
    }

    void set(long value) {
        this.value = value;
    }

    @Override
    public long getValue() {
        return supplier == null ? value : supplier.getAsLong();
    }
}
