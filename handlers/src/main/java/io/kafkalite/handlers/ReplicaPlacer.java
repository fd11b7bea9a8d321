package io.kafkalite.handlers;

import io.kafkalite.cluster.BrokerRegistration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;

/**
 * Where new partitions' replicas go, rack-aware as Kafka's placer: the unfenced brokers are laid out in a
 * rack-alternating list (first broker of each rack, then the second of each, ...), each partition's first replica
 * (its preferred leader) walks that list round robin from a random start, and its followers are the next brokers
 * of the list that are on racks the partition does not use yet (any broker once every rack is used). A random
 * shift, moved on each time the leaders wrap around, spreads the followers as well. Brokers without a rack form
 * one rack of their own.
 */
public final class ReplicaPlacer {
    private final Random random;

    public ReplicaPlacer(Random random) {
        this.random = random;
    }

    public ReplicaPlacer() {
        this(new Random());
    }

    /**
     * Replicas for {@code partitions} partitions of {@code replicationFactor} replicas each.
     * @throws InvalidReplicationFactorException with Kafka's message when there are fewer unfenced brokers than that
     */
    public List<List<Integer>> place(Collection<BrokerRegistration> brokers, int partitions, int replicationFactor) {
        List<BrokerRegistration> live = brokers.stream().filter(b -> !b.fenced() && !b.shuttingDown()).toList();
        if (replicationFactor > live.size()) {
            throw notEnoughBrokers(replicationFactor, live.size());
        }
        List<BrokerRegistration> list = rackAlternating(live);
        int n = list.size();
        int start = random.nextInt(n);
        int shift = random.nextInt(n);
        List<List<Integer>> assignments = new ArrayList<>(partitions);
        for (int p = 0; p < partitions; p++) {
            if (p > 0 && (start + p) % n == 0) {
                shift++; // the leaders wrapped around: place the followers differently this round
            }
            int first = (start + p) % n;
            assignments.add(replicas(list, first, shift, replicationFactor));
        }
        return assignments;
    }

    /** Kafka's message when the replication factor exceeds the brokers there are. */
    public static InvalidReplicationFactorException notEnoughBrokers(int replicationFactor, int brokers) {
        return new InvalidReplicationFactorException("Unable to replicate the partition " + replicationFactor
                + " time(s): The target replication factor of " + replicationFactor + " cannot be reached because only "
                + brokers + " broker(s) are registered.");
    }

    private static List<Integer> replicas(List<BrokerRegistration> list, int first, int shift, int replicationFactor) {
        int n = list.size();
        int racks = (int) list.stream().map(b -> Objects.requireNonNullElse(b.rack(), "")).distinct().count();
        List<Integer> chosen = new ArrayList<>(replicationFactor);
        Set<String> usedRacks = new HashSet<>();
        chosen.add(list.get(first).id());
        usedRacks.add(Objects.requireNonNullElse(list.get(first).rack(), ""));
        // followers start after a shifted gap (at least 1), so partitions led by one broker do not share followers
        int step = n > 1 ? 1 + shift % (n - 1) : 1;
        for (int k = 0; chosen.size() < replicationFactor && k < 2 * n; k++) {
            BrokerRegistration b = list.get((first + step + k) % n);
            String rack = Objects.requireNonNullElse(b.rack(), "");
            if (!chosen.contains(b.id()) && (!usedRacks.contains(rack) || k >= n)) { // second lap: racks no longer matter
                chosen.add(b.id());
                usedRacks.add(rack);
                if (usedRacks.size() == racks) {
                    usedRacks.clear(); // every rack used once: start the next round of racks
                    usedRacks.add(rack);
                }
            }
        }
        return chosen;
    }

    /** Brokers by rack, racks in name order, brokers by id; then interleaved: r1[0], r2[0], r3[0], r1[1], ... */
    static List<BrokerRegistration> rackAlternating(List<BrokerRegistration> brokers) {
        Map<String, List<BrokerRegistration>> byRack = new TreeMap<>();
        brokers.stream().sorted((a, b) -> Integer.compare(a.id(), b.id()))
                .forEach(b -> byRack.computeIfAbsent(Objects.requireNonNullElse(b.rack(), ""), r -> new ArrayList<>()).add(b));
        List<BrokerRegistration> list = new ArrayList<>(brokers.size());
        for (int i = 0; list.size() < brokers.size(); i++) {
            for (List<BrokerRegistration> rack : byRack.values()) {
                if (i < rack.size()) {
                    list.add(rack.get(i));
                }
            }
        }
        return list;
    }
}
