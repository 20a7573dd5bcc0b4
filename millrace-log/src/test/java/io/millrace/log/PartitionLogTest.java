package io.millrace.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.millrace.log.format.BatchBuilder;
import io.millrace.log.format.BatchLayout;
import io.millrace.log.format.Codec;
import io.millrace.log.format.LogRecord;
import io.millrace.log.format.RecordBatches;
import io.millrace.log.segment.LogSlice;
import io.millrace.log.testing.Batches;
import io.millrace.log.testing.LogExtension;
import io.millrace.log.testing.LogReader;
import io.millrace.log.testing.SeededRandomExtension;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

@ExtendWith(SeededRandomExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PartitionLogTest {

  private static final TopicPartition TP = new TopicPartition("orders", 0);

  @RegisterExtension final LogExtension logs = new LogExtension();

  @TempDir Path dataDir;

  private PartitionLog partition(Log log, Map<String, String> overrides) {
    log.createTopic(TP.topic(), 1, overrides);
    return log.partition(TP);
  }

  private static List<Path> segmentFiles(PartitionLog partition) throws IOException {
    try (Stream<Path> files = Files.list(partition.directory())) {
      return files.filter(f -> f.toString().endsWith(".log")).sorted().toList();
    }
  }

  @Test
  void shouldAssignOffsetsAndReadBackAfterReopen() throws Exception {
    TopicPartition tp = new TopicPartition("orders", 0);
    try (Log log = Log.open(LogOptions.defaults(dataDir))) {
      log.createTopic("orders", 2, Map.of());
      PartitionLog partition = log.partition(tp);
      AppendResult first = partition.append(Batches.numbered(0, 3, 1000));
      AppendResult second = partition.append(Batches.numbered(3, 2, 2000));
      assertThat(first.status()).isEqualTo(AppendStatus.OK);
      assertThat(first.baseOffset()).isZero();
      assertThat(first.lastOffset()).isEqualTo(2);
      assertThat(second.baseOffset()).isEqualTo(3);
      second.durable().get();
      assertThat(partition.logEndOffset()).isEqualTo(5);
    }
    try (Log log = Log.open(LogOptions.defaults(dataDir))) {
      PartitionLog partition = log.partition(tp);
      List<LogRecord> records = LogReader.readAll(partition);
      assertThat(records).extracting(LogRecord::offset).containsExactly(0L, 1L, 2L, 3L, 4L);
      assertThat(Batches.text(records.get(4).value())).isEqualTo("value-4");
      assertThat(partition.offsetForTimestamp(2000)).isEqualTo(3);
    }
  }

  @Test
  void shouldRollWhenTheNextBatchWouldOverflowSegmentBytes() throws IOException {
    PartitionLog partition = partition(logs.open(), Map.of(TopicConfig.SEGMENT_BYTES, "1000"));
    for (int i = 0; i < 40; i++) {
      assertThat(partition.append(Batches.numbered(i * 3, 3, 1000)).isOk()).isTrue();
    }

    assertThat(partition.segmentCount()).isGreaterThan(4);
    assertThat(segmentFiles(partition)).hasSize(partition.segmentCount());
    for (Path file : segmentFiles(partition)) {
      assertThat(Files.size(file)).as(file.toString()).isBetween(1L, 1000L);
    }
    assertThat(LogReader.readAll(partition))
        .extracting(LogRecord::offset)
        .containsExactlyElementsOf(java.util.stream.LongStream.range(0, 120).boxed().toList());
  }

  @Test
  void shouldNameSegmentsByTheirBaseOffset() throws IOException {
    PartitionLog partition = partition(logs.open(), Map.of(TopicConfig.SEGMENT_BYTES, "200"));
    partition.append(Batches.numbered(0, 3, 1000));
    partition.append(Batches.numbered(3, 4, 1000));

    assertThat(segmentFiles(partition))
        .extracting(p -> p.getFileName().toString())
        .containsExactly("00000000000000000000.log", "00000000000000000003.log");
  }

  @Test
  void shouldStoreABatchLargerThanSegmentBytesInASegmentOfItsOwn() throws IOException {
    PartitionLog partition = partition(logs.open(), Map.of(TopicConfig.SEGMENT_BYTES, "200"));
    partition.append(Batches.numbered(0, 1, 1000));

    AppendResult big = partition.append(Batches.numbered(1, 30, 1000));
    partition.append(Batches.numbered(31, 1, 1000));

    assertThat(big.isOk()).isTrue();
    assertThat(partition.segmentCount()).isEqualTo(3);
    assertThat(LogReader.readAll(partition)).hasSize(32);
  }

  @Test
  void shouldRollWhenTheActiveSegmentIsOlderThanSegmentMs() throws IOException {
    PartitionLog partition = partition(logs.open(), Map.of(TopicConfig.SEGMENT_MS, "1000"));
    partition.append(Batches.numbered(0, 1, 1000));

    logs.clock().advanceMillis(999);
    partition.append(Batches.numbered(1, 1, 1000));
    int beforeDeadline = partition.segmentCount();
    logs.clock().advanceMillis(1);
    partition.append(Batches.numbered(2, 1, 1000));

    assertThat(beforeDeadline).isOne();
    assertThat(partition.segmentCount()).isEqualTo(2);
    assertThat(LogReader.readAll(partition))
        .extracting(LogRecord::offset)
        .containsExactly(0L, 1L, 2L);
  }

  @Test
  void shouldNotRollAnEmptySegmentHoweverOld() throws IOException {
    PartitionLog partition = partition(logs.open(), Map.of(TopicConfig.SEGMENT_MS, "1000"));

    logs.clock().advanceMillis(10_000);
    partition.append(Batches.numbered(0, 1, 1000));

    assertThat(partition.segmentCount()).isOne();
  }

  @Test
  void shouldReadOneBatchAtATimeAcrossSegmentsWithTinyMaxBytes() throws IOException {
    PartitionLog partition = partition(logs.open(), Map.of(TopicConfig.SEGMENT_BYTES, "300"));
    for (int i = 0; i < 20; i++) {
      partition.append(Batches.numbered(i * 2, 2, 1000));
    }
    List<Long> offsets = new ArrayList<>();

    long next = 0;
    while (next < partition.logEndOffset()) {
      LogSlice slice = partition.read(next, 1);
      List<LogRecord> records = RecordBatches.records(slice.read());
      assertThat(records).hasSize(2);
      records.forEach(r -> offsets.add(r.offset()));
      next = slice.nextOffset();
    }

    assertThat(partition.segmentCount()).isGreaterThan(5);
    assertThat(offsets)
        .containsExactlyElementsOf(java.util.stream.LongStream.range(0, 40).boxed().toList());
  }

  @Test
  void shouldStartReadsWithTheBatchHoldingTheOffset() throws IOException {
    PartitionLog partition = partition(logs.open(), Map.of());
    partition.append(Batches.numbered(0, 5, 1000));

    LogSlice slice = partition.read(3, 1 << 20);

    assertThat(slice.firstOffset()).isZero();
    assertThat(LogReader.readFrom(partition, 3))
        .extracting(LogRecord::offset)
        .containsExactly(3L, 4L);
  }

  @Test
  void shouldRejectReadsOutsideTheLogAndAnswerEmptyAtItsEnd() throws IOException {
    PartitionLog partition = partition(logs.open(), Map.of());
    partition.append(Batches.numbered(0, 3, 1000));

    LogSlice atEnd = partition.read(3, 1000);

    assertThat(atEnd.isEmpty()).isTrue();
    assertThat(atEnd.nextOffset()).isEqualTo(3);
    for (long offset : new long[] {-1, 4, Long.MAX_VALUE}) {
      assertThatThrownBy(() -> partition.read(offset, 1000))
          .isInstanceOfSatisfying(
              InvalidRequestException.class,
              e ->
                  assertThat(e.reason())
                      .isEqualTo(InvalidRequestException.Reason.OFFSET_OUT_OF_RANGE))
          .hasMessageContaining("offset " + offset);
    }
  }

  @Test
  void shouldFindOffsetsByTimestampAcrossSegments(Random random) throws IOException {
    PartitionLog partition =
        partition(
            logs.open(),
            Map.of(TopicConfig.SEGMENT_BYTES, "600", TopicConfig.INDEX_INTERVAL_BYTES, "100"));
    List<LogRecord> written = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      long[] timestamps = new long[1 + random.nextInt(4)];
      for (int t = 0; t < timestamps.length; t++) {
        timestamps[t] = 1000 + i * 100L + random.nextInt(500) - 200; // mostly rising, some late
      }
      partition.append(Batches.withTimestamps(Codec.values()[random.nextInt(5)], timestamps));
    }
    written.addAll(LogReader.readAll(partition));

    assertThat(partition.segmentCount()).isGreaterThan(5);
    for (long target = 500; target < 11_500; target += 1 + random.nextInt(60)) {
      long expected = -1;
      for (LogRecord record : written) {
        if (record.timestamp() >= target) {
          expected = record.offset();
          break;
        }
      }
      assertThat(partition.offsetForTimestamp(target))
          .as("timestamp %d", target)
          .isEqualTo(expected);
    }
  }

  @Test
  void shouldNotAnswerADeletedOffsetOrOneBelowTheTimestampAfterDeleteRecords() throws IOException {
    PartitionLog partition = partition(logs.open(), Map.of());
    partition.append(Batches.withTimestamps(Codec.NONE, 5000, 1000, 1000)); // offsets 0-2
    partition.append(Batches.withTimestamps(Codec.NONE, 2000)); // offset 3

    partition.deleteRecordsBefore(1);

    assertThat(partition.offsetForTimestamp(3000)).isEqualTo(-1);
    assertThat(partition.offsetForTimestamp(1500)).isEqualTo(3);
    assertThat(partition.offsetForTimestamp(0)).isEqualTo(1);
  }

  @Test
  void shouldStampLogAppendTimeOnEveryRecord() throws IOException {
    PartitionLog partition =
        partition(
            logs.open(),
            Map.of(TopicConfig.MESSAGE_TIMESTAMP_TYPE, TimestampType.LOG_APPEND_TIME.configName()));
    long now = logs.clock().millis();

    AppendResult result = partition.append(Batches.withTimestamps(Codec.SNAPPY, 1, 2, 3));
    logs.clock().advanceMillis(10);
    partition.append(Batches.withTimestamps(Codec.NONE, 4));

    assertThat(result.logAppendTimeMs()).isEqualTo(now);
    assertThat(LogReader.readAll(partition))
        .extracting(LogRecord::timestamp)
        .containsExactly(now, now, now, now + 10);
    assertThat(partition.offsetForTimestamp(1)).isZero();
    assertThat(partition.offsetForTimestamp(now + 1)).isEqualTo(3);
    assertThat(partition.offsetForTimestamp(now + 11)).isEqualTo(-1);
  }

  @Test
  void shouldKeepProducerTimestampsForCreateTime() throws IOException {
    PartitionLog partition = partition(logs.open(), Map.of());

    AppendResult result = partition.append(Batches.withTimestamps(Codec.NONE, 7, 3));

    assertThat(result.logAppendTimeMs()).isEqualTo(-1);
    assertThat(LogReader.readAll(partition))
        .extracting(LogRecord::timestamp)
        .containsExactly(7L, 3L);
  }

  @ParameterizedTest
  @EnumSource(FlushPolicy.class)
  void shouldCompleteTheDurableFutureUnderEveryFlushPolicy(FlushPolicy policy) throws Exception {
    PartitionLog partition =
        partition(
            logs.open(),
            Map.of(
                TopicConfig.FLUSH_POLICY, policy.configName(), TopicConfig.FLUSH_INTERVAL_MS, "5"));

    AppendResult result = partition.append(Batches.numbered(0, 3, 1000));
    logs.clock().advanceMillis(5); // group commit waits for its interval of (manual) time

    result.durable().get(10, TimeUnit.SECONDS);
    if (policy == FlushPolicy.OS) {
      assertThat(partition.durableOffset()).isZero(); // in the page cache only
      partition.flush();
    }
    assertThat(partition.durableOffset()).isEqualTo(3);
  }

  @Test
  void shouldAcknowledgeEveryBatchOnlyAfterItsFsync() throws IOException {
    PartitionLog partition =
        partition(
            logs.open(), Map.of(TopicConfig.FLUSH_POLICY, FlushPolicy.EVERY_BATCH.configName()));

    AppendResult result = partition.append(Batches.numbered(0, 3, 1000));

    assertThat(result.durable()).isDone();
    assertThat(partition.durableOffset()).isEqualTo(3);
  }

  @Test
  void shouldHoldGroupCommitAcknowledgementsUntilTheFlushIntervalPasses() throws Exception {
    PartitionLog partition =
        partition(
            logs.open(),
            Map.of(
                TopicConfig.FLUSH_POLICY,
                FlushPolicy.GROUP_COMMIT.configName(),
                TopicConfig.FLUSH_INTERVAL_MS,
                "1000"));

    AppendResult first = partition.append(Batches.numbered(0, 3, 1000));
    AppendResult second = partition.append(Batches.numbered(3, 3, 1000));
    Awaitility.await()
        .during(Duration.ofMillis(300))
        .atMost(Duration.ofSeconds(2))
        .until(() -> !first.durable().isDone() && !second.durable().isDone());
    logs.clock().advanceMillis(1000);

    second.durable().get(10, TimeUnit.SECONDS);
    assertThat(first.durable()).isDone();
    assertThat(partition.durableOffset()).isEqualTo(6);
  }

  @Test
  void shouldAppendAllBatchesOfARequestOrNone() throws IOException {
    PartitionLog partition = partition(logs.open(), Map.of());
    ByteBuffer bad = Batches.numbered(2, 2, 1000);
    bad.put(BatchLayout.RECORDS + 3, (byte) 0x55);
    ByteBuffer request =
        Batches.concat(Batches.numbered(0, 2, 1000), bad, Batches.numbered(4, 2, 1000));

    AppendResult refused = partition.append(request);
    AppendResult next = partition.append(Batches.numbered(0, 1, 1000));

    assertThat(refused.status()).isEqualTo(AppendStatus.CORRUPT_BATCH);
    assertThat(refused.message()).startsWith("batch 1:");
    assertThat(refused.durable()).isDone();
    assertThat(next.baseOffset()).isZero();
    assertThat(partition.logEndOffset()).isEqualTo(1);
    assertThat(LogReader.readAll(partition)).hasSize(1);
  }

  @Test
  void shouldMapEachRejectionToItsStatus() throws IOException {
    PartitionLog partition =
        partition(
            logs.open(),
            Map.of(TopicConfig.MAX_MESSAGE_BYTES, "200", TopicConfig.CLEANUP_POLICY, "compact"));
    ByteBuffer magicOne = Batches.keyed("k", "v", 1);
    magicOne.put(BatchLayout.MAGIC, (byte) 1);
    ByteBuffer tooLarge = Batches.keyed("k", "x".repeat(300), 1);
    ByteBuffer noKey =
        BatchBuilder.build(
            Codec.NONE, List.of(new BatchBuilder.NewRecord(1, null, Batches.bytes("v"))));
    ByteBuffer badCrc = Batches.keyed("k", "v", 1);
    badCrc.put(badCrc.limit() - 1, (byte) 1);

    assertThat(partition.append(magicOne).status()).isEqualTo(AppendStatus.UNSUPPORTED_VERSION);
    assertThat(partition.append(tooLarge).status()).isEqualTo(AppendStatus.RECORD_TOO_LARGE);
    assertThat(partition.append(noKey).status()).isEqualTo(AppendStatus.INVALID_RECORD);
    assertThat(partition.append(badCrc).status()).isEqualTo(AppendStatus.CORRUPT_BATCH);
    assertThat(partition.logEndOffset()).isZero();
  }

  @Test
  void shouldRefuseAppendsOnceClosed() throws IOException {
    Log log = logs.open();
    PartitionLog partition = partition(log, Map.of());
    log.close();

    AppendResult result = partition.append(Batches.numbered(0, 1, 1000));

    assertThat(result.status()).isEqualTo(AppendStatus.CLOSED);
  }

  @Test
  void shouldTakeNewSettingsForTheNextAppend() throws IOException {
    Log log = logs.open();
    PartitionLog partition = partition(log, Map.of());
    partition.append(Batches.numbered(0, 3, 1000));

    log.alterTopicConfig(TP.topic(), Map.of(TopicConfig.SEGMENT_BYTES, "100"));
    partition.append(Batches.numbered(3, 3, 1000));

    assertThat(partition.segmentCount()).isEqualTo(2);
    assertThat(partition.config().segmentBytes()).isEqualTo(100);
  }
}
