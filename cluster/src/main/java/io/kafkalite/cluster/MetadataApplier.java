package io.kafkalite.cluster;

/**
 * The deterministic heart of the cluster metadata: the next image after one record. Pure (no I/O, no clock, no
 * randomness), so every node that applies the same log gets the same images.
 */
public final class MetadataApplier {
    private MetadataApplier() { }

    /** The image after {@code record} at log index {@code index}, and the outcome to report to its proposer. */
    public record Applied(MetadataImage image, MetadataQuorum.ApplyResult result) { }

    public static Applied apply(MetadataImage image, long index, MetadataRecord record) {
        throw new UnsupportedOperationException("being written by the lead"); // TODO lead: lands on main shortly
    }
}
