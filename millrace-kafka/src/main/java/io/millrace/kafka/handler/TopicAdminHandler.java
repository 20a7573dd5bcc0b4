package io.millrace.kafka.handler;

import io.millrace.kafka.KafkaErrors;
import io.millrace.log.InvalidRequestException;
import io.millrace.log.LogException;
import io.millrace.log.TopicDescription;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreatePartitionsResponseData;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.DeleteRecordsRequestData;
import org.apache.kafka.common.message.DeleteRecordsResponseData;
import org.apache.kafka.common.message.DeleteTopicsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.CreatePartitionsRequest;
import org.apache.kafka.common.requests.CreatePartitionsResponse;
import org.apache.kafka.common.requests.CreateTopicsRequest;
import org.apache.kafka.common.requests.CreateTopicsResponse;
import org.apache.kafka.common.requests.DeleteRecordsRequest;
import org.apache.kafka.common.requests.DeleteRecordsResponse;
import org.apache.kafka.common.requests.DeleteTopicsRequest;
import org.apache.kafka.common.requests.DeleteTopicsResponse;
import org.apache.kafka.common.requests.RequestContext;

/**
 * CreateTopics and DeleteTopics. They create and remove files with fsyncs, so they run on the admin
 * executor instead of a network thread. Replication factors other than -1 and 1 are refused (one
 * node), as are explicit replica assignments.
 */
public final class TopicAdminHandler implements ApiHandler {

  /** The first CreateTopics version that returns topic ids. */
  private static final short TOPIC_ID_VERSION = 7;

  private final Broker broker;
  private final Executor adminExecutor;

  public TopicAdminHandler(Broker broker, Executor adminExecutor) {
    this.broker = broker;
    this.adminExecutor = adminExecutor;
  }

  @Override
  public CompletableFuture<AbstractResponse> handle(
      RequestContext context, AbstractRequest request) {
    return CompletableFuture.supplyAsync(
        () ->
            switch (context.header.apiKey()) {
              case CREATE_TOPICS -> createTopics((CreateTopicsRequest) request);
              case DELETE_TOPICS -> deleteTopics((DeleteTopicsRequest) request);
              case CREATE_PARTITIONS -> createPartitions((CreatePartitionsRequest) request);
              case DELETE_RECORDS -> deleteRecords((DeleteRecordsRequest) request);
              default ->
                  throw new IllegalArgumentException("not a topic API: " + context.header.apiKey());
            },
        adminExecutor);
  }

  /** The APIs this handler answers. */
  public static final java.util.Set<ApiKeys> APIS =
      java.util.Set.of(
          ApiKeys.CREATE_TOPICS,
          ApiKeys.DELETE_TOPICS,
          ApiKeys.CREATE_PARTITIONS,
          ApiKeys.DELETE_RECORDS);

  private AbstractResponse createPartitions(CreatePartitionsRequest request) {
    CreatePartitionsResponseData response = new CreatePartitionsResponseData();
    for (CreatePartitionsRequestData.CreatePartitionsTopic topic : request.data().topics()) {
      CreatePartitionsResponseData.CreatePartitionsTopicResult result =
          new CreatePartitionsResponseData.CreatePartitionsTopicResult().setName(topic.name());
      response.results().add(result);
      if (topic.assignments() != null && !topic.assignments().isEmpty()) {
        result
            .setErrorCode(Errors.INVALID_REPLICA_ASSIGNMENT.code())
            .setErrorMessage("replica assignments are not supported on one node");
        continue;
      }
      try {
        if (request.data().validateOnly()) {
          TopicDescription current =
              broker
                  .log()
                  .describeTopic(topic.name())
                  .orElseThrow(
                      () ->
                          new InvalidRequestException(
                              InvalidRequestException.Reason.UNKNOWN_TOPIC,
                              "unknown topic " + topic.name()));
          if (topic.count() <= current.partitions()) {
            throw new InvalidRequestException(
                InvalidRequestException.Reason.INVALID_PARTITIONS,
                "topic "
                    + topic.name()
                    + " has "
                    + current.partitions()
                    + " partitions; the new count must be larger");
          }
          continue;
        }
        broker.log().createPartitions(topic.name(), topic.count());
      } catch (LogException e) {
        result.setErrorCode(KafkaErrors.of(e).code()).setErrorMessage(e.getMessage());
      }
    }
    return new CreatePartitionsResponse(response);
  }

