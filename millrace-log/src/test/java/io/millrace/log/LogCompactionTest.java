package io.millrace.log;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.log.format.BatchBuilder;
import io.millrace.log.format.BatchLayout;
import io.millrace.log.format.Codec;
import io.millrace.log.format.LogRecord;
import io.millrace.log.segment.LogSegment;
import io.millrace.log.segment.LogSlice;
import io.millrace.log.testing.Batches;
import io.millrace.log.testing.LogExtension;
import io.millrace.log.testing.LogReader;
import io.millrace.log.testing.SeededRandomExtension;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

@ExtendWith(SeededRandomExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LogCompactionTest {

  private static final String TOPIC = "profiles";
  private static final TopicPartition TP = new TopicPartition(TOPIC, 0);
  private static final long DELETE_RETENTION_MS = 10_000;

  @RegisterExtension final LogExtension logs = new LogExtension();

  private Log log;
  private PartitionLog partition;

  /** Every record ever appended, by offset. */
  private final Map<Long, LogRecord> written = new HashMap<>();

  private void create(LogOptions options) throws IOException {
    log = logs.open(options);
    log.createTopic(
        TOPIC,
        1,
        Map.of(
            TopicConfig.CLEANUP_POLICY, "compact",
            TopicConfig.SEGMENT_BYTES, "600",
            TopicConfig.DELETE_RETENTION_MS, Long.toString(DELETE_RETENTION_MS)));
    partition = log.partition(TP);
  }

  private void create() throws IOException {
    create(logs.options());
  }

  private void append(ByteBuffer batch) {
    AppendResult result = partition.append(batch);
    assertThat(result.isOk()).as(result.message()).isTrue();
    batch.position(0);
    for (LogRecord record : io.millrace.log.format.RecordBatches.records(batch)) {
      written.put(record.offset(), record);
    }
  }

  private void put(String key, String value) {
    append(Batches.keyed(key, value, logs.clock().millis()));
  }

  /**
   * Appends records of other keys until the active segment rolls, so what came before is sealed.
   */
  private void seal() {
    int segments = partition.segmentCount();
    for (int i = 0; partition.segmentCount() == segments; i++) {
      put("filler-" + i, "x");
    }
  }

  /** The offset below which records lie in sealed segments. */
  private long sealedEnd() {
    return partition.sealedSegments().stream().mapToLong(LogSegment::nextOffset).max().orElse(0);
  }

  private static String text(LogRecord record) {
    return Batches.text(record.key()) + "=" + Batches.text(record.value());
  }

  /**
   * What compaction must leave: every surviving record unchanged at its offset, the latest record
   * of every key still there, and no key twice among the sealed segments.
   */
  private void assertCompacted(PartitionLog target) {
    List<LogRecord> read = LogReader.readAll(target);
    Map<String, LogRecord> latest = new HashMap<>();
    written.values().stream()
        .sorted(java.util.Comparator.comparingLong(LogRecord::offset))
        .forEach(r -> latest.put(Batches.text(r.key()), r));
    long sealedEnd = sealedEnd();
    Set<String> sealedKeys = new HashSet<>();
    for (LogRecord record : read) {
      assertThat(record).isEqualTo(written.get(record.offset()));
      if (record.offset() < sealedEnd) {
        assertThat(sealedKeys.add(Batches.text(record.key())))
            .as("key %s twice in sealed segments", Batches.text(record.key()))
            .isTrue();
      }
    }
    for (LogRecord last : latest.values()) {
      if (last.value() != null) {
        assertThat(read).as("latest of %s", text(last)).contains(last);
      }
    }
  }

  @Test
  void shouldKeepTheLatestValueOfEveryKeyAtItsOriginalOffset() throws IOException {
    create();
    for (int round = 0; round < 10; round++) {
      for (int key = 0; key < 8; key++) {
        put("k" + key, "v" + round);
      }
    }
    seal();
    int recordsBefore = LogReader.readAll(partition).size();
    long endBefore = partition.logEndOffset();

    log.compactNow(TP);

    assertCompacted(partition);
    assertThat(LogReader.readAll(partition)).hasSizeLessThan(recordsBefore / 3);
    assertThat(partition.logEndOffset()).isEqualTo(endBefore);
    assertThat(
            LogReader.readAll(partition).stream()
                .filter(r -> r.offset() < 80)
                .map(LogCompactionTest::text))
        .containsExactly("k0=v9", "k1=v9", "k2=v9", "k3=v9", "k4=v9", "k5=v9", "k6=v9", "k7=v9");
  }

  @Test
  void shouldLeaveTheActiveSegmentAlone() throws IOException {
    create();
    put("a", "1");
    put("a", "2");

    log.compactNow(TP);

    assertThat(LogReader.readAll(partition))
        .extracting(LogCompactionTest::text)
        .containsExactly("a=1", "a=2");
  }

  @Test
  void shouldChangeNothingWhenRunAgainWithoutNewData() throws IOException {
    create();
    for (int round = 0; round < 5; round++) {
      for (int key = 0; key < 8; key++) {
        put("k" + key, "v" + round);
      }
    }
    seal();
    log.compactNow(TP);
    List<LogSegment> after = partition.sealedSegments();

    log.compactNow(TP);

    assertThat(partition.sealedSegments()).containsExactlyElementsOf(after);
  }

  @Test
  void shouldKeepATombstoneForDeleteRetentionMsAfterTheFirstCleaningThenDropIt()
      throws IOException {
    create();
    put("gone", "old");
    put("kept", "1");
    put("gone", null);
    seal();

    log.compactNow(TP);
    List<String> firstPass =
        LogReader.readAll(partition).stream().map(LogCompactionTest::text).toList();
    assertThat(firstPass).contains("gone=null", "kept=1").doesNotContain("gone=old");
    assertThat(hasDeleteHorizon(findBatchHolding("gone"))).isTrue();

    logs.clock().advanceMillis(DELETE_RETENTION_MS - 1);
    seal(); // new dirty data so that the cleaner runs again
    log.compactNow(TP);
    assertThat(LogReader.readAll(partition))
        .extracting(LogCompactionTest::text)
        .contains("gone=null");

    logs.clock().advanceMillis(1);
    seal();
    log.compactNow(TP);
    assertThat(LogReader.readAll(partition))
        .extracting(LogCompactionTest::text)
        .doesNotContain("gone=null", "gone=old")
        .contains("kept=1");
  }

  private ByteBuffer findBatchHolding(String key) throws IOException {
    long offset = partition.logStartOffset();
    while (offset < partition.logEndOffset()) {
      LogSlice slice = partition.read(offset, 1);
      ByteBuffer batch = slice.read();
      if (io.millrace.log.format.RecordBatches.records(batch).stream()
          .anyMatch(r -> Batches.text(r.key()).equals(key))) {
        return batch;
      }
      offset = slice.nextOffset();
    }
    throw new AssertionError("no batch holds " + key);
  }

  private static boolean hasDeleteHorizon(ByteBuffer batch) {
    return (BatchLayout.attributes(batch, 0) & 0x40) != 0;
  }

  @ParameterizedTest
  @EnumSource(Codec.class)
  void shouldCompactCompressedBatchesAndKeepThemCompressed(Codec codec, Random random)
      throws IOException {
    create();
    for (int i = 0; i < 30; i++) {
      List<BatchBuilder.NewRecord> records = new ArrayList<>();
      for (int r = 0; r < 1 + random.nextInt(4); r++) {
        records.add(
            new BatchBuilder.NewRecord(
                i, Batches.bytes("k" + random.nextInt(10)), Batches.bytes("v" + i + "." + r)));
      }
      append(BatchBuilder.build(codec, records));
    }
    seal();

    log.compactNow(TP);

    assertCompacted(partition);
    long offset = partition.logStartOffset();
    while (offset < sealedEnd()) {
      LogSlice slice = partition.read(offset, 1);
      ByteBuffer batch = slice.read();
      if (!Batches.text(io.millrace.log.format.RecordBatches.records(batch).get(0).key())
          .startsWith("filler")) {
        assertThat(BatchLayout.compressionId(batch, 0)).isEqualTo(codec.id());
      }
      offset = slice.nextOffset();
    }
  }

  @Test
  void shouldKeepTheCompactedLogAcrossReopenAndCrash(Random random) throws IOException {
    create();
    for (int i = 0; i < 200; i++) {
      put("k" + random.nextInt(20), "v" + i);
    }
    seal();
    log.compactNow(TP);
    List<LogRecord> compacted = LogReader.readAll(partition);
    partition.flush();
    Path crashed = logs.crashCopy();

    Log reopened = logs.reopen(log);
    Log recovered = logs.open(logs.options(crashed));

    assertThat(LogReader.readAll(reopened.partition(TP))).isEqualTo(compacted);
    assertThat(LogReader.readAll(recovered.partition(TP))).isEqualTo(compacted);
    assertThat(recovered.partition(TP).logEndOffset()).isEqualTo(partition.logEndOffset());
  }

  @Test
  void shouldCompactInSeveralPassesWhenTheKeyMapIsSmall(Random random) throws IOException {
    create(logs.options().withCleanerMaxKeys(5));
    for (int i = 0; i < 300; i++) {
      put("k" + random.nextInt(25), "v" + i);
    }
    seal();

    int passes = 0;
    while (partition.sealedSegments().stream()
        .anyMatch(segment -> segment.nextOffset() > partition.firstDirtyOffset())) {
      log.compactNow(TP);
      passes++;
      assertThat(passes).as("passes until everything sealed is clean").isLessThan(500);
    }

    assertThat(passes).isGreaterThan(3); // five keys per pass cannot do it at once
    assertCompacted(partition);
  }

  @Test
  void shouldKeepAcceptingAppendsWhileCompacting(Random random) throws Exception {
    create();
    for (int i = 0; i < 100; i++) {
      put("k" + random.nextInt(30), "v" + i);
    }
    AtomicBoolean writing = new AtomicBoolean(true);
    long seed = random.nextLong();
    CompletableFuture<Void> writer =
        CompletableFuture.runAsync(
            () -> {
              Random writerRandom = new Random(seed);
              try {
                for (int i = 0; i < 1500; i++) {
                  put("k" + writerRandom.nextInt(30), "w" + i);
                }
              } finally {
                writing.set(false);
              }
            });

    int passes = 0;
    while (writing.get()) {
      log.compactNow(TP);
      passes++;
    }
    writer.get(60, TimeUnit.SECONDS);
    seal();
    log.compactNow(TP);

    assertThat(passes).isPositive();
    assertCompacted(partition);
  }

  @Test
  void shouldTreatOffsetsAppendedAfterRecoveryAsDirtyWhateverTheCheckpointClaims()
      throws IOException {
    create();
    for (int i = 0; i < 40; i++) {
      put("k" + (i % 4), "v" + i);
    }
    seal();
    Path partitionDirectory = partition.directory();
    log.close();
    // The checkpoint claims more was cleaned than the recovered log holds (cleaned segments
    // that were not yet fsynced when the power went).
    PartitionCheckpoint checkpoint = PartitionCheckpoint.read(partitionDirectory);
    new PartitionCheckpoint(checkpoint.recoveryPoint(), checkpoint.logStartOffset(), 10_000)
        .write(partitionDirectory);
    log = logs.open();
    partition = log.partition(TP);
    for (int i = 0; i < 8; i++) {
      put("k" + (i % 4), "again-" + i); // offsets the checkpoint wrongly calls clean
    }
    seal();

    log.compactNow(TP);

    assertCompacted(partition);
  }
}
