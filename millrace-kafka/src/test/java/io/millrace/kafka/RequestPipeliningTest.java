package io.millrace.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.millrace.common.ManualClock;
import io.millrace.kafka.testing.RawKafkaConnection;
import io.millrace.log.Log;
import io.millrace.log.LogOptions;
import io.millrace.log.PartitionLog;
import io.millrace.log.TopicPartition;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Requests pipelined on one connection: Produce requests behind an unanswered acks=all Produce are
 * appended at once (and share its fsync), answers keep request order, and a request that is not
 * applied yet (a Fetch waiting for data) still holds back the requests behind it.
 *
 * <p>The log runs on a manual clock, so the group-commit fsync happens only when the test moves
 * time past {@code flush.interval.ms}: until then no acks=all answer can be sent.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RequestPipeliningTest {

  private static final short PRODUCE_VERSION = 12; // topics by name; v13 uses ids
  private static final short FETCH_VERSION = 12;

  @TempDir Path dataDir;
  private final ManualClock clock = new ManualClock(1_700_000_000_000L);
  private Log log;
  private KafkaListener listener;

  @BeforeEach
  void start() throws Exception {
    log = Log.open(LogOptions.defaults(dataDir).withClock(clock));
    listener = KafkaListener.start(log, KafkaListenerConfig.defaults().withPort(0));
  }

  @AfterEach
  void stop() throws Exception {
    listener.close();
    log.close();
  }

  @Test
  void shouldAppendPipelinedProducesBeforeTheFirstIsDurableAndAnswerInOrder() throws Exception {
    log.createTopic("durable", 1, Map.of("flush.interval.ms", "1000"));
    PartitionLog partition = log.partition(new TopicPartition("durable", 0));
    try (RawKafkaConnection connection = new RawKafkaConnection(listener.port())) {
      List<RequestHeader> headers =
          List.of(produceHeader(11), produceHeader(12), produceHeader(13));
      for (RequestHeader header : headers) {
        connection.send(produce("durable", (short) -1, 2), header);
      }

      // All three are appended while none is durable, so none is answered.
      await().atMost(Duration.ofSeconds(10)).until(() -> partition.logEndOffset() == 6);
      assertThat(partition.durableOffset()).isZero();
      assertThat(connection.available()).isZero();

      clock.advanceMillis(1000); // the next group commit covers all three
      long expectedBase = 0;
      for (RequestHeader header : headers) {
        ProduceResponse response = (ProduceResponse) connection.receive(header);
        ProduceResponseData.PartitionProduceResponse answer =
            response.data().responses().iterator().next().partitionResponses().get(0);
        assertThat(Errors.forCode(answer.errorCode())).isEqualTo(Errors.NONE);
        assertThat(answer.baseOffset()).isEqualTo(expectedBase);
        expectedBase += 2;
      }
      assertThat(partition.durableOffset()).isEqualTo(6);
    }
  }

  @Test
  void shouldHoldRequestsBehindAWaitingFetchUntilItIsAnswered() throws Exception {
    log.createTopic("events", 1, Map.of("flush.policy", "os"));
    PartitionLog partition = log.partition(new TopicPartition("events", 0));
    try (RawKafkaConnection connection = new RawKafkaConnection(listener.port())) {
      RequestHeader fetchHeader =
          new RequestHeader(ApiKeys.FETCH, FETCH_VERSION, "pipelining-test", 21);
      RequestHeader produceHeader = produceHeader(22);
      connection.send(fetch("events", 400), fetchHeader);
      connection.send(produce("events", (short) 1, 1), produceHeader);

      // Had the Produce gone ahead, the waiting Fetch would have woken up with its record.
      FetchResponse fetched = (FetchResponse) connection.receive(fetchHeader);
      FetchResponseData partitionData = new FetchResponseData(fetched);
      assertThat(partitionData.errorCode()).isEqualTo(Errors.NONE);
      assertThat(partitionData.recordBytes()).isZero();

      ProduceResponse produced = (ProduceResponse) connection.receive(produceHeader);
      assertThat(
              produced
                  .data()
                  .responses()
                  .iterator()
                  .next()
                  .partitionResponses()
                  .get(0)
                  .baseOffset())
          .isZero();
      assertThat(partition.logEndOffset()).isEqualTo(1);
    }
  }

  /** The one partition of a one-topic fetch response. */
  private record FetchResponseData(Errors errorCode, int recordBytes) {
    FetchResponseData(FetchResponse response) {
      this(
          Errors.forCode(response.data().responses().get(0).partitions().get(0).errorCode()),
          response.data().responses().get(0).partitions().get(0).records().sizeInBytes());
    }
  }

  private static RequestHeader produceHeader(int correlationId) {
    return new RequestHeader(ApiKeys.PRODUCE, PRODUCE_VERSION, "pipelining-test", correlationId);
  }

  private static ProduceRequest produce(String topic, short acks, int records) {
    SimpleRecord[] batch = new SimpleRecord[records];
    for (int i = 0; i < records; i++) {
      batch[i] = new SimpleRecord(("value-" + i).getBytes(StandardCharsets.UTF_8));
    }
    ProduceRequestData data = new ProduceRequestData().setAcks(acks).setTimeoutMs(30_000);
    data.topicData()
        .add(
            new ProduceRequestData.TopicProduceData()
                .setName(topic)
                .setPartitionData(
                    List.of(
                        new ProduceRequestData.PartitionProduceData()
                            .setIndex(0)
                            .setRecords(MemoryRecords.withRecords(Compression.NONE, batch)))));
    return new ProduceRequest.Builder(PRODUCE_VERSION, PRODUCE_VERSION, data)
        .build(PRODUCE_VERSION);
  }

  private static FetchRequest fetch(String topic, int maxWaitMs) {
    FetchRequestData data =
        new FetchRequestData()
            .setReplicaId(-1)
            .setMaxWaitMs(maxWaitMs)
            .setMinBytes(1)
            .setMaxBytes(1 << 20)
            .setSessionId(0)
            .setSessionEpoch(-1);
    data.topics()
        .add(
            new FetchRequestData.FetchTopic()
                .setTopic(topic)
                .setPartitions(
                    List.of(
                        new FetchRequestData.FetchPartition()
                            .setPartition(0)
                            .setFetchOffset(0)
                            .setPartitionMaxBytes(1 << 20))));
    return new FetchRequest(data, FETCH_VERSION);
  }
}
