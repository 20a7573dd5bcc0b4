package io.millrace.kafka.handler;

import io.millrace.kafka.KafkaErrors;
import io.millrace.log.InvalidRequestException;
import io.millrace.log.TopicDescription;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.MetadataResponse;
import org.apache.kafka.common.requests.RequestContext;

/**
 * Metadata: this node as the only broker and controller, and for each topic asked about (or all)
 * its id and partitions, all led by this node. Unknown topics are created when the listener allows
 * it and the client asks for it.
 */
public final class MetadataHandler implements ApiHandler {

  /** The first Metadata version that carries topic ids. */
  private static final short TOPIC_ID_VERSION = 10;

  private final Broker broker;

  public MetadataHandler(Broker broker) {
    this.broker = broker;
  }

  @Override
  public CompletableFuture<AbstractResponse> handle(
      RequestContext context, AbstractRequest request) {
    MetadataRequestData data = ((MetadataRequest) request).data();
    MetadataResponseData response =
        new MetadataResponseData().setClusterId(broker.clusterId()).setControllerId(Broker.NODE_ID);
    response
        .brokers()
        .add(
            new MetadataResponseData.MetadataResponseBroker()
                .setNodeId(Broker.NODE_ID)
                .setHost(broker.advertisedHost())
                .setPort(broker.advertisedPort().getAsInt()));
    if (data.topics() == null) {
      for (String name : broker.log().topicNames()) {
        broker
            .log()
            .describeTopic(name)
            .ifPresent(t -> response.topics().add(describe(t, context.apiVersion())));
      }
    } else {
      for (MetadataRequestData.MetadataRequestTopic asked : data.topics()) {
        response.topics().add(lookUp(asked, data.allowAutoTopicCreation(), context.apiVersion()));
      }
    }
    return CompletableFuture.completedFuture(new MetadataResponse(response, context.apiVersion()));
  }

  private MetadataResponseData.MetadataResponseTopic lookUp(
      MetadataRequestData.MetadataRequestTopic asked, boolean allowAutoCreate, short version) {
    String name = asked.name();
    if (name == null && asked.topicId() != null && !Uuid.ZERO_UUID.equals(asked.topicId())) {
      Optional<String> byId = broker.topicName(asked.topicId());
      if (byId.isEmpty()) {
        return error(null, asked.topicId(), Errors.UNKNOWN_TOPIC_ID);
      }
      name = byId.get();
    }
    try {
      Optional<TopicDescription> topic = broker.topic(name, allowAutoCreate);
      return topic
          .map(t -> describe(t, version))
          .orElseGet(() -> error(asked.name(), Uuid.ZERO_UUID, Errors.UNKNOWN_TOPIC_OR_PARTITION));
    } catch (InvalidRequestException e) {
      return error(asked.name(), Uuid.ZERO_UUID, KafkaErrors.of(e));
    }
  }

  /**
   * A topic as answered at {@code version}: fields that version lacks stay at their defaults, which
   * is what Kafka's serializer requires of older clients' responses. Leader epochs are left unknown
   * (-1): there is one replica and no leader change to fence.
   */
  private MetadataResponseData.MetadataResponseTopic describe(
      TopicDescription topic, short version) {
    List<MetadataResponseData.MetadataResponsePartition> partitions = new ArrayList<>();
    for (int p = 0; p < topic.partitions(); p++) {
      partitions.add(
          new MetadataResponseData.MetadataResponsePartition()
              .setPartitionIndex(p)
              .setLeaderId(Broker.NODE_ID)
              .setReplicaNodes(List.of(Broker.NODE_ID))
              .setIsrNodes(List.of(Broker.NODE_ID))
              .setOfflineReplicas(List.of()));
    }
    return new MetadataResponseData.MetadataResponseTopic()
        .setName(topic.name())
        .setTopicId(version >= TOPIC_ID_VERSION ? Broker.toKafka(topic.topicId()) : Uuid.ZERO_UUID)
        .setIsInternal(topic.isInternal())
        .setPartitions(partitions);
  }

  private static MetadataResponseData.MetadataResponseTopic error(
      String name, Uuid id, Errors error) {
    return new MetadataResponseData.MetadataResponseTopic()
        .setName(name)
        .setTopicId(id)
        .setErrorCode(error.code());
  }
}
