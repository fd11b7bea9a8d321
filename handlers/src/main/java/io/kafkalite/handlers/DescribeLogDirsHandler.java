package io.kafkalite.handlers;

import io.kafkalite.logstore.LogDirDescription;
import io.kafkalite.logstore.LogStore;
import io.kafkalite.logstore.PartitionLog;
import io.kafkalite.wire.KafkaRequest;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.message.DescribeLogDirsRequestData;
import org.apache.kafka.common.message.DescribeLogDirsResponseData;
import org.apache.kafka.common.message.DescribeLogDirsResponseData.DescribeLogDirsPartition;
import org.apache.kafka.common.message.DescribeLogDirsResponseData.DescribeLogDirsResult;
import org.apache.kafka.common.message.DescribeLogDirsResponseData.DescribeLogDirsTopic;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.DescribeLogDirsRequest;
import org.apache.kafka.common.requests.DescribeLogDirsResponse;

/**
 * DescribeLogDirs, v0-v4 ({@code kafka-log-dirs --describe}, {@code Admin.describeLogDirs}).
 * <ul>
 * <li>Needs DESCRIBE on the cluster, else CLUSTER_AUTHORIZATION_FAILED at the top level (v3+) and no
 *     directory, as Kafka answers.</li>
 * <li>One result per directory of {@code log.dirs}, in their order: its absolute path, KAFKA_STORAGE_ERROR
 *     (and nothing else) when it is offline, else the partitions asked for that it holds, each with its size
 *     (bytes of its segment files), offset lag 0 (the high watermark is the log end on one broker) and
 *     is_future false (no AlterReplicaLogDirs). v4: total and usable bytes of its volume.</li>
 * <li>Topics null asks for every partition; a listed partition that does not exist is left out.</li>
 * <li>An in-memory broker has no log directory: the answer lists none.</li>
 * </ul>
 */
public final class DescribeLogDirsHandler implements Handler.Immediate<DescribeLogDirsRequest> {
    private final LogStore store;
    private final Authorization authorization;

    public DescribeLogDirsHandler(LogStore store, Authorization authorization) {
        this.store = store;
        this.authorization = authorization;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.DESCRIBE_LOG_DIRS;
    }

    @Override
    public AbstractResponse respond(KafkaRequest request, DescribeLogDirsRequest body) {
        DescribeLogDirsResponseData data = new DescribeLogDirsResponseData();
        if (!authorization.allowedOnCluster(request, AclOperation.DESCRIBE)) {
            return new DescribeLogDirsResponse(data.setErrorCode(Errors.CLUSTER_AUTHORIZATION_FAILED.code()));
        }
        for (LogDirDescription dir : store.describeLogDirs(wanted(body))) {
            DescribeLogDirsResult result = new DescribeLogDirsResult().setLogDir(dir.path());
            if (dir.offline()) {
                data.results().add(result.setErrorCode(Errors.KAFKA_STORAGE_ERROR.code()));
                continue;
            }
            Map<String, DescribeLogDirsTopic> topics = new LinkedHashMap<>();
            for (PartitionLog p : dir.partitions()) {
                TopicPartition tp = p.topicPartition();
                topics.computeIfAbsent(tp.topic(), name -> new DescribeLogDirsTopic().setName(name)).partitions()
                        .add(new DescribeLogDirsPartition().setPartitionIndex(tp.partition()).setPartitionSize(p.sizeInBytes())
                                .setOffsetLag(0).setIsFutureKey(false));
            }
            data.results().add(result.setErrorCode(Errors.NONE.code()).setTotalBytes(dir.totalBytes())
                    .setUsableBytes(dir.usableBytes()).setTopics(topics.values().stream().toList()));
        }
        return new DescribeLogDirsResponse(data);
    }

    private static Predicate<TopicPartition> wanted(DescribeLogDirsRequest body) {
        if (body.isAllTopicPartitions()) {
            return tp -> true;
        }
        Set<TopicPartition> asked = body.data().topics().stream()
                .flatMap((DescribeLogDirsRequestData.DescribableLogDirTopic t) -> t.partitions().stream()
                        .map(p -> new TopicPartition(t.topic(), p)))
                .collect(Collectors.toSet());
        return asked::contains;
    }
}
