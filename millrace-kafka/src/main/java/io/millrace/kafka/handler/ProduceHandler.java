package io.millrace.kafka.handler;

import io.millrace.kafka.KafkaErrors;
import io.millrace.log.AppendResult;
import io.millrace.log.PartitionLog;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.apache.kafka.common.requests.RequestContext;

/**
 * Produce: appends each partition's record batches to the log as received.
 *
 * <ul>
 *   <li>acks=0: appended, nothing sent back;
 *   <li>acks=1: answered once appended (readable, in the page cache), as a Kafka leader answers;
 *   <li>acks=all (-1): answered once durable under the topic's flush policy.
 * </ul>
 *
 * Transactional produce is refused (transactions come with the exactly-once work).
 */
public final class ProduceHandler implements ApiHandler {

  private final Broker broker;

  public ProduceHandler(Broker broker) {
    this.broker = broker;
  }

  /**
   * The appends are done when {@link #handle} returns; an acks=all answer only waits for the fsync,
   * so the connection's next Produce requests are appended meanwhile and share that fsync.
   */
  @Override
  public boolean appliedOnReturn() {
    return true;
  }

  @Override
  public CompletableFuture<AbstractResponse> handle(
      RequestContext context, AbstractRequest request) {
    ProduceRequestData data = ((ProduceRequest) request).data();
    if (data.transactionalId() != null) {
      return CompletableFuture.completedFuture(
          request.getErrorResponse(
              new UnsupportedVersionException("Millrace does not support transactions yet")));
    }
    ProduceResponseData.TopicProduceResponseCollection topics =
        new ProduceResponseData.TopicProduceResponseCollection();
    List<PendingAck> waits = new ArrayList<>();
    for (ProduceRequestData.TopicProduceData topicData : data.topicData()) {
      Optional<String> name = topicName(topicData);
      ProduceResponseData.TopicProduceResponse topicResponse =
          new ProduceResponseData.TopicProduceResponse()
              .setName(topicData.name())
              .setTopicId(topicData.topicId());
      for (ProduceRequestData.PartitionProduceData partitionData : topicData.partitionData()) {
        ProduceResponseData.PartitionProduceResponse partitionResponse =
            new ProduceResponseData.PartitionProduceResponse().setIndex(partitionData.index());
        topicResponse.partitionResponses().add(partitionResponse);
        Optional<PartitionLog> partition =
            name.flatMap(n -> broker.partition(n, partitionData.index()));
        if (partition.isEmpty()) {
          partitionResponse.setErrorCode(
              (topicData.name() == null
                      ? Errors.UNKNOWN_TOPIC_ID
                      : Errors.UNKNOWN_TOPIC_OR_PARTITION)
                  .code());
          continue;
        }
        append(partition.get(), partitionData, partitionResponse, data.acks(), waits);
      }
      topics.add(topicResponse);
    }
    if (data.acks() == 0) {
      return CompletableFuture.completedFuture(null);
    }
    ProduceResponse response = new ProduceResponse(new ProduceResponseData().setResponses(topics));
    if (waits.isEmpty()) {
      return CompletableFuture.completedFuture(response);
    }
    CompletableFuture<?>[] durables =
        waits.stream().map(PendingAck::durable).toArray(CompletableFuture[]::new);
    return CompletableFuture.allOf(durables)
        .orTimeout(Math.max(data.timeoutMs(), 1), TimeUnit.MILLISECONDS)
        .handle(
            (ignored, timeout) -> {
              for (PendingAck wait : waits) {
                wait.settle();
              }
              return response;
            });
  }

  /** An acks=all partition waiting for its append to become durable. */
  private record PendingAck(
      CompletableFuture<Void> durable, ProduceResponseData.PartitionProduceResponse response) {

    /** Turns the durability outcome (or its absence in time) into the partition's error. */
    void settle() {
      if (!durable.isDone()) {
        response
            .setErrorCode(Errors.REQUEST_TIMED_OUT.code())
            .setErrorMessage("not durable within the request timeout");
      } else if (durable.isCompletedExceptionally()) {
        response
            .setErrorCode(Errors.KAFKA_STORAGE_ERROR.code())
            .setErrorMessage("fsync failed: " + durable.exceptionNow().getMessage());
      }
    }
  }

  private Optional<String> topicName(ProduceRequestData.TopicProduceData topicData) {
    if (topicData.name() != null && !topicData.name().isEmpty()) {
      return Optional.of(topicData.name());
    }
    return topicData.topicId() == null ? Optional.empty() : broker.topicName(topicData.topicId());
  }

  private static void append(
      PartitionLog partition,
      ProduceRequestData.PartitionProduceData partitionData,
      ProduceResponseData.PartitionProduceResponse partitionResponse,
      short acks,
      List<PendingAck> waits) {
    if (!(partitionData.records() instanceof MemoryRecords records)) {
      partitionResponse.setErrorCode(Errors.CORRUPT_MESSAGE.code());
      return;
    }
    AppendResult result = partition.append(records.buffer().duplicate());
    partitionResponse
        .setErrorCode(KafkaErrors.of(result.status()).code())
        .setErrorMessage(result.message())
        .setBaseOffset(result.isOk() ? result.baseOffset() : -1)
        .setLogAppendTimeMs(result.isOk() ? result.logAppendTimeMs() : -1)
        .setLogStartOffset(partition.logStartOffset());
    if (result.isOk() && acks == -1) {
      waits.add(new PendingAck(result.durable(), partitionResponse));
    }
  }
}
