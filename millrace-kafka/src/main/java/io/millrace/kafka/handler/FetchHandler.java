package io.millrace.kafka.handler;

import io.millrace.log.InvalidRequestException;
import io.millrace.log.PartitionLog;
import io.millrace.log.StorageException;
import io.millrace.log.segment.LogSlice;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.RequestContext;

/**
 * Fetch: whole record batches from the log, sent from the segment files without copying.
 *
 * <p>Fetch sessions are not kept: every response is a full response with session id 0, which Kafka
 * clients take as "this broker does not do sessions" and keep sending full requests.
 *
 * <p>Long polling: when less than min.bytes is available, the request waits (up to max.wait.ms) for
 * an append to any of its partitions, then answers with what is there. The waiting costs nothing
 * while idle: the log completes a future on append.
 */
public final class FetchHandler implements ApiHandler {

  private final Broker broker;
  private final Executor rebuildExecutor;

  /**
   * @param rebuildExecutor where a response is rebuilt after a wait, so the producer's thread that
   *     woke it does not pay for reading the index
   */
  public FetchHandler(Broker broker, Executor rebuildExecutor) {
    this.broker = broker;
    this.rebuildExecutor = rebuildExecutor;
  }

  @Override
  public CompletableFuture<AbstractResponse> handle(
      RequestContext context, AbstractRequest request) {
    FetchRequest fetch = (FetchRequest) request;
    FetchRequestData data = fetch.data();
    if (data.sessionId() != 0) {
      return CompletableFuture.completedFuture(
          FetchResponse.of(
              new FetchResponseData()
                  .setErrorCode(Errors.FETCH_SESSION_ID_NOT_FOUND.code())
                  .setSessionId(0)));
    }
    Built first = build(data, fetch.isolationLevel());
    if (first.bytes() >= data.minBytes() || data.maxWaitMs() <= 0 || first.waits().isEmpty()) {
      return CompletableFuture.completedFuture(first.response());
    }
    List<CompletableFuture<Void>> waits = first.waits();
    return CompletableFuture.anyOf(waits.toArray(CompletableFuture[]::new))
        .orTimeout(data.maxWaitMs(), TimeUnit.MILLISECONDS)
        .handleAsync(
            (ignored, timeout) -> {
              waits.forEach(w -> w.cancel(false));
              return build(data, fetch.isolationLevel()).response();
            },
            rebuildExecutor);
  }

  /** A response, how many record bytes it holds, and what to wait on for more. */
  private record Built(FetchResponse response, long bytes, List<CompletableFuture<Void>> waits) {}

  private Built build(FetchRequestData data, IsolationLevel isolation) {
    List<FetchResponseData.FetchableTopicResponse> topics = new ArrayList<>();
    List<CompletableFuture<Void>> waits = new ArrayList<>();
    long budget = data.maxBytes();
    long total = 0;
    boolean anyError = false;
    for (FetchRequestData.FetchTopic topic : data.topics()) {
      Optional<String> name = topicName(topic);
      FetchResponseData.FetchableTopicResponse topicResponse =
          new FetchResponseData.FetchableTopicResponse()
              .setTopic(topic.topic())
              .setTopicId(topic.topicId() == null ? Uuid.ZERO_UUID : topic.topicId());
      for (FetchRequestData.FetchPartition asked : topic.partitions()) {
        FetchResponseData.PartitionData partitionResponse =
            new FetchResponseData.PartitionData()
                .setPartitionIndex(asked.partition())
                .setRecords(MemoryRecords.EMPTY)
                .setAbortedTransactions(
                    isolation == IsolationLevel.READ_COMMITTED ? List.of() : null);
        topicResponse.partitions().add(partitionResponse);
        Optional<PartitionLog> partition =
            name.flatMap(n -> broker.partition(n, asked.partition()));
        if (partition.isEmpty()) {
          anyError = true;
          partitionResponse.setErrorCode(
              (name.isEmpty() && topic.topic().isEmpty()
                      ? Errors.UNKNOWN_TOPIC_ID
                      : Errors.UNKNOWN_TOPIC_OR_PARTITION)
                  .code());
          continue;
        }
        int limit = (int) Math.min(asked.partitionMaxBytes(), Math.max(budget - total, 0));
        long sent = read(partition.get(), asked, limit, total == 0, partitionResponse);
        if (sent < 0) {
          anyError = true;
        } else if (sent == 0) {
          waits.add(partition.get().onData(asked.fetchOffset()));
        }
        total += Math.max(sent, 0);
      }
      topics.add(topicResponse);
    }
    FetchResponse response =
        FetchResponse.of(
            new FetchResponseData()
                .setErrorCode(Errors.NONE.code())
                .setSessionId(0)
                .setResponses(topics));
    if (anyError) {
      waits.forEach(w -> w.cancel(false));
      waits = List.of(); // answer errors at once
    }
    return new Built(response, total, waits);
  }

  /**
   * Fills one partition's response; returns the record bytes added, or -1 on an error. The first
   * partition with data gets at least one whole batch even if it exceeds the limits, as in Kafka,
   * so a consumer never gets stuck behind a large batch.
   */
  private static long read(
      PartitionLog partition,
      FetchRequestData.FetchPartition asked,
      int limit,
      boolean firstWithData,
      FetchResponseData.PartitionData response) {
    long end = partition.logEndOffset();
    response
        .setHighWatermark(end)
        .setLastStableOffset(end)
        .setLogStartOffset(partition.logStartOffset());
    if (asked.fetchOffset() == end || (limit <= 0 && !firstWithData)) {
      return 0;
    }
    try {
      LogSlice slice = partition.read(asked.fetchOffset(), Math.max(limit, 1));
      if (slice.isEmpty() || (slice.sizeBytes() > limit && !firstWithData)) {
        return 0;
      }
      response.setRecords(new LogSliceRecords(slice));
      return slice.sizeBytes();
    } catch (InvalidRequestException e) {
      response.setErrorCode(
          (e.reason() == InvalidRequestException.Reason.OFFSET_OUT_OF_RANGE
                  ? Errors.OFFSET_OUT_OF_RANGE
                  : Errors.UNKNOWN_TOPIC_OR_PARTITION)
              .code());
      return -1;
    } catch (StorageException e) {
      response.setErrorCode(Errors.KAFKA_STORAGE_ERROR.code());
      return -1;
    }
  }

  private Optional<String> topicName(FetchRequestData.FetchTopic topic) {
    if (topic.topic() != null && !topic.topic().isEmpty()) {
      return Optional.of(topic.topic());
    }
    return topic.topicId() == null ? Optional.empty() : broker.topicName(topic.topicId());
  }
}