  private AbstractResponse deleteRecords(DeleteRecordsRequest request) {
    DeleteRecordsResponseData response = new DeleteRecordsResponseData();
    for (DeleteRecordsRequestData.DeleteRecordsTopic topic : request.data().topics()) {
      DeleteRecordsResponseData.DeleteRecordsTopicResult topicResult =
          new DeleteRecordsResponseData.DeleteRecordsTopicResult().setName(topic.name());
      for (DeleteRecordsRequestData.DeleteRecordsPartition asked : topic.partitions()) {
        DeleteRecordsResponseData.DeleteRecordsPartitionResult result =
            new DeleteRecordsResponseData.DeleteRecordsPartitionResult()
                .setPartitionIndex(asked.partitionIndex())
                .setLowWatermark(-1);
        java.util.Optional<io.millrace.log.PartitionLog> partition =
            broker.partition(topic.name(), asked.partitionIndex());
        if (partition.isEmpty()) {
          result.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
        } else {
          try {
            // -1 means "up to the high watermark", as in Kafka.
            long offset = asked.offset() == -1 ? partition.get().logEndOffset() : asked.offset();
            result.setLowWatermark(partition.get().deleteRecordsBefore(offset));
          } catch (LogException e) {
            result.setErrorCode(KafkaErrors.of(e).code());
          }
        }
        topicResult.partitions().add(result);
      }
      response.topics().add(topicResult);
    }
    return new DeleteRecordsResponse(response);
  }

  private AbstractResponse createTopics(CreateTopicsRequest request) {
    CreateTopicsRequestData data = request.data();
    CreateTopicsResponseData response = new CreateTopicsResponseData();
    for (CreateTopicsRequestData.CreatableTopic topic : data.topics()) {
      CreateTopicsResponseData.CreatableTopicResult result =
          new CreateTopicsResponseData.CreatableTopicResult().setName(topic.name());
      response.topics().add(result);
      if (topic.replicationFactor() != -1 && topic.replicationFactor() != 1) {
        result
            .setErrorCode(Errors.INVALID_REPLICATION_FACTOR.code())
            .setErrorMessage("Millrace runs one node: replication factor must be 1 or -1");
        continue;
      }
      if (!topic.assignments().isEmpty()) {
        result
            .setErrorCode(Errors.INVALID_REPLICA_ASSIGNMENT.code())
            .setErrorMessage("replica assignments are not supported on one node");
        continue;
      }
      Map<String, String> configs = new LinkedHashMap<>();
      topic.configs().forEach(c -> configs.put(c.name(), c.value()));
      int partitions =
          topic.numPartitions() == -1 ? broker.defaultPartitions() : topic.numPartitions();
      try {
        if (data.validateOnly()) {
          broker
              .log()
              .options()
              .topicDefaults()
              .with(configs, broker.log().options().topicDefaults());
          if (broker.log().describeTopic(topic.name()).isPresent()) {
            throw new InvalidRequestException(
                InvalidRequestException.Reason.TOPIC_EXISTS,
                "topic " + topic.name() + " already exists");
          }
          result.setNumPartitions(partitions).setReplicationFactor((short) 1);
          continue;
        }
        TopicDescription created = broker.log().createTopic(topic.name(), partitions, configs);
        result
            .setTopicId(
                request.version() >= TOPIC_ID_VERSION
                    ? Broker.toKafka(created.topicId())
                    : Uuid.ZERO_UUID)
            .setNumPartitions(created.partitions())
            .setReplicationFactor((short) 1);
      } catch (LogException e) {
        result.setErrorCode(KafkaErrors.of(e).code()).setErrorMessage(e.getMessage());
      }
    }
    return new CreateTopicsResponse(response);
  }

  private AbstractResponse deleteTopics(DeleteTopicsRequest request) {
    DeleteTopicsResponseData response = new DeleteTopicsResponseData();
    for (String name : request.topicNames()) {
      response.responses().add(delete(name, Uuid.ZERO_UUID));
    }
    for (Uuid id : request.topicIds()) {
      if (Uuid.ZERO_UUID.equals(id)) {
        continue;
      }
      String name = broker.topicName(id).orElse(null);
      response
          .responses()
          .add(
              name == null
                  ? new DeleteTopicsResponseData.DeletableTopicResult()
                      .setTopicId(id)
                      .setErrorCode(Errors.UNKNOWN_TOPIC_ID.code())
                  : delete(name, id));
    }
    return new DeleteTopicsResponse(response.setThrottleTimeMs(0));
  }

  private DeleteTopicsResponseData.DeletableTopicResult delete(String name, Uuid id) {
    DeleteTopicsResponseData.DeletableTopicResult result =
        new DeleteTopicsResponseData.DeletableTopicResult().setName(name).setTopicId(id);
    try {
      broker.log().deleteTopic(name);
    } catch (LogException e) {
      result.setErrorCode(KafkaErrors.of(e).code()).setErrorMessage(e.getMessage());
    }
    return result;
  }
}
