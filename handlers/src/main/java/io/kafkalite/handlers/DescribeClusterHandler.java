package io.kafkalite.handlers;

import io.kafkalite.cluster.BrokerRegistration;
import io.kafkalite.cluster.MetadataImage;
import io.kafkalite.cluster.MetadataQuorum;
import io.kafkalite.wire.KafkaRequest;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.message.DescribeClusterResponseData;
import org.apache.kafka.common.message.DescribeClusterResponseData.DescribeClusterBroker;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.DescribeClusterRequest;
import org.apache.kafka.common.requests.DescribeClusterResponse;

/**
 * DescribeCluster, v0-v2: this broker, which is also the controller (cluster mode: the unfenced brokers and the quorum's leader).
 * <ul>
 * <li>v1+: only the broker endpoint type (1) is served; asking for controllers gives
 *     UNSUPPORTED_ENDPOINT_TYPE, as a Kafka broker listener does.</li>
 * <li>v2+: the broker is never fenced. Cluster mode: fenced brokers too when the request asks for them (KIP-1073).</li>
 * <li>Anyone may ask (Kafka checks nothing); the cluster's authorized operations are the principal's when it
 *     may DESCRIBE the cluster, else 0.</li>
 * </ul>
 */
public final class DescribeClusterHandler implements Handler.Immediate<DescribeClusterRequest> {
    private static final byte BROKER_ENDPOINT = 1;
    private final ClusterInfo cluster;
    private final Authorization authorization;

    public DescribeClusterHandler(ClusterInfo cluster, Authorization authorization) {
        this.cluster = cluster;
        this.authorization = authorization;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.DESCRIBE_CLUSTER;
    }

    @Override
    public AbstractResponse respond(KafkaRequest request, DescribeClusterRequest body) {
        DescribeClusterResponseData data = new DescribeClusterResponseData().setEndpointType(BROKER_ENDPOINT);
        if (body.version() >= 1 && body.data().endpointType() != BROKER_ENDPOINT) {
            return new DescribeClusterResponse(data.setErrorCode(Errors.UNSUPPORTED_ENDPOINT_TYPE.code())
                    .setErrorMessage("The request was sent to a broker endpoint; ask for endpoint type 1"));
        }
        data.setErrorCode(Errors.NONE.code()).setClusterId(cluster.clusterId()).setControllerId(cluster.controllerId())
                .setClusterAuthorizedOperations(body.data().includeClusterAuthorizedOperations()
                        ? authorization.clusterOperations(request) : AuthorizedOperations.OMITTED);
        // cluster mode: every unfenced broker of the cluster metadata with this listener, as Kafka's brokers answer
        MetadataQuorum quorum = cluster.quorum();
        MetadataImage image = quorum == null ? null : quorum.image();
        for (Node n : cluster.liveBrokers(image, request.context().listenerName)) {
            data.brokers().add(new DescribeClusterBroker().setBrokerId(n.id()).setHost(n.host()).setPort(n.port()).setRack(n.rack())
                    .setIsFenced(false));
        }
        if (image != null && body.version() >= 2 && body.data().includeFencedBrokers()) { // KIP-1073
            for (BrokerRegistration b : image.brokers().values()) {
                Node n = b.fenced() ? cluster.broker(image, b.id(), request.context().listenerName) : null;
                if (n != null) {
                    data.brokers().add(new DescribeClusterBroker().setBrokerId(n.id()).setHost(n.host()).setPort(n.port())
                            .setRack(n.rack()).setIsFenced(true));
                }
            }
        }
        return new DescribeClusterResponse(data);
    }
}
