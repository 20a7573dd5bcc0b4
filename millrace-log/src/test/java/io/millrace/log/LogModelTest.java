package io.millrace.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.millrace.common.ManualClock;
import io.millrace.log.format.BatchLayout;
import io.millrace.log.format.BatchStamper;
import io.millrace.log.format.LogRecord;
import io.millrace.log.format.RecordBatches;
import io.millrace.log.segment.FileIo;
import io.millrace.log.segment.LogSegment;
import io.millrace.log.segment.LogSlice;
import io.millrace.log.testing.LogReader;
import io.millrace.log.testing.RandomBatches;
import io.millrace.log.testing.Seeds;
import io.millrace.log.testing.SegmentFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Seeded randomized model test of the log: random appends (random codecs, sizes, keys, headers,
 * several batches per request, some corrupt), reads at random offsets and sizes, lookups by time,
 * DeleteRecords, retention by size and time, config changes, flushes, compaction of a second topic,
 * clean restarts and crashes (a copy of the files taken while the log is open, sometimes with a
 * torn write at the end or a stale recovery point) — every answer checked against {@link
 * PartitionModel}, which predicts the delete-policy partition exactly (byte for byte, segment for
 * segment), and against the rules compaction must keep.
 *
 * <p>A failure names its seed; replay it with {@code -Dmillrace.seed=N} and add it to {@link
 * #REGRESSION_SEEDS}.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LogModelTest {

  /**
   * Seeds that once failed; each stays a regression test. 1: retention reported no deletion when
   * the checkpoint write raced a sealed-segment flush. 2 and -480480353351006890:
   * offsetForTimestamp answered the log start offset for a match below it. -8185825592398608296 and
   * 8426283919853646305: loading a trusted segment with index.interval.bytes 0 indexed its last
   * indexed batch a second time.
   */
  private static final List<Long> REGRESSION_SEEDS =
      List.of(1L, 2L, -480480353351006890L, -8185825592398608296L, 8426283919853646305L);

  private static final int FRESH_SEEDS = 12;
  private static final int OPERATIONS = 3_000;

  private static final String TOPIC = "model";
  private static final TopicPartition TP = new TopicPartition(TOPIC, 0);
  private static final String COMPACTED = "compacted";
  private static final TopicPartition COMPACTED_TP = new TopicPartition(COMPACTED, 0);

  @TempDir(factory = io.millrace.log.testing.MemoryTempDirFactory.class)
  Path tempDir;

  static Stream<Long> seeds() {
    return Stream.concat(REGRESSION_SEEDS.stream(), Seeds.fresh(FRESH_SEEDS).stream());
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void whenRandomOperationsRun_thenTheLogAgreesWithItsModel(long seed) {
    Seeds.run("log model", seed, s -> new Simulation(s, tempDir).run(OPERATIONS));
  }

  /** One seeded run: the log, its model, and the operations between them. */
  private static final class Simulation {

    private final long seed;
    private final Random random;
    private final Path dataDir;
    private final Path snapshotDir;
    private final ManualClock clock = new ManualClock(1_700_000_000_000L);
    private final LogOptions options;
    private final TimestampType timestampType;
    private final FlushPolicy flushPolicy;
    private final PartitionModel model;
    private final RandomBatches shapes;
    private final RandomBatches compactedShapes;
    private final List<LogRecord> compactedRecords = new ArrayList<>();
    private final List<CompletableFuture<Void>> unflushed = new ArrayList<>();
    private final StringBuilder history = new StringBuilder();
    private Log log;
    private int step;

    Simulation(long seed, Path tempDir) {
      this.seed = seed;
      this.random = new Random(seed);
      this.dataDir = tempDir.resolve("data");
      this.snapshotDir = tempDir.resolve("crash-copy");
      this.options =
          new LogOptions(
              dataDir,
              clock,
              FileIo.DEFAULT,
              TopicConfig.DEFAULTS,
              TimeUnit.HOURS.toMillis(1),
              TimeUnit.HOURS.toMillis(1),
              random.nextBoolean() ? 0 : 60_000,
              1_000_000,
              1);
      this.timestampType =
          random.nextBoolean() ? TimestampType.CREATE_TIME : TimestampType.LOG_APPEND_TIME;
      this.flushPolicy = FlushPolicy.values()[random.nextInt(FlushPolicy.values().length)];
      this.model =
          new PartitionModel(
              200 + random.nextInt(3_000),
              random.nextBoolean() ? TopicConfig.DEFAULTS.segmentMs() : 20 + random.nextInt(300),
              clock.millis());
      this.shapes = new RandomBatches(1 + random.nextInt(20), random.nextInt(400), 0, 0);
      this.compactedShapes = new RandomBatches(6, 60, 5 + random.nextInt(20), 0.15);
    }

    void run(int operations) throws Exception {
      log = Log.open(options);
      try {
        createTopics();
        for (step = 0; step < operations; step++) {
          clock.advanceMillis(random.nextInt(30));
          runOneOperation();
          checkShape();
        }
        checkEverything();
      } catch (Throwable failure) {
        throw new AssertionError(
            "at step "
                + step
                + " ("
                + describe()
                + "); last operations:\n"
                + recentHistory()
                + "\n"
                + segmentsSideBySide(),
            failure);
      } finally {
        log.close();
      }
    }

    /** The model's segments and the log's, for failure messages. */
    private String segmentsSideBySide() {
      StringBuilder text = new StringBuilder("model segments (base/size/max timestamp):");
      for (PartitionModel.Segment segment : model.segments()) {
        text.append(' ')
            .append(segment.baseOffset)
            .append('/')
            .append(segment.sizeBytes)
            .append('/')
            .append(segment.maxTimestamp);
      }
      text.append("\nlog segments (base/size/max timestamp):");
      try {
        PartitionLog partition = partition();
        List<LogSegment> actual = new ArrayList<>(partition.sealedSegments());
        for (LogSegment segment : actual) {
          text.append(' ')
              .append(segment.baseOffset())
              .append('/')
              .append(segment.sizeBytes())
              .append('/')
              .append(segment.maxTimestamp());
        }
        text.append(" + active; now ").append(clock.millis());
      } catch (RuntimeException e) {
        text.append(" unavailable: ").append(e);
      }
      return text.toString();
    }

    private String describe() {
      return "seed "
          + seed
          + ", "
          + flushPolicy.configName()
          + ", "
          + timestampType.configName()
          + ", segment.bytes "
          + model.segmentBytes
          + ", segment.ms "
          + model.segmentMs;
    }

    private void createTopics() {
      String indexInterval = List.of("0", "64", "700", "4096").get(random.nextInt(4));
      log.createTopic(
          TOPIC,
          1,
          Map.of(
              TopicConfig.SEGMENT_BYTES, Integer.toString(model.segmentBytes),
              TopicConfig.SEGMENT_MS, Long.toString(model.segmentMs),
              TopicConfig.INDEX_INTERVAL_BYTES, indexInterval,
              TopicConfig.FLUSH_POLICY, flushPolicy.configName(),
              TopicConfig.FLUSH_INTERVAL_MS, random.nextBoolean() ? "0" : "5",
              TopicConfig.MESSAGE_TIMESTAMP_TYPE, timestampType.configName()));
      log.createTopic(
          COMPACTED,
          1,
          Map.of(
              TopicConfig.CLEANUP_POLICY, CleanupPolicy.COMPACT.configName(),
              TopicConfig.SEGMENT_BYTES, Integer.toString(300 + random.nextInt(1_500)),
              TopicConfig.INDEX_INTERVAL_BYTES, indexInterval,
              TopicConfig.DELETE_RETENTION_MS, random.nextBoolean() ? "0" : "200",
              TopicConfig.FLUSH_POLICY, FlushPolicy.OS.configName()));
      record("create topics, index.interval.bytes " + indexInterval);
    }

    private void runOneOperation() throws Exception {
      int dice = random.nextInt(100);
      if (dice < 38) {
        append();
      } else if (dice < 41) {
        appendInvalid();
      } else if (dice < 58) {
        readAtRandom();
      } else if (dice < 61) {
        checkEverything();
      } else if (dice < 68) {
        offsetForTimestamp();
      } else if (dice < 72) {
        deleteRecordsBefore();
      } else if (dice < 76) {
        changeRetentionAndRun();
      } else if (dice < 77) {
        changeSegmentBytes();
      } else if (dice < 80) {
        flush();
      } else if (dice < 88) {
        appendCompacted();
      } else if (dice < 91) {
        compact();
      } else if (dice < 94) {
        reopenCleanly();
      } else if (dice < 97) {
        crashByMarkerLoss();
      } else {
        crashWithCopyTakenWhileOpen();
      }
    }

    // ------------------------------------------------------------------------ appends

    private void append() {
      int batchCount = 1 + (random.nextInt(4) == 0 ? random.nextInt(3) : 0);
      List<ByteBuffer> built = new ArrayList<>();
      for (int i = 0; i < batchCount; i++) {
        built.add(shapes.next(random, clock.millis()));
      }
      ByteBuffer request = concatenate(built, random.nextInt(3) == 0 ? 1 + random.nextInt(40) : 0);
      int requestBytes = request.remaining();
      long now = clock.millis();
      AppendResult result = partition().append(request);
      record("append " + batchCount + " batches, " + requestBytes + " bytes -> " + result.status());

      assertThat(result.status()).as("append: %s", result.message()).isEqualTo(AppendStatus.OK);
      assertThat(result.baseOffset()).isEqualTo(model.logEndOffset());
      assertThat(result.logAppendTimeMs())
          .isEqualTo(timestampType == TimestampType.LOG_APPEND_TIME ? now : -1);
      List<PartitionModel.Batch> stamped = splitStamped(request);
      model.append(stamped, requestBytes, now);
      assertThat(result.lastOffset()).isEqualTo(model.logEndOffset() - 1);
      assertThat(result.recordCount())
          .isEqualTo(stamped.stream().mapToInt(b -> b.records().size()).sum());
      assertThat(result.logStartOffset()).isEqualTo(model.logStartOffset());
      if (flushPolicy == FlushPolicy.GROUP_COMMIT) {
        unflushed.add(result.durable());
      } else {
        assertThat(result.durable()).isCompleted();
      }
    }

    /** Requests the log must refuse whole: a flipped byte, or a record format it does not store. */
    private void appendInvalid() {
      ByteBuffer good = shapes.next(random, clock.millis());
      ByteBuffer request = concatenate(List.of(shapes.next(random, clock.millis()), good), 0);
      int second = request.position() + BatchLayout.sizeInBytes(request, request.position());
      boolean badMagic = random.nextBoolean();
      int at =
          badMagic
              ? second + BatchLayout.MAGIC
              : second + BatchLayout.ATTRIBUTES + random.nextInt(good.limit() - 21);
      request.put(at, (byte) (request.get(at) ^ (1 + random.nextInt(255))));
      AppendResult result = partition().append(request);
      record(
          "append invalid (" + (badMagic ? "magic" : "flipped byte") + ") -> " + result.status());
      assertThat(result.status())
          .isEqualTo(badMagic ? AppendStatus.UNSUPPORTED_VERSION : AppendStatus.CORRUPT_BATCH);
      assertThat(partition().logEndOffset()).isEqualTo(model.logEndOffset());
    }

    /** The batches back to back, after {@code padding} bytes the buffer's position skips. */
    private static ByteBuffer concatenate(List<ByteBuffer> batches, int padding) {
      int size = batches.stream().mapToInt(ByteBuffer::remaining).sum();
      ByteBuffer request = ByteBuffer.allocate(padding + size);
      request.position(padding);
      for (ByteBuffer batch : batches) {
        request.put(batch.duplicate());
      }
      request.position(padding);
      return request;
    }

    /** Copies each stamped batch out of an appended request. */
    private static List<PartitionModel.Batch> splitStamped(ByteBuffer request) {
      List<PartitionModel.Batch> batches = new ArrayList<>();
      int position = request.position();
      while (position < request.limit()) {
        int size = BatchLayout.sizeInBytes(request, position);
        ByteBuffer copy = ByteBuffer.allocate(size);
        copy.put(request.slice(position, size)).flip();
        batches.add(PartitionModel.Batch.of(copy));
        position += size;
      }
      return batches;
    }

    // --------------------------------------------------------------------------- reads

    private void readAtRandom() throws IOException {
      long start = model.logStartOffset();
      long end = model.logEndOffset();
      long offset = start - 2 + (long) (random.nextDouble() * (end - start + 5));
      int maxBytes = randomMaxBytes();
      record("read " + offset + " max " + maxBytes + " in [" + start + ", " + end + "]");
      if (offset < start || offset > end) {
        assertThatThrownBy(() -> partition().read(offset, maxBytes))
            .isInstanceOfSatisfying(
                InvalidRequestException.class,
                e ->
                    assertThat(e.reason())
                        .isEqualTo(InvalidRequestException.Reason.OFFSET_OUT_OF_RANGE));
        return;
      }
      LogSlice slice = partition().read(offset, maxBytes);
      List<PartitionModel.Batch> expected = model.read(offset, maxBytes);
      if (expected.isEmpty()) {
        assertThat(slice.isEmpty()).as("slice at the log end").isTrue();
        assertThat(slice.nextOffset()).isEqualTo(end);
        return;
      }
      assertThat(slice.firstOffset()).isEqualTo(expected.get(0).baseOffset());
      assertThat(slice.lastOffset()).isEqualTo(expected.get(expected.size() - 1).lastOffset());
      assertThat(slice.read())
          .isEqualTo(concatenate(expected.stream().map(b -> b.bytes()).toList(), 0));
    }

    private int randomMaxBytes() {
      return switch (random.nextInt(4)) {
        case 0 -> 1 + random.nextInt(100);
        case 1 -> 100 + random.nextInt(2_000);
        case 2 -> 2_000 + random.nextInt(20_000);
        default -> Integer.MAX_VALUE;
      };
    }

    private void offsetForTimestamp() {
      long target =
          switch (random.nextInt(4)) {
            case 0 -> clock.millis() - random.nextInt(100_000);
            case 1 -> clock.millis() + 1 + random.nextInt(1_000);
            default -> model.someTimestamp(random) + random.nextInt(3) - 1;
          };
      long found = partition().offsetForTimestamp(target);
      record("offsetForTimestamp " + target + " -> " + found);
      assertThat(found)
          .as("offset for timestamp %d", target)
          .isEqualTo(model.offsetForTimestamp(target));
    }

    /** Everything readable, byte for byte, through reads of one random size. */
    private void checkEverything() {
      // Mostly large reads: the whole log is read each time, and small reads have their own
      // operation.
      int maxBytes = random.nextInt(8) == 0 ? randomMaxBytes() : 2_000 + random.nextInt(50_000);
      record("check everything, reads of " + maxBytes);
      List<PartitionModel.Batch> expected = model.readableBatches();
      List<LogReader.StoredBatch> stored =
          LogReader.readBatches(partition(), model.logStartOffset(), () -> maxBytes);
      assertThat(stored).hasSameSizeAs(expected);
      for (int i = 0; i < stored.size(); i++) {
        assertThat(stored.get(i).bytes())
            .as("batch at offset %d", expected.get(i).baseOffset())
            .isEqualTo(expected.get(i).bytes());
      }
      checkCompacted();
    }

    private void checkShape() {
      PartitionLog partition = partition();
      assertThat(partition.logStartOffset())
          .as("log start offset")
          .isEqualTo(model.logStartOffset());
      assertThat(partition.logEndOffset()).as("log end offset").isEqualTo(model.logEndOffset());
      assertThat(partition.segmentCount()).as("segments").isEqualTo(model.segmentCount());
      assertThat(partition.sizeBytes()).as("size").isEqualTo(model.sizeBytes());
      assertThat(log.partition(COMPACTED_TP).logEndOffset()).isEqualTo(compactedRecords.size());
    }

    // ---------------------------------------------------------------- deletion, retention

    private void deleteRecordsBefore() {
      long start = model.logStartOffset();
      long end = model.logEndOffset();
      long offset =
          random.nextInt(10) == 0
              ? end + 1
              : start - 1 + (long) (random.nextDouble() * (end - start + 2));
      record("deleteRecordsBefore " + offset);
      if (offset > end || offset < 0) {
        assertThatThrownBy(() -> partition().deleteRecordsBefore(offset))
            .isInstanceOf(InvalidRequestException.class);
        return;
      }
      assertThat(partition().deleteRecordsBefore(offset))
          .isEqualTo(model.deleteRecordsBefore(offset));
    }

    private void changeRetentionAndRun() {
      Map<String, String> changes = new HashMap<>();
      if (random.nextBoolean()) {
        model.retentionBytes = randomRetentionBytes();
        changes.put(TopicConfig.RETENTION_BYTES, Long.toString(model.retentionBytes));
      } else {
        model.retentionMs = randomRetentionMs();
        changes.put(TopicConfig.RETENTION_MS, Long.toString(model.retentionMs));
      }
      log.alterTopicConfig(TOPIC, changes);
      int deleted = log.runRetention();
      record("retention " + changes + " -> deleted " + deleted);
      assertThat(deleted)
          .as("segments deleted by retention")
          .isEqualTo(model.enforceRetention(clock.millis()));
    }

    /** None, any size, or exactly what is left after deleting the oldest few segments. */
    private long randomRetentionBytes() {
      List<PartitionModel.Segment> segments = model.segments();
      return switch (random.nextInt(3)) {
        case 0 -> -1;
        case 1 -> (long) (random.nextDouble() * model.sizeBytes());
        default -> {
          long left = model.sizeBytes();
          int oldest = random.nextInt(segments.size());
          for (int i = 0; i < oldest; i++) {
            left -= segments.get(i).sizeBytes;
          }
          yield left + random.nextInt(3) - 1;
        }
      };
    }

    /** None, about the age of some record, or exactly the age of some segment's newest record. */
    private long randomRetentionMs() {
      List<PartitionModel.Segment> segments = model.segments();
      long segmentMax = segments.get(random.nextInt(segments.size())).maxTimestamp;
      long recordTimestamp = model.someTimestamp(random);
      return switch (random.nextInt(3)) {
        case 0 -> -1;
        case 1 ->
            recordTimestamp < 0
                ? -1
                : Math.max(0, clock.millis() - recordTimestamp + random.nextInt(200) - 100);
        default ->
            segmentMax < 0 ? -1 : Math.max(0, clock.millis() - segmentMax + random.nextInt(3) - 1);
      };
    }

    private void changeSegmentBytes() {
      model.segmentBytes = 200 + random.nextInt(3_000);
      log.alterTopicConfig(
          TOPIC, Map.of(TopicConfig.SEGMENT_BYTES, Integer.toString(model.segmentBytes)));
      record("segment.bytes " + model.segmentBytes);
    }

    private void flush() {
      partition().flush();
      record("flush, " + unflushed.size() + " acknowledgements waiting");
      for (CompletableFuture<Void> durable : unflushed) {
        // The group-commit thread may have fsynced them just before and still be completing them.
        assertThat(durable).succeedsWithin(Duration.ofSeconds(10));
      }
      unflushed.clear();
      assertThat(partition().durableOffset()).isEqualTo(model.logEndOffset());
    }

    // ------------------------------------------------------------------------ compaction

    private void appendCompacted() {
      ByteBuffer batch = compactedShapes.next(random, clock.millis());
      AppendResult result = log.partition(COMPACTED_TP).append(batch);
      record("append compacted -> " + result.status());
      assertThat(result.status()).as("append: %s", result.message()).isEqualTo(AppendStatus.OK);
      assertThat(result.baseOffset()).isEqualTo(compactedRecords.size());
      compactedRecords.addAll(RecordBatches.records(batch));
    }

    private void compact() {
      log.compactNow(COMPACTED_TP);
      record("compact");
      checkCompacted();
    }

    /**
     * What compaction must keep: every record read is the one appended at its offset, offsets only
     * grow, and the latest record of every key is still there unless it is a tombstone.
     */
    private void checkCompacted() {
      PartitionLog partition = log.partition(COMPACTED_TP);
      int maxBytes = random.nextInt(8) == 0 ? randomMaxBytes() : 2_000 + random.nextInt(50_000);
      Map<String, LogRecord> present = new HashMap<>();
      long previous = -1;
      for (LogReader.StoredBatch batch :
          LogReader.readBatches(partition, partition.logStartOffset(), () -> maxBytes)) {
        for (LogRecord record : batch.records()) {
          assertThat(record.offset()).isGreaterThan(previous);
          previous = record.offset();
          assertThat(record)
              .as("compacted record at %d", record.offset())
              .isEqualTo(compactedRecords.get((int) record.offset()));
          present.put(keyOf(record), record);
        }
      }
      Map<String, LogRecord> latest = new HashMap<>();
      for (LogRecord record : compactedRecords) {
        latest.put(keyOf(record), record);
      }
      for (LogRecord record : latest.values()) {
        if (record.value() != null) {
          assertThat(present.get(keyOf(record)))
              .as("latest record of key %s", keyOf(record))
              .isEqualTo(record);
        }
      }
    }

    private static String keyOf(LogRecord record) {
      return new String(record.key(), StandardCharsets.UTF_8);
    }

    // ------------------------------------------------------------------ restarts, crashes

    private void reopenCleanly() throws IOException {
      record("clean reopen");
      log.close();
      unflushed.clear(); // close flushed them
      log = Log.open(options);
      model.reopened(clock.millis());
      checkEverything();
    }

    /** Closes, then loses the clean-shutdown marker: the next open runs recovery. */
    private void crashByMarkerLoss() throws IOException {
      record("reopen without the clean-shutdown marker");
      log.close();
      unflushed.clear();
      Files.delete(dataDir.resolve(".clean-shutdown"));
      maybeDamageTheTail();
      log = Log.open(options);
      model.reopened(clock.millis());
      checkEverything();
    }

    /**
     * A crash as the page cache saw it: the files are copied while the log is open, the log is
     * closed, and the copy takes its place.
     */
    private void crashWithCopyTakenWhileOpen() throws IOException {
      record("crash: reopen a copy taken while open");
      copyWhileOpen();
      log.close();
      unflushed.clear();
      deleteTree(dataDir);
      Files.move(snapshotDir, dataDir);
      maybeDamageTheTail();
      log = Log.open(options);
      model.reopened(clock.millis());
      checkEverything();
    }

    private void copyWhileOpen() throws IOException {
      for (int attempt = 0; ; attempt++) {
        deleteTree(snapshotDir);
        try (Stream<Path> paths = Files.walk(dataDir)) {
          for (Path path : paths.toList()) {
            Path copy = snapshotDir.resolve(dataDir.relativize(path).toString());
            if (Files.isDirectory(path)) {
              Files.createDirectories(copy);
            } else if (!path.getFileName().toString().equals(".lock")) {
              Files.copy(path, copy);
            }
          }
          return;
        } catch (NoSuchFileException | UncheckedIOException e) {
          // A background delete or checkpoint rename raced the copy: take it again.
          if (attempt >= 10) {
            throw e;
          }
        }
      }
    }

    /**
     * Sometimes adds what a crash in the middle of a write leaves at the end of the active segment
     * (a torn batch, zeros, junk, a partial index entry), or makes the recovery point stale as if
     * the crash came before the checkpoint was written. Recovery must remove the damage and keep
     * every acknowledged batch.
     */
    private void maybeDamageTheTail() throws IOException {
      Path directory = SegmentFiles.partitionDirectory(dataDir, TOPIC, 0);
      Path activeLog = LogSegment.logPath(directory, model.active().baseOffset);
      switch (random.nextInt(6)) {
        case 0 -> {
          ByteBuffer torn = shapes.next(random, clock.millis());
          BatchStamper.stamp(torn, model.logEndOffset(), BatchStamper.KEEP_CREATE_TIME);
          int length = 1 + random.nextInt(torn.remaining() - 1);
          byte[] prefix = new byte[length];
          torn.duplicate().get(prefix);
          appendTo(activeLog, prefix, "torn batch of " + length);
        }
        case 1 -> appendTo(activeLog, new byte[1 + random.nextInt(4_096)], "zeros");
        case 2 -> {
          byte[] junk = new byte[1 + random.nextInt(100)];
          random.nextBytes(junk);
          appendTo(activeLog, junk, "junk");
        }
        case 3 -> {
          byte[] entry = new byte[1 + random.nextInt(15)];
          random.nextBytes(entry);
          appendTo(
              LogSegment.indexPath(directory, model.active().baseOffset),
              entry,
              "partial index entry");
        }
        case 4 -> staleRecoveryPoint(directory);
        default -> {}
      }
    }

    private void appendTo(Path file, byte[] bytes, String what) throws IOException {
      record("  damage: " + what + " at the end of " + file.getFileName());
      Files.write(file, bytes, StandardOpenOption.APPEND);
    }

    private void staleRecoveryPoint(Path directory) throws IOException {
      Path checkpoint = directory.resolve(PartitionCheckpoint.FILE_NAME);
      String text = Files.readString(checkpoint);
      Files.writeString(checkpoint, text.replaceAll("recovery-point \\d+", "recovery-point 0"));
      record("  damage: recovery point back to 0");
    }

    private static void deleteTree(Path root) throws IOException {
      io.millrace.log.segment.Io.deleteRecursively(root);
    }

    // --------------------------------------------------------------------------- helpers

    private PartitionLog partition() {
      return log.partition(TP);
    }

    private void record(String operation) {
      history.append(step).append(": ").append(operation).append('\n');
    }

    private String recentHistory() {
      String[] lines = history.toString().split("\n");
      return String.join(
          "\n", Arrays.copyOfRange(lines, Math.max(0, lines.length - 25), lines.length));
    }
  }
}
