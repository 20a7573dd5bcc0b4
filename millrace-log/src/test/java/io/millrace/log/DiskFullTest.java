package io.millrace.log;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.common.ManualClock;
import io.millrace.log.testing.AcknowledgedBatches;
import io.millrace.log.testing.Batches;
import io.millrace.log.testing.FaultInjectingFileIo;
import io.millrace.log.testing.LogReader;
import io.millrace.log.testing.MemoryTempDirFactory;
import io.millrace.log.testing.RandomBatches;
import io.millrace.log.testing.Seeds;
import io.millrace.log.testing.SegmentFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The log on a full disk, with a {@link FaultInjectingFileIo} standing in for the device: a failed
 * write must cost nothing that was acknowledged, leave no partial batch, keep the log up, and the
 * log must take appends again once space returns. {@link TmpfsDiskFullTest} does the same on a real
 * small file system where the sandbox allows mounting one. The files live in memory where possible:
 * the faults are injected, so a real disk would only add fsync time.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DiskFullTest {

  private static final String TOPIC = "events";
  private static final TopicPartition TP = new TopicPartition(TOPIC, 0);
  private static final Duration ACK_TIMEOUT = Duration.ofSeconds(10);

  /**
   * Seeds that once failed; each stays a regression test. 1: a disk that filled while index entries
   * were written left the refused batch in the segment file.
   */
  private static final List<Long> REGRESSION_SEEDS = List.of(1L);

  @TempDir(factory = MemoryTempDirFactory.class)
  Path dataDir;

  private final FaultInjectingFileIo disk = new FaultInjectingFileIo();

  private final AcknowledgedBatches acknowledged = new AcknowledgedBatches();

  private Log open() throws IOException {
    return Log.open(LogOptions.defaults(dataDir).withFileIo(disk));
  }

  private Path partitionDirectory() {
    return SegmentFiles.partitionDirectory(dataDir, TOPIC, 0);
  }

  private static PartitionLog createTopic(Log log, FlushPolicy policy, int segmentBytes) {
    log.createTopic(
        TOPIC,
        1,
        Map.of(
            TopicConfig.FLUSH_POLICY, policy.configName(),
            TopicConfig.SEGMENT_BYTES, Integer.toString(segmentBytes),
            TopicConfig.INDEX_INTERVAL_BYTES, "0"));
    return log.partition(TP);
  }

  @ParameterizedTest
  @EnumSource(FlushPolicy.class)
  void whenDiskIsFull_thenAppendFailsWithStorageError_andAcknowledgedDataStaysIntact(
      FlushPolicy policy) throws Exception {
    try (Log log = open()) {
      PartitionLog partition = createTopic(log, policy, 64 * 1024);
      for (int i = 0; i < 10; i++) {
        appendAcknowledged(partition, Batches.numbered(i * 5, 5, 1_000 + i));
      }
      disk.limitFreeBytes(1_000);

      ByteBuffer refused = fillUntilRefused(partition, 50);

      AppendResult again = partition.append(refused);
      assertThat(again.status()).isEqualTo(AppendStatus.STORAGE_ERROR);
      assertThat(partition.logEndOffset()).isEqualTo(expectedEndOffset());
      assertContentsAndFiles(partition);

      disk.spaceReturns();
      appendAcknowledged(partition, refused);
      appendAcknowledged(partition, Batches.numbered(900, 3, 5_000));
      assertContentsAndFiles(partition);
    }
    assertSurvivesReopen();
  }

  @Test
  void whenNewSegmentCannotBeCreatedOnRoll_thenAppendFails_andSucceedsOnceSpaceReturns()
      throws Exception {
    try (Log log = open()) {
      PartitionLog partition = createTopic(log, FlushPolicy.EVERY_BATCH, 1_000);
      appendAcknowledged(partition, Batches.numbered(0, 4, 1_000));
      disk.failOpens(true);

      // Appends that fit the active segment go on; the first one that must roll is refused.
      int segments = partition.segmentCount();
      ByteBuffer refused = fillUntilRefused(partition, 20);
      assertThat(partition.segmentCount()).isEqualTo(segments);
      assertContentsAndFiles(partition);

      disk.spaceReturns();
      appendAcknowledged(partition, refused);
      assertThat(partition.segmentCount()).isEqualTo(segments + 1);
      assertContentsAndFiles(partition);
    }
    assertSurvivesReopen();
  }

  @Test
  void whenDiskFillsJustAsANewSegmentIsStarted_thenAppendFails_andTheEmptySegmentTakesLaterAppends()
      throws Exception {
    try (Log log = open()) {
      PartitionLog partition = createTopic(log, FlushPolicy.EVERY_BATCH, 1_000);
      appendAcknowledged(partition, Batches.numbered(0, 4, 1_000));
      // Find the append that rolls: with opens failing it is the first one refused.
      disk.failOpens(true);
      int segments = partition.segmentCount();
      ByteBuffer rolling = fillUntilRefused(partition, 20);
      disk.failOpens(false);
      disk.limitFreeBytes(0);

      AppendResult result = partition.append(rolling);

      assertThat(result.status()).isEqualTo(AppendStatus.STORAGE_ERROR);
      assertThat(result.message()).contains(FaultInjectingFileIo.NO_SPACE);
      assertThat(partition.segmentCount()).isEqualTo(segments + 1);
      assertContentsAndFiles(partition);
      disk.spaceReturns();
      appendAcknowledged(partition, rolling);
      assertThat(partition.segmentCount()).isEqualTo(segments + 1);
      assertContentsAndFiles(partition);
    }
    assertSurvivesReopen();
  }

  static Stream<Long> seeds() {
    return Stream.concat(REGRESSION_SEEDS.stream(), Seeds.fresh(3).stream());
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void whenDiskFillsAtRandomMoments_thenNothingAcknowledgedIsLost_andNoPartialBatchRemains(
      long seed) {
    Seeds.run("disk full at random moments", seed, this::fillAtRandomMoments);
  }

  private void fillAtRandomMoments(long seed) throws Exception {
    Random random = new Random(seed);
    FlushPolicy policy = FlushPolicy.values()[random.nextInt(FlushPolicy.values().length)];
    int segmentBytes = 600 + random.nextInt(4_000);
    String indexInterval = List.of("0", "100", "4096").get(random.nextInt(3));
    RandomBatches batches = new RandomBatches(6, 200, 0, 0);
    Log log = open();
    try {
      log.createTopic(
          TOPIC,
          1,
          Map.of(
              TopicConfig.FLUSH_POLICY, policy.configName(),
              TopicConfig.SEGMENT_BYTES, Integer.toString(segmentBytes),
              TopicConfig.INDEX_INTERVAL_BYTES, indexInterval));
      for (int cycle = 0; cycle < 40; cycle++) {
        PartitionLog partition = log.partition(TP);
        disk.limitFreeBytes(random.nextInt(2_500));
        ByteBuffer refused = null;
        for (int attempt = 0; attempt < 60 && refused == null; attempt++) {
          ByteBuffer batch = batches.next(random, 1_000_000L + 1_000L * cycle);
          long endBefore = partition.logEndOffset();
          AppendResult result = partition.append(batch);
          if (result.isOk()) {
            awaitDurable(result);
            acknowledged.add(batch);
          } else {
            assertRefusedForSpace(result);
            assertThat(partition.logEndOffset()).isEqualTo(endBefore);
            refused = batch;
          }
        }
        assertContentsAndFiles(partition);
        disk.spaceReturns();
        if (refused != null) {
          appendAcknowledged(partition, refused);
        }
        switch (random.nextInt(4)) {
          case 0 -> {
            log.close();
            log = open();
          }
          case 1 -> {
            log.close();
            Files.delete(dataDir.resolve(".clean-shutdown"));
            log = open();
          }
          default -> {}
        }
        assertContentsAndFiles(log.partition(TP));
      }
    } finally {
      log.close();
    }
  }

  @Test
  void whenFsyncFailsUnderGroupCommit_thenDurableFutureFailsWithStorageException()
      throws Exception {
    try (Log log = open()) {
      PartitionLog partition = createTopic(log, FlushPolicy.GROUP_COMMIT, 64 * 1024);
      appendAcknowledged(partition, Batches.numbered(0, 3, 1_000));
      disk.failForces(true);

      AppendResult result = partition.append(Batches.numbered(3, 3, 2_000));

      assertThat(result.status()).isEqualTo(AppendStatus.OK);
      assertThat(result.durable())
          .failsWithin(ACK_TIMEOUT)
          .withThrowableOfType(ExecutionException.class)
          .havingCause()
          .isInstanceOf(StorageException.class)
          .withMessageContaining("fsync of " + TP + " failed");
      assertThat(partition.durableOffset()).isEqualTo(3);

      disk.spaceReturns();
      AppendResult later = partition.append(Batches.numbered(6, 2, 3_000));
      assertThat(later.durable()).succeedsWithin(ACK_TIMEOUT);
      assertThat(partition.durableOffset()).isEqualTo(8);
      assertThat(LogReader.readAll(partition)).hasSize(8);
    }
  }

  @Test
  void whenFsyncFailsUnderEveryBatch_thenAppendFailsWithStorageError_andStoresNothing()
      throws Exception {
    try (Log log = open()) {
      PartitionLog partition = createTopic(log, FlushPolicy.EVERY_BATCH, 64 * 1024);
      appendAcknowledged(partition, Batches.numbered(0, 3, 1_000));
      disk.failForces(true);

      AppendResult result = partition.append(Batches.numbered(3, 3, 2_000));

      assertThat(result.status()).isEqualTo(AppendStatus.STORAGE_ERROR);
      assertThat(result.message()).contains("fsync");
      assertContentsAndFiles(partition);
      disk.spaceReturns();
      appendAcknowledged(partition, Batches.numbered(3, 3, 2_000));
      assertContentsAndFiles(partition);
    }
    assertSurvivesReopen();
  }

  @Test
  void whenAnUndoneBatchHadTheNewestTimestamp_thenTimeRetentionStillExpiresItsSegment()
      throws Exception {
    ManualClock clock = new ManualClock(1_000_000);
    try (Log log = Log.open(LogOptions.defaults(dataDir).withFileIo(disk).withClock(clock))) {
      PartitionLog partition = createTopic(log, FlushPolicy.EVERY_BATCH, 64 * 1024);
      appendAcknowledged(partition, Batches.numbered(0, 3, 1_000_000));
      disk.failForces(true);
      AppendResult undone = partition.append(Batches.numbered(3, 1, 9_000_000_000L));
      assertThat(undone.status()).isEqualTo(AppendStatus.STORAGE_ERROR);
      disk.spaceReturns();

      log.alterTopicConfig(TOPIC, Map.of(TopicConfig.RETENTION_MS, "1000"));
      clock.advanceMillis(5_000);

      assertThat(partition.offsetForTimestamp(9_000_000_000L)).isEqualTo(-1);
      assertThat(log.runRetention()).as("segments expired by retention.ms").isEqualTo(1);
      assertThat(partition.logStartOffset()).isEqualTo(3);
    }
  }

  // ------------------------------------------------------------------------------ helpers

  private void appendAcknowledged(PartitionLog partition, ByteBuffer batch) throws Exception {
    long expectedBase = partition.logEndOffset();
    AppendResult result = partition.append(batch);
    assertThat(result.status()).as("append: %s", result.message()).isEqualTo(AppendStatus.OK);
    assertThat(result.baseOffset()).isEqualTo(expectedBase);
    awaitDurable(result);
    acknowledged.add(batch);
  }

  private static void awaitDurable(AppendResult result) throws Exception {
    result.durable().get(ACK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Appends small batches until one is refused, checks the refusal, and returns the refused batch.
   */
  private ByteBuffer fillUntilRefused(PartitionLog partition, int maxAppends) throws Exception {
    for (int i = 0; i < maxAppends; i++) {
      ByteBuffer batch = Batches.numbered(10_000 + i * 10, 10, 7_000 + i);
      long endBefore = partition.logEndOffset();
      AppendResult result = partition.append(batch);
      if (!result.isOk()) {
        assertRefusedForSpace(result);
        assertThat(partition.logEndOffset()).isEqualTo(endBefore);
        return batch;
      }
      awaitDurable(result);
      acknowledged.add(batch);
    }
    throw new AssertionError("the disk never filled up in " + maxAppends + " appends");
  }

  private static void assertRefusedForSpace(AppendResult result) {
    assertThat(result.status()).isEqualTo(AppendStatus.STORAGE_ERROR);
    assertThat(result.message()).contains(TP.toString()).contains(FaultInjectingFileIo.NO_SPACE);
    assertThat(result.durable()).isCompleted();
  }

  private long expectedEndOffset() {
    return acknowledged.endOffset();
  }

  /** Reads everything back byte for byte and checks the files hold nothing more. */
  private void assertContentsAndFiles(PartitionLog partition) throws IOException {
    acknowledged.assertStoredIn(partition, 1_000);
    SegmentFiles.assertFilesMatch(partition, partitionDirectory());
  }

  /** Clean reopen, then a reopen that must recover (no clean-shutdown marker). */
  private void assertSurvivesReopen() throws IOException {
    try (Log log = open()) {
      assertContentsAndFiles(log.partition(TP));
    }
    Files.delete(dataDir.resolve(".clean-shutdown"));
    try (Log log = open()) {
      assertContentsAndFiles(log.partition(TP));
    }
  }
}
