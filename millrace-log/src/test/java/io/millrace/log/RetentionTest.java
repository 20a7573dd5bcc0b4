package io.millrace.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.millrace.log.format.LogRecord;
import io.millrace.log.testing.Batches;
import io.millrace.log.testing.LogExtension;
import io.millrace.log.testing.LogReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RetentionTest {

  private static final String TOPIC = "events";
  private static final TopicPartition TP = new TopicPartition(TOPIC, 0);

  @RegisterExtension final LogExtension logs = new LogExtension();

  private Log log;

  private PartitionLog create(Map<String, String> overrides) throws IOException {
    log = logs.open();
    log.createTopic(TOPIC, 1, overrides);
    return log.partition(TP);
  }

  /** Appends {@code batches} batches of 5 records stamped with the clock's time now. */
  private static void appendNow(PartitionLog partition, LogExtension logs, int batches) {
    for (int i = 0; i < batches; i++) {
      long first = partition.logEndOffset();
      assertThat(partition.append(Batches.numbered((int) first, 5, logs.clock().millis())).isOk())
          .isTrue();
    }
  }

  private static List<String> files(PartitionLog partition) throws IOException {
    try (Stream<Path> files = Files.list(partition.directory())) {
      return files
          .map(p -> p.getFileName().toString())
          .filter(n -> n.contains(".log") || n.contains(".index"))
          .sorted()
          .toList();
    }
  }

  private static void assertOutOfRange(PartitionLog partition, long offset) {
    assertThatThrownBy(() -> partition.read(offset, 1000))
        .isInstanceOfSatisfying(
            InvalidRequestException.class,
            e ->
                assertThat(e.reason())
                    .isEqualTo(InvalidRequestException.Reason.OFFSET_OUT_OF_RANGE));
  }

  @Test
  void shouldDeleteSegmentsWhoseNewestRecordIsOlderThanRetentionMs() throws IOException {
    PartitionLog partition =
        create(Map.of(TopicConfig.RETENTION_MS, "60000", TopicConfig.SEGMENT_BYTES, "1000"));
    appendNow(partition, logs, 12); // several segments, all at the same time
    long oldEnd = partition.logEndOffset();
    logs.clock().advanceMillis(30_000);
    appendNow(partition, logs, 12);
    int segmentsBefore = partition.segmentCount();
    logs.clock().advanceMillis(30_005); // the first group's newest record is now 60 001 ms old

    int deleted = log.runRetention();

    assertThat(deleted).isPositive();
    assertThat(partition.segmentCount()).isEqualTo(segmentsBefore - deleted);
    assertThat(partition.logStartOffset()).isPositive().isLessThanOrEqualTo(oldEnd);
    List<LogRecord> left = LogReader.readAll(partition);
    assertThat(left.get(0).offset()).isEqualTo(partition.logStartOffset());
    assertThat(left).hasSizeGreaterThanOrEqualTo(60); // every record of the younger group
    assertOutOfRange(partition, 0);
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> files(partition).size() == 2 * partition.segmentCount());
  }

  @Test
  void shouldRollAndDeleteAnExpiredActiveSegment() throws IOException {
    PartitionLog partition = create(Map.of(TopicConfig.RETENTION_MS, "1000"));
    appendNow(partition, logs, 3);
    logs.clock().advanceMillis(1005); // the newest record is now 1001 ms old

    log.runRetention();

    assertThat(partition.segmentCount()).isOne();
    assertThat(partition.logStartOffset()).isEqualTo(15);
    assertThat(partition.logEndOffset()).isEqualTo(15);
    assertThat(partition.append(Batches.numbered(0, 1, logs.clock().millis())).baseOffset())
        .isEqualTo(15);
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                files(partition)
                    .equals(List.of("00000000000000000015.index", "00000000000000000015.log")));
  }

  @Test
  void shouldKeepSegmentsYoungerThanRetentionMs() throws IOException {
    PartitionLog partition =
        create(Map.of(TopicConfig.RETENTION_MS, "60000", TopicConfig.SEGMENT_BYTES, "500"));
    appendNow(partition, logs, 10);
    logs.clock().advanceMillis(60_000);

    assertThat(log.runRetention()).isZero();
    assertThat(partition.logStartOffset()).isZero();
  }

  @Test
  void shouldDeleteOldestSegmentsBeyondRetentionBytes() throws IOException {
    PartitionLog partition =
        create(Map.of(TopicConfig.RETENTION_BYTES, "2000", TopicConfig.SEGMENT_BYTES, "500"));
    appendNow(partition, logs, 30);
    long sizeBefore = partition.sizeBytes();
    int segmentsBefore = partition.segmentCount();

    int deleted = log.runRetention();

    assertThat(sizeBefore).isGreaterThan(4000);
    assertThat(deleted).isPositive();
    assertThat(partition.segmentCount()).isEqualTo(segmentsBefore - deleted);
    assertThat(partition.sizeBytes()).isGreaterThanOrEqualTo(2000 - 500);
    // Deleting the oldest remaining segment too would have gone below retention.bytes.
    long oldestSize = partition.sealedSegments().get(0).sizeBytes();
    assertThat(partition.sizeBytes() - oldestSize).isLessThan(2000);
    assertThat(LogReader.readAll(partition).get(0).offset()).isEqualTo(partition.logStartOffset());
  }

  @Test
  void shouldKeepEverythingWithoutLimits() throws IOException {
    PartitionLog partition =
        create(
            Map.of(
                TopicConfig.RETENTION_MS, "-1",
                TopicConfig.RETENTION_BYTES, "-1",
                TopicConfig.SEGMENT_BYTES, "500"));
    appendNow(partition, logs, 10);
    logs.clock().advanceMillis(365L * 24 * 3600 * 1000);

    assertThat(log.runRetention()).isZero();
    assertThat(LogReader.readAll(partition)).hasSize(50);
  }

  @Test
  void shouldNotApplyRetentionToCompactedTopics() throws IOException {
    PartitionLog partition =
        create(
            Map.of(
                TopicConfig.CLEANUP_POLICY, "compact",
                TopicConfig.RETENTION_MS, "1000",
                TopicConfig.SEGMENT_BYTES, "500"));
    appendNow(partition, logs, 10);
    logs.clock().advanceMillis(10_000);

    assertThat(log.runRetention()).isZero();
    assertThat(LogReader.readAll(partition)).hasSize(50);
  }

  @Test
  void shouldKeepTheLogStartOffsetRaisedByRetentionAcrossReopen() throws IOException {
    PartitionLog partition =
        create(Map.of(TopicConfig.RETENTION_BYTES, "1000", TopicConfig.SEGMENT_BYTES, "500"));
    appendNow(partition, logs, 20);
    log.runRetention();
    long start = partition.logStartOffset();

    Log reopened = logs.reopen(log);

    assertThat(start).isPositive();
    assertThat(reopened.partition(TP).logStartOffset()).isEqualTo(start);
    assertThat(LogReader.readAll(reopened.partition(TP)).get(0).offset()).isEqualTo(start);
  }

  @Test
  void shouldHideRecordsBelowADeleteRecordsOffset() throws IOException {
    PartitionLog partition = create(Map.of(TopicConfig.SEGMENT_BYTES, "500"));
    appendNow(partition, logs, 10);
    int segmentsBefore = partition.segmentCount();

    long start = partition.deleteRecordsBefore(23);

    assertThat(start).isEqualTo(23);
    assertThat(partition.logStartOffset()).isEqualTo(23);
    assertThat(LogReader.readAll(partition).get(0).offset()).isEqualTo(23);
    assertOutOfRange(partition, 22);
    assertThat(partition.segmentCount()).isLessThan(segmentsBefore);
    assertThat(partition.sealedSegments())
        .allSatisfy(s -> assertThat(s.nextOffset()).isGreaterThan(23));
  }

  @Test
  void shouldNeverMoveTheLogStartOffsetBack() throws IOException {
    PartitionLog partition = create(Map.of());
    appendNow(partition, logs, 2);
    partition.deleteRecordsBefore(7);

    assertThat(partition.deleteRecordsBefore(3)).isEqualTo(7);
    assertThat(partition.logStartOffset()).isEqualTo(7);
  }

  @Test
  void shouldAllowDeletingEverythingUpToTheLogEnd() throws IOException {
    PartitionLog partition = create(Map.of(TopicConfig.SEGMENT_BYTES, "300"));
    appendNow(partition, logs, 6);

    partition.deleteRecordsBefore(partition.logEndOffset());

    assertThat(LogReader.readAll(partition)).isEmpty();
    assertThat(partition.read(30, 100).isEmpty()).isTrue();
    assertThat(partition.append(Batches.numbered(0, 1, 1)).baseOffset()).isEqualTo(30);
  }

  @Test
  void shouldRefuseDeleteRecordsOutsideTheLog() throws IOException {
    PartitionLog partition = create(Map.of());
    appendNow(partition, logs, 1);

    for (long offset : new long[] {-1, 6}) {
      assertThatThrownBy(() -> partition.deleteRecordsBefore(offset))
          .isInstanceOfSatisfying(
              InvalidRequestException.class,
              e ->
                  assertThat(e.reason())
                      .isEqualTo(InvalidRequestException.Reason.OFFSET_OUT_OF_RANGE));
    }
    assertThat(partition.logStartOffset()).isZero();
  }

  @Test
  void shouldKeepTheLogStartOffsetAcrossCleanReopen() throws IOException {
    PartitionLog partition = create(Map.of(TopicConfig.SEGMENT_BYTES, "500"));
    appendNow(partition, logs, 10);
    partition.deleteRecordsBefore(23);

    Log reopened = logs.reopen(log);

    assertThat(reopened.partition(TP).logStartOffset()).isEqualTo(23);
    assertThat(LogReader.readAll(reopened.partition(TP)).get(0).offset()).isEqualTo(23);
  }

  @Test
  void shouldKeepTheLogStartOffsetAcrossACrash() throws IOException {
    PartitionLog partition = create(Map.of(TopicConfig.SEGMENT_BYTES, "500"));
    appendNow(partition, logs, 10);
    partition.deleteRecordsBefore(23);
    partition.flush();

    Path crashed = logs.crashCopy();
    Log recovered = logs.open(logs.options(crashed));

    assertThat(recovered.partition(TP).logStartOffset()).isEqualTo(23);
    assertThat(recovered.partition(TP).logEndOffset()).isEqualTo(50);
    assertThat(LogReader.readAll(recovered.partition(TP)).get(0).offset()).isEqualTo(23);
  }

  @Test
  void shouldCloseSegmentsStillWaitingForTheirDeleteDelayWhenTheLogCloses() throws IOException {
    log = logs.open(logs.options().withFileDeleteDelayMs(60_000));
    log.createTopic(TOPIC, 1, Map.of(TopicConfig.SEGMENT_BYTES, "500"));
    PartitionLog partition = log.partition(TP);
    appendNow(partition, logs, 10);
    partition.deleteRecordsBefore(partition.logEndOffset());
    assertThat(files(partition)).anySatisfy(name -> assertThat(name).endsWith(".deleted"));

    log.close();

    assertThat(io.millrace.log.testing.FileDamage.openFilesUnder(logs.dataDirectory())).isEmpty();
  }
}
