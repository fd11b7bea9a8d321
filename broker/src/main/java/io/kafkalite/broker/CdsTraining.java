package io.kafkalite.broker;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FindCoordinatorRequest;
import org.apache.kafka.common.requests.InitProducerIdRequest;
import org.apache.kafka.common.requests.InitProducerIdResponse;
import org.apache.kafka.common.requests.JoinGroupRequest;
import org.apache.kafka.common.requests.JoinGroupResponse;
import org.apache.kafka.common.requests.ListOffsetsRequest;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.OffsetCommitRequest;
import org.apache.kafka.common.requests.OffsetFetchRequest;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.SyncGroupRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A short, typical session against a throwaway broker, run once by {@code bin/broker} with
 * {@code -XX:ArchiveClassesAtExit} (Java 17 to 24) or {@code -XX:AOTCacheOutput} (Java 25 and later) so
 * that the classes of start-up and of the first requests go into a class-data-sharing archive or an AOT
 * cache: the broker then starts in about half the time. The session speaks the
 * protocol directly (with the request classes the broker parses anyway) rather than through the
 * client library, so the archive holds broker classes only and stays small.
 */
public final class CdsTraining {
    static {
        Main.beginStart(); // as a broker process starts, so that its classes are recorded too
    }

    private static final Logger log = LoggerFactory.getLogger(CdsTraining.class);

    private final DataOutputStream out;
    private final DataInputStream in;
    private int correlationId;

    private CdsTraining(Socket socket) throws IOException {
        this.out = new DataOutputStream(socket.getOutputStream());
        this.in = new DataInputStream(socket.getInputStream());
    }

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("kafkalite-cds");
        try (Broker broker = Broker.start(ConfigLoader.load(List.of("--override", "listeners=PLAINTEXT://localhost:0",
                "--override", "log.dirs=" + dir, "--override", "group.initial.rebalance.delay.ms=0"), Map.of()));
             Socket socket = new Socket("localhost", broker.port())) {
            new CdsTraining(socket).session();
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    private void session() throws IOException {
        call(new ApiVersionsRequest(new ApiVersionsRequestData().setClientSoftwareName("training").setClientSoftwareVersion("1"), (short) 4));
        call(new MetadataRequest(new MetadataRequestData().setAllowAutoTopicCreation(true)
                .setTopics(MetadataRequest.convertToMetadataRequestTopic(List.of("training"))), (short) 12));
        InitProducerIdResponse pid = call(new InitProducerIdRequest.Builder(new InitProducerIdRequestData().setTransactionalId(null)
                .setTransactionTimeoutMs(60_000)).build((short) 5));
        MemoryRecordsBuilder records = MemoryRecords.builder(ByteBuffer.allocate(4096), RecordBatch.CURRENT_MAGIC_VALUE, Compression.NONE,
                TimestampType.CREATE_TIME, 0L, System.currentTimeMillis(), pid.data().producerId(), pid.data().producerEpoch(), 0, false,
                RecordBatch.NO_PARTITION_LEADER_EPOCH);
        for (int i = 0; i < 10; i++) {
            records.append(System.currentTimeMillis(), ("k" + i).getBytes(), "value".getBytes());
        }
        ProduceRequestData produce = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(30_000);
        produce.topicData().add(new ProduceRequestData.TopicProduceData().setName("training").setPartitionData(List.of(
                new ProduceRequestData.PartitionProduceData().setIndex(0).setRecords(records.build()))));
        call(ProduceRequest.builder(produce).build((short) 11));
        call(ListOffsetsRequest.Builder.forConsumer(false, org.apache.kafka.common.IsolationLevel.READ_UNCOMMITTED)
                .setTargetTimes(List.of(new ListOffsetsRequestData.ListOffsetsTopic().setName("training")
                        .setPartitions(List.of(new ListOffsetsRequestData.ListOffsetsPartition().setTimestamp(-2))))).build((short) 9));
        call(new FetchRequest(new FetchRequestData().setReplicaId(-1).setMaxWaitMs(0).setMinBytes(1).setMaxBytes(1 << 20).setSessionEpoch(-1)
                .setTopics(List.of(new FetchRequestData.FetchTopic().setTopic("training").setPartitions(List.of(
                        new FetchRequestData.FetchPartition().setPartition(0).setFetchOffset(0).setPartitionMaxBytes(1 << 20))))), (short) 12));
        call(new FindCoordinatorRequest.Builder(new FindCoordinatorRequestData().setKeyType((byte) 0)
                .setCoordinatorKeys(List.of("training"))).build((short) 4));
        JoinGroupRequestData.JoinGroupRequestProtocolCollection protocols = new JoinGroupRequestData.JoinGroupRequestProtocolCollection();
        protocols.add(new JoinGroupRequestData.JoinGroupRequestProtocol().setName("range").setMetadata(new byte[0]));
        JoinGroupRequestData join = new JoinGroupRequestData().setGroupId("training").setSessionTimeoutMs(10_000).setRebalanceTimeoutMs(10_000)
                .setProtocolType("consumer").setProtocols(protocols).setMemberId("");
        JoinGroupResponse first = call(new JoinGroupRequest(join, (short) 9));
        JoinGroupResponse joined = call(new JoinGroupRequest(join.setMemberId(first.data().memberId()), (short) 9));
        call(new SyncGroupRequest(new SyncGroupRequestData().setGroupId("training").setMemberId(joined.data().memberId())
                .setGenerationId(joined.data().generationId()).setAssignments(List.of()), (short) 5));
        call(new OffsetCommitRequest(new OffsetCommitRequestData().setGroupId("training").setMemberId(joined.data().memberId())
                .setGenerationIdOrMemberEpoch(joined.data().generationId()).setTopics(List.of(new OffsetCommitRequestData.OffsetCommitRequestTopic()
                        .setName("training").setPartitions(List.of(new OffsetCommitRequestData.OffsetCommitRequestPartition().setCommittedOffset(10))))),
                (short) 9));
        call(OffsetFetchRequest.Builder.forTopicNames(new OffsetFetchRequestData().setGroups(List.of(new OffsetFetchRequestData.OffsetFetchRequestGroup()
                .setGroupId("training").setTopics(null))), false).build((short) 9));
        log.info("Training session done");
    }

    @SuppressWarnings("unchecked")
    private <T extends AbstractResponse> T call(AbstractRequest request) throws IOException {
        RequestHeader header = new RequestHeader(request.apiKey(), request.version(), "training", ++correlationId);
        ByteBuffer frame = request.serializeWithHeader(header);
        out.writeInt(frame.remaining());
        out.write(frame.array(), frame.arrayOffset() + frame.position(), frame.remaining());
        out.flush();
        byte[] response = new byte[in.readInt()];
        in.readFully(response);
        return (T) AbstractResponse.parseResponse(ByteBuffer.wrap(response), header);
    }
}
