package io.millrace.kafka.handler;

import io.millrace.log.InvalidRequestException;
import io.millrace.log.Log;
import io.millrace.log.PartitionLog;
import io.millrace.log.TopicDescription;
import io.millrace.log.TopicPartition;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.IntSupplier;
import org.apache.kafka.common.Uuid;

/**
 * What every handler needs to know about this node: the log, how it is advertised, whether unknown
 * topics are created on use. Millrace is a single-node cluster: node 0 leads every partition.
 */
public record Broker(
    Log log,
    String clusterId,
    String advertisedHost,
    IntSupplier advertisedPort,
    boolean autoCreateTopics,
    int defaultPartitions) {

  public static final int NODE_ID = 0;

  /** The topic, created first if it is unknown and {@code mayCreate} allows it. */
  public Optional<TopicDescription> topic(String name, boolean mayCreate) {
    Optional<TopicDescription> topic = log.describeTopic(name);
    if (topic.isPresent() || !mayCreate || !autoCreateTopics) {
      return topic;
    }
    try {
      return Optional.of(log.createTopic(name, defaultPartitions, Map.of()));
    } catch (InvalidRequestException e) {
      if (e.reason() == InvalidRequestException.Reason.TOPIC_EXISTS) {
        return log.describeTopic(name); // created meanwhile by another request
      }
      throw e;
    }
  }

  /** The partition, or empty if the topic or partition does not exist. */
  public Optional<PartitionLog> partition(String topic, int partition) {
    try {
      return Optional.of(log.partition(new TopicPartition(topic, partition)));
    } catch (InvalidRequestException | IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  public static Uuid toKafka(UUID id) {
    return new Uuid(id.getMostSignificantBits(), id.getLeastSignificantBits());
  }

  public static UUID fromKafka(Uuid id) {
    return new UUID(id.getMostSignificantBits(), id.getLeastSignificantBits());
  }

  /** The name of the topic with this id, if any. */
  public Optional<String> topicName(Uuid id) {
    return log.describeTopic(fromKafka(id)).map(TopicDescription::name);
  }
}
