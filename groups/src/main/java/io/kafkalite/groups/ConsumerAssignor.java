package io.kafkalite.groups;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.common.Uuid;

/**
 * The server-side assignors of KIP-848 consumer groups, named as Kafka names them. "uniform" (the
 * default) spreads all subscribed partitions evenly and keeps partitions where they are when it can;
 * "range" gives each member a contiguous range of every topic it subscribes to.
 * (Kafka's own assignors live in kafka-group-coordinator, whose dependencies weigh several
 * megabytes of broker internals; these two are short enough to own.)
 */
final class ConsumerAssignor {
    static final String UNIFORM = "uniform";
    static final String RANGE = "range";

    private ConsumerAssignor() { }

    static boolean known(String name) {
        return UNIFORM.equals(name) || RANGE.equals(name);
    }

    /**
     * @param subscriptions member id to the topics it subscribes to (existing topics only)
     * @param partitions    topic to partition count
     * @param topicIds      topic to id
     * @param previous      the previous target, for stickiness
     */
    static Map<String, Map<Uuid, Set<Integer>>> assign(String assignor, Map<String, Set<String>> subscriptions,
                                                       Map<String, Integer> partitions, Map<String, Uuid> topicIds,
                                                       Map<String, Map<Uuid, Set<Integer>>> previous) {
        Map<String, Map<Uuid, Set<Integer>>> result = new TreeMap<>();
        subscriptions.keySet().forEach(m -> result.put(m, new HashMap<>()));
        if (RANGE.equals(assignor)) {
            range(subscriptions, partitions, topicIds, result);
        } else {
            uniform(subscriptions, partitions, topicIds, previous, result);
        }
        return result;
    }

    private static void range(Map<String, Set<String>> subscriptions, Map<String, Integer> partitions, Map<String, Uuid> topicIds,
                              Map<String, Map<Uuid, Set<Integer>>> result) {
        for (Map.Entry<String, Integer> topic : new TreeMap<>(partitions).entrySet()) {
            List<String> members = new ArrayList<>();
            subscriptions.forEach((m, topics) -> {
                if (topics.contains(topic.getKey())) {
                    members.add(m);
                }
            });
            members.sort(Comparator.naturalOrder());
            int n = topic.getValue();
            int next = 0;
            for (int i = 0; i < members.size(); i++) {
                int count = n / members.size() + (i < n % members.size() ? 1 : 0);
                for (int p = next; p < next + count; p++) {
                    result.get(members.get(i)).computeIfAbsent(topicIds.get(topic.getKey()), id -> new TreeSet<>()).add(p);
                }
                next += count;
            }
        }
    }

    private static void uniform(Map<String, Set<String>> subscriptions, Map<String, Integer> partitions, Map<String, Uuid> topicIds,
                                Map<String, Map<Uuid, Set<Integer>>> previous, Map<String, Map<Uuid, Set<Integer>>> result) {
        int total = 0;
        for (Map.Entry<String, Integer> t : partitions.entrySet()) {
            boolean subscribed = subscriptions.values().stream().anyMatch(s -> s.contains(t.getKey()));
            total += subscribed ? t.getValue() : 0;
        }
        if (subscriptions.isEmpty()) {
            return;
        }
        int cap = (total + subscriptions.size() - 1) / subscriptions.size();
        Map<String, Integer> load = new HashMap<>();
        subscriptions.keySet().forEach(m -> load.put(m, 0));
        Map<Uuid, String> idToTopic = new HashMap<>();
        topicIds.forEach((name, id) -> idToTopic.put(id, name));
        List<long[]> unassigned = new ArrayList<>(); // [topic index, partition] in topic-name order
        List<String> topics = new ArrayList<>(new TreeMap<>(partitions).keySet());
        Map<String, Map<Integer, String>> previousOwner = new HashMap<>();
        previous.forEach((m, byTopic) -> byTopic.forEach((id, ps) -> {
            String topic = idToTopic.get(id);
            if (topic != null) {
                ps.forEach(p -> previousOwner.computeIfAbsent(topic, t -> new HashMap<>()).put(p, m));
            }
        }));
        for (int ti = 0; ti < topics.size(); ti++) {
            String topic = topics.get(ti);
            for (int p = 0; p < partitions.get(topic); p++) {
                String owner = previousOwner.getOrDefault(topic, Map.of()).get(p);
                if (owner != null && subscriptions.containsKey(owner) && subscriptions.get(owner).contains(topic) && load.get(owner) < cap) {
                    give(result, load, owner, topicIds.get(topic), p);
                } else {
                    unassigned.add(new long[] {ti, p});
                }
            }
        }
        for (long[] tp : unassigned) {
            String topic = topics.get((int) tp[0]);
            String least = null;
            for (Map.Entry<String, Set<String>> s : new TreeMap<>(subscriptions).entrySet()) {
                if (s.getValue().contains(topic) && (least == null || load.get(s.getKey()) < load.get(least))) {
                    least = s.getKey();
                }
            }
            if (least != null) {
                give(result, load, least, topicIds.get(topic), (int) tp[1]);
            }
        }
    }

    private static void give(Map<String, Map<Uuid, Set<Integer>>> result, Map<String, Integer> load, String member, Uuid topicId, int p) {
        result.get(member).computeIfAbsent(topicId, id -> new TreeSet<>()).add(p);
        load.merge(member, 1, Integer::sum);
    }
}
