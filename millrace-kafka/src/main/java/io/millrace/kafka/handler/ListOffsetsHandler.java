package io.millrace.kafka.handler;

import io.millrace.log.PartitionLog;
import io.millrace.log.format.LogRecord;
import io.millrace.log.format.RecordBatches;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ListOffsetsRequest;
import org.apache.kafka.common.requests.ListOffsetsResponse;
import org.apache.kafka.common.requests.RequestContext;

/**
 * ListOffsets: the earliest offset, the latest offset, or the first offset whose timestamp is at
 * least a given time (with that record's timestamp), per partition. There is no tiered storage yet,
 * so "earliest local" is the earliest and "latest tiered" is unknown (-1).
 */
public final class ListOffsetsHandler implements ApiHandler {

  private final Broker broker;

  public ListOffsetsHandler(Broker broker) {
    this.broker = broker;
  }

  @Override
  public CompletableFuture<AbstractResponse> handle(
      RequestContext context, AbstractRequest request) {
    ListOffsetsRequestData data = ((ListOffsetsRequest) request).data();
    ListOffsetsResponseData response = new ListOffsetsResponseData();
    for (ListOffsetsRequestData.ListOffsetsTopic topic : data.topics()) {
      ListOffsetsResponseData.ListOffsetsTopicResponse topicResponse =
          new ListOffsetsResponseData.ListOffsetsTopicResponse().setName(topic.name());
      for (ListOffsetsRequestData.ListOffsetsPartition asked : topic.partitions()) {
        ListOffsetsResponseData.ListOffsetsPartitionResponse answer =
            new ListOffsetsResponseData.ListOffsetsPartitionResponse()
                .setPartitionIndex(asked.partitionIndex())
                .setTimestamp(-1)
                .setOffset(-1);
        Optional<PartitionLog> partition = broker.partition(topic.name(), asked.partitionIndex());
        if (partition.isEmpty()) {
          answer.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
        } else {
          lookUp(partition.get(), asked.timestamp(), answer);
        }
        topicResponse.partitions().add(answer);
      }
      response.topics().add(topicResponse);
    }
    return CompletableFuture.completedFuture(new ListOffsetsResponse(response));
  }

  private static void lookUp(
      PartitionLog partition,
      long timestamp,
      ListOffsetsResponseData.ListOffsetsPartitionResponse answer) {
    if (timestamp == ListOffsetsRequest.EARLIEST_TIMESTAMP
        || timestamp == ListOffsetsRequest.EARLIEST_LOCAL_TIMESTAMP) {
      answer.setOffset(partition.logStartOffset());
    } else if (timestamp == ListOffsetsRequest.LATEST_TIMESTAMP) {
      answer.setOffset(partition.logEndOffset());
    } else if (timestamp == ListOffsetsRequest.LATEST_TIERED_TIMESTAMP
        || timestamp == ListOffsetsRequest.EARLIEST_PENDING_UPLOAD_TIMESTAMP) {
      answer.setOffset(-1); // nothing is tiered
    } else if (timestamp < 0) {
      // MAX_TIMESTAMP and any future special value: not answered yet.
      answer.setErrorCode(Errors.UNSUPPORTED_VERSION.code());
    } else {
      long offset = partition.offsetForTimestamp(timestamp);
      if (offset >= 0) {
        answer.setOffset(offset).setTimestamp(timestampAt(partition, offset));
      }
    }
  }

  /** The timestamp of the record at {@code offset} (reads the batch holding it). */
  private static long timestampAt(PartitionLog partition, long offset) {
    try {
      for (LogRecord record : RecordBatches.records(partition.read(offset, 1).read())) {
        if (record.offset() == offset) {
          return record.timestamp();
        }
      }
    } catch (IOException e) {
      return -1;
    }
    return -1;
  }
}
