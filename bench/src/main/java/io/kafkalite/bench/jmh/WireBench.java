package io.kafkalite.bench.jmh;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.network.ClientInformation;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.network.Send;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.RequestAndSize;
import org.apache.kafka.common.requests.RequestContext;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** Request decode and response encode as the wire layer does them: a Produce request in, a Fetch response out. */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
public class WireBench {
    private ByteBuffer produceFrame;
    private FetchResponse fetchResponse;
    private RequestContext fetchContext;

    @Setup
    public void setUp() {
        MemoryRecordsBuilder b = MemoryRecords.builder(ByteBuffer.allocate(256 * 1024), Compression.NONE, TimestampType.CREATE_TIME, 0L);
        for (int i = 0; i < 100; i++) {
            b.append(System.currentTimeMillis(), ("key-" + i).getBytes(), new byte[1024]);
        }
        MemoryRecords records = b.build();
        ProduceRequestData data = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(30_000);
        data.topicData().add(new ProduceRequestData.TopicProduceData().setName("t").setPartitionData(List.of(
                new ProduceRequestData.PartitionProduceData().setIndex(0).setRecords(records))));
        ProduceRequest request = ProduceRequest.builder(data).build((short) 11);
        produceFrame = request.serializeWithHeader(new RequestHeader(ApiKeys.PRODUCE, (short) 11, "bench", 1));

        FetchResponseData fetch = new FetchResponseData();
        fetch.responses().add(new FetchResponseData.FetchableTopicResponse().setTopicId(Uuid.randomUuid()).setPartitions(List.of(
                new FetchResponseData.PartitionData().setPartitionIndex(0).setHighWatermark(100).setRecords(records))));
        fetchResponse = FetchResponse.of(fetch);
        fetchContext = new RequestContext(new RequestHeader(ApiKeys.FETCH, (short) 17, "bench", 2), "c", InetAddress.getLoopbackAddress(),
                KafkaPrincipal.ANONYMOUS, new ListenerName("PLAINTEXT"), SecurityProtocol.PLAINTEXT, ClientInformation.EMPTY, false);
    }

    @Benchmark
    public Object decodeProduce() {
        ByteBuffer frame = produceFrame.duplicate();
        RequestHeader header = RequestHeader.parse(frame);
        RequestContext ctx = new RequestContext(header, "c", InetAddress.getLoopbackAddress(), KafkaPrincipal.ANONYMOUS,
                new ListenerName("PLAINTEXT"), SecurityProtocol.PLAINTEXT, ClientInformation.EMPTY, false);
        RequestAndSize parsed = ctx.parseRequest(frame);
        return parsed.request;
    }

    @Benchmark
    public long encodeFetch() {
        Send send = fetchContext.buildResponseSend(fetchResponse);
        return send.size();
    }
}
