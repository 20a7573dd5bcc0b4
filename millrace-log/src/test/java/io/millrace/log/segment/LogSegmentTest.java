package io.millrace.log.segment;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.log.format.BatchLayout;
import io.millrace.log.format.BatchStamper;
import io.millrace.log.format.Codec;
import io.millrace.log.format.LogRecord;
import io.millrace.log.format.RecordBatches;
import io.millrace.log.testing.Batches;
import io.millrace.log.testing.FileDamage;
import io.millrace.log.testing.SeededRandomExtension;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(SeededRandomExtension.class)
class LogSegmentTest {

  private static final long BASE = 100;
  private static final int INDEX_INTERVAL_BYTES = 256;
  private static final int MAX_BATCH_BYTES = 1 << 20;

  @TempDir Path directory;

  private final List<LogSegment> opened = new ArrayList<>();

  /** What was appended: one entry per batch, in file order. */
  private record Stored(
      int position, int size, long baseOffset, long lastOffset, long maxTimestamp) {}

  private final List<Stored> stored = new ArrayList<>();
  private final List<LogRecord> records = new ArrayList<>();

  private LogSegment create() throws IOException {
    LogSegment segment =
        LogSegment.create(FileIo.DEFAULT, directory, BASE, INDEX_INTERVAL_BYTES, 0);
    opened.add(segment);
    return segment;
  }

  /** The index file as a roll or close leaves it: buffered entries written first. */
  private static byte[] indexFileBytes(LogSegment segment) throws IOException {
    segment.writePendingIndexEntries();
    return Files.readAllBytes(segment.indexPath());
  }

  private LogSegment reopen(LogSegment segment) throws IOException {
    segment.close();
    LogSegment again = LogSegment.open(FileIo.DEFAULT, directory, BASE, INDEX_INTERVAL_BYTES, 0);
    opened.add(again);
    return again;
  }

  @AfterEach
  void closeAll() throws IOException {
    for (LogSegment segment : opened) {
      segment.close();
    }
  }

  /**
   * Stamps the batch with the segment's next offset and appends it, remembering what went where.
   */
  private void append(LogSegment segment, ByteBuffer batch) throws IOException {
    BatchStamper.stamp(batch, segment.nextOffset(), BatchStamper.KEEP_CREATE_TIME);
    stored.add(
        new Stored(
            segment.sizeBytes(),
            batch.remaining(),
            BatchLayout.baseOffset(batch, 0),
            BatchLayout.lastOffset(batch, 0),
            BatchLayout.maxTimestamp(batch, 0)));
    records.addAll(RecordBatches.records(batch));
    segment.append(batch);
  }

  private void appendRandom(LogSegment segment, Random random, int batches) throws IOException {
    for (int i = 0; i < batches; i++) {
      Codec codec = Codec.values()[random.nextInt(Codec.values().length)];
      append(
          segment,
          Batches.random(random, codec, 1 + random.nextInt(5), random.nextInt(200), 1000 + i));
    }
  }

  private Stored last() {
    return stored.get(stored.size() - 1);
  }

  private static List<LogRecord> read(LogSlice slice) throws IOException {
    return RecordBatches.records(slice.read());
  }

  @Test
  void shouldStartEmptyAtItsBaseOffset() throws IOException {
    LogSegment segment = create();

    assertThat(segment.isEmpty()).isTrue();
    assertThat(segment.nextOffset()).isEqualTo(BASE);
    assertThat(segment.maxTimestamp()).isEqualTo(-1);
    assertThat(segment.slice(BASE, 1000, true)).isNull();
    assertThat(segment.logPath().getFileName().toString()).isEqualTo("00000000000000000100.log");
  }

  @Test
  void shouldAppendAndReadBackEveryRecord(Random random) throws IOException {
    LogSegment segment = create();
    appendRandom(segment, random, 30);

    LogSlice all = segment.slice(BASE, Integer.MAX_VALUE, true);

    assertThat(read(all)).isEqualTo(records);
    assertThat(segment.nextOffset()).isEqualTo(last().lastOffset() + 1);
    assertThat(segment.sizeBytes()).isEqualTo(last().position() + last().size());
    assertThat(segment.maxTimestamp())
        .isEqualTo(stored.stream().mapToLong(Stored::maxTimestamp).max().orElseThrow());
  }

  /**
   * Property: a slice starts with the batch holding the offset, ends on a batch boundary, holds at
   * most maxBytes unless one batch alone is larger, and holds as many whole batches as fit.
   */
  @Test
  void shouldSliceWholeBatchesWithinMaxBytes(Random random) throws IOException {
    LogSegment segment = create();
    appendRandom(segment, random, 60);

    for (int probe = 0; probe < 3000; probe++) {
      long offset = BASE + random.nextLong(segment.nextOffset() - BASE);
      int maxBytes = 1 + random.nextInt(segment.sizeBytes() + 100);

      LogSlice slice = segment.slice(offset, maxBytes, true);

      int first = 0;
      while (stored.get(first).lastOffset() < offset) {
        first++;
      }
      int lastIncluded = first;
      while (lastIncluded + 1 < stored.size()
          && stored.get(lastIncluded + 1).position()
                  + stored.get(lastIncluded + 1).size()
                  - stored.get(first).position()
              <= maxBytes) {
        lastIncluded++;
      }
      Stored start = stored.get(first);
      Stored end = stored.get(lastIncluded);
      String context = "offset " + offset + " maxBytes " + maxBytes;
      assertThat(slice.position()).as(context).isEqualTo(start.position());
      assertThat(slice.sizeBytes())
          .as(context)
          .isEqualTo(end.position() + end.size() - start.position());
      assertThat(slice.firstOffset()).as(context).isEqualTo(start.baseOffset());
      assertThat(slice.nextOffset()).as(context).isEqualTo(end.lastOffset() + 1);
    }
  }

  /**
   * Property: with an end offset (the partition's published log end), a slice holds only batches
   * that start below it, however much maxBytes would allow; the index jump must not pass it either.
   */
  @Test
  void shouldSliceOnlyBatchesBelowTheEndOffset(Random random) throws IOException {
    LogSegment segment = create();
    appendRandom(segment, random, 60);

    for (int probe = 0; probe < 3000; probe++) {
      long offset = BASE + random.nextLong(segment.nextOffset() - BASE);
      long endOffset = offset + 1 + random.nextLong(segment.nextOffset() - offset);
      int maxBytes = 1 + random.nextInt(segment.sizeBytes() + 100);

      LogSlice slice = segment.slice(offset, maxBytes, true, endOffset);

      int first = 0;
      while (stored.get(first).lastOffset() < offset) {
        first++;
      }
      int lastIncluded = first;
      while (lastIncluded + 1 < stored.size()
          && stored.get(lastIncluded + 1).baseOffset() < endOffset
          && stored.get(lastIncluded + 1).position()
                  + stored.get(lastIncluded + 1).size()
                  - stored.get(first).position()
              <= maxBytes) {
        lastIncluded++;
      }
      String context = "offset " + offset + " end " + endOffset + " maxBytes " + maxBytes;
      assertThat(slice.firstOffset()).as(context).isEqualTo(stored.get(first).baseOffset());
      assertThat(slice.nextOffset())
          .as(context)
          .isEqualTo(stored.get(lastIncluded).lastOffset() + 1);
    }
    long end = segment.nextOffset();
    assertThat(segment.slice(stored.get(10).baseOffset(), 1000, true, stored.get(10).baseOffset()))
        .isNull();
    assertThat(segment.slice(BASE, Integer.MAX_VALUE, true, end).nextOffset()).isEqualTo(end);
  }

  @Test
  void shouldReturnOneWholeBatchEvenIfLargerThanMaxBytes() throws IOException {
    LogSegment segment = create();
    append(segment, Batches.numbered(0, 10, 1000));
    append(segment, Batches.numbered(10, 10, 1000));

    LogSlice atLeastOne = segment.slice(BASE + 3, 10, true);
    LogSlice none = segment.slice(BASE + 3, 10, false);

    assertThat(atLeastOne.sizeBytes()).isEqualTo(stored.get(0).size());
    assertThat(atLeastOne.nextOffset()).isEqualTo(BASE + 10);
    assertThat(none.isEmpty()).isTrue();
    assertThat(none.nextOffset()).isEqualTo(BASE);
  }

  @Test
  void shouldReturnNullForOffsetsPastItsEnd() throws IOException {
    LogSegment segment = create();
    append(segment, Batches.numbered(0, 3, 1000));

    assertThat(segment.slice(BASE + 3, 1000, true)).isNull();
    assertThat(segment.positionOf(BASE + 3)).isEqualTo(-1);
    assertThat(segment.positionOf(BASE + 2)).isZero();
  }

  @Test
  void shouldSendSlicesWithoutCopyingThroughTheHeap() throws IOException {
    LogSegment segment = create();
    append(segment, Batches.numbered(0, 3, 1000));
    append(segment, Batches.numbered(3, 3, 1000));
    LogSlice slice = segment.slice(BASE + 4, Integer.MAX_VALUE, true);
    java.io.ByteArrayOutputStream sink = new java.io.ByteArrayOutputStream();

    long sent = slice.transferTo(java.nio.channels.Channels.newChannel(sink));

    assertThat(sent).isEqualTo(slice.sizeBytes());
    assertThat(ByteBuffer.wrap(sink.toByteArray())).isEqualTo(slice.read());
  }

  /** Property: the answer is the first offset, in offset order, with a timestamp at or above. */
  @Test
  void shouldFindTheFirstOffsetWithATimestampAtOrAbove(Random random) throws IOException {
    LogSegment segment = create();
    for (int i = 0; i < 80; i++) {
      long[] timestamps = new long[1 + random.nextInt(6)];
      for (int t = 0; t < timestamps.length; t++) {
        timestamps[t] = random.nextInt(10_000); // not ordered: producers' clocks disagree
      }
      Codec codec = Codec.values()[random.nextInt(Codec.values().length)];
      append(segment, Batches.withTimestamps(codec, timestamps));
    }

    for (long target = -1; target <= 10_001; target += 1 + random.nextInt(40)) {
      long expected = -1;
      for (LogRecord record : records) {
        if (record.timestamp() >= target) {
          expected = record.offset();
          break;
        }
      }
      assertThat(segment.offsetForTimestamp(target)).as("timestamp %d", target).isEqualTo(expected);
    }
  }

  @Test
  void shouldTruncateToTheBatchHoldingAnOffset() throws IOException {
    LogSegment segment = create();
    append(segment, Batches.numbered(0, 3, 1000)); // 100-102, timestamps up to 1002
    append(segment, Batches.numbered(3, 3, 5000)); // 103-105
    append(segment, Batches.numbered(6, 3, 9000)); // 106-108

    int removed = segment.truncateTo(BASE + 4);

    assertThat(removed).isEqualTo(stored.get(1).size() + stored.get(2).size());
    assertThat(segment.sizeBytes()).isEqualTo(stored.get(0).size());
    assertThat(Files.size(segment.logPath())).isEqualTo(stored.get(0).size());
    assertThat(segment.nextOffset()).isEqualTo(BASE + 3);
    assertThat(segment.maxTimestamp()).isEqualTo(1002);
    assertThat(segment.offsetForTimestamp(5000)).isEqualTo(-1);
  }

  @Test
  void shouldTruncateEverythingAndAcceptNewAppends() throws IOException {
    LogSegment segment = create();
    append(segment, Batches.numbered(0, 3, 1000));

    segment.truncateTo(BASE);
    append(segment, Batches.numbered(0, 1, 7));

    assertThat(segment.nextOffset()).isEqualTo(BASE + 1);
    assertThat(segment.maxTimestamp()).isEqualTo(7);
    assertThat(read(segment.slice(BASE, 1000, true)))
        .extracting(LogRecord::timestamp)
        .containsExactly(7L);
  }

  @Test
  void shouldKeepIndexingCorrectlyAfterATruncation(Random random) throws IOException {
    LogSegment segment = create();
    appendRandom(segment, random, 40);
    Stored cut = stored.get(20);
    segment.truncateTo(cut.baseOffset());
    stored.subList(20, stored.size()).clear();
    records.removeIf(r -> r.offset() >= cut.baseOffset());

    appendRandom(segment, random, 20);

    assertThat(read(segment.slice(BASE, Integer.MAX_VALUE, true))).isEqualTo(records);
    for (Stored batch : stored) {
      assertThat(segment.positionOf(batch.lastOffset())).isEqualTo(batch.position());
    }
  }

  @Test
  void shouldFindNothingToRecoverInAnIntactSegment(Random random) throws IOException {
    LogSegment segment = create();
    appendRandom(segment, random, 30);
    segment = reopen(segment);

    String problem = segment.recover(MAX_BATCH_BYTES);

    assertThat(problem).isNull();
    assertThat(segment.nextOffset()).isEqualTo(last().lastOffset() + 1);
    assertThat(read(segment.slice(BASE, Integer.MAX_VALUE, true))).isEqualTo(records);
  }

  @Test
  void shouldCutAGarbledTailOnRecovery(Random random) throws IOException {
    LogSegment segment = create();
    appendRandom(segment, random, 30);
    long indexEntries = indexFileBytes(segment).length / SegmentIndex.ENTRY_SIZE;
    Stored damaged = stored.get(25);
    FileDamage.flipByte(segment.logPath(), damaged.position() + 40);
    segment = reopen(segment);

    String problem = segment.recover(MAX_BATCH_BYTES);

    assertThat(problem)
        .contains("truncated")
        .contains("at position " + damaged.position())
        .contains("00000000000000000100.log");
    assertThat(segment.sizeBytes()).isEqualTo(damaged.position());
    assertThat(Files.size(segment.logPath())).isEqualTo(damaged.position());
    assertThat(segment.nextOffset()).isEqualTo(damaged.baseOffset());
    assertThat(read(segment.slice(BASE, Integer.MAX_VALUE, true)))
        .isEqualTo(records.stream().filter(r -> r.offset() < damaged.baseOffset()).toList());
    assertThat(Files.size(segment.indexPath()) / SegmentIndex.ENTRY_SIZE)
        .isLessThanOrEqualTo(indexEntries);
    for (Stored batch : stored.subList(0, 25)) {
      assertThat(segment.positionOf(batch.lastOffset())).isEqualTo(batch.position());
    }
  }

  @Test
  void shouldCutATornWriteOnRecovery(Random random) throws IOException {
    LogSegment segment = create();
    appendRandom(segment, random, 10);
    FileDamage.truncate(segment.logPath(), last().position() + last().size() / 2);
    segment = reopen(segment);

    String problem = segment.recover(MAX_BATCH_BYTES);

    assertThat(problem).contains("truncated");
    assertThat(segment.nextOffset()).isEqualTo(last().baseOffset());
    assertThat(segment.sizeBytes()).isEqualTo(last().position());
  }

  @Test
  void shouldCutZerosLeftAfterTheLastBatchOnRecovery(Random random) throws IOException {
    LogSegment segment = create();
    appendRandom(segment, random, 10);
    FileDamage.append(segment.logPath(), new byte[8192]);
    segment = reopen(segment);

    String problem = segment.recover(MAX_BATCH_BYTES);

    assertThat(problem).contains("8192 bytes");
    assertThat(segment.nextOffset()).isEqualTo(last().lastOffset() + 1);
    assertThat(Files.size(segment.logPath())).isEqualTo(last().position() + last().size());
  }

  @Test
  void shouldRecoverToEmptyWhenTheFirstBatchIsDamaged() throws IOException {
    LogSegment segment = create();
    append(segment, Batches.numbered(0, 3, 1000));
    append(segment, Batches.numbered(3, 3, 1000));
    FileDamage.flipByte(segment.logPath(), BatchLayout.CRC);
    segment = reopen(segment);

    segment.recover(MAX_BATCH_BYTES);

    assertThat(segment.isEmpty()).isTrue();
    assertThat(segment.nextOffset()).isEqualTo(BASE);
    assertThat(segment.maxTimestamp()).isEqualTo(-1);
  }

  @Test
  void shouldLoadATrustedSegmentWithoutScanningIt(Random random) throws IOException {
    LogSegment segment = create();
    appendRandom(segment, random, 40);
    long maxTimestamp = segment.maxTimestamp();
    segment = reopen(segment);

    segment.loadTrusted(MAX_BATCH_BYTES);

    assertThat(segment.nextOffset()).isEqualTo(last().lastOffset() + 1);
    assertThat(segment.maxTimestamp()).isEqualTo(maxTimestamp);
    assertThat(read(segment.slice(BASE, Integer.MAX_VALUE, true))).isEqualTo(records);
  }

  @Test
  void shouldIndexAppendsAfterLoadingAsIfNeverReopened(Random random) throws IOException {
    LogSegment reference = LogSegment.create(FileIo.DEFAULT, directory, 0, INDEX_INTERVAL_BYTES, 0);
    opened.add(reference);
    LogSegment segment = create();
    List<ByteBuffer> batches = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      batches.add(
          Batches.random(random, Codec.NONE, 1 + random.nextInt(3), random.nextInt(150), i));
    }
    for (int i = 0; i < 60; i++) {
      if (i == 30) {
        segment = reopen(segment);
        segment.loadTrusted(MAX_BATCH_BYTES);
      }
      ByteBuffer copy = Batches.copy(batches.get(i));
      append(segment, batches.get(i));
      BatchStamper.stamp(copy, reference.nextOffset(), BatchStamper.KEEP_CREATE_TIME);
      reference.append(copy);
    }

    assertThat(indexFileBytes(segment))
        .hasSizeGreaterThan(2 * SegmentIndex.ENTRY_SIZE)
        .isEqualTo(indexFileBytes(reference));
  }

  @Test
  void shouldRebuildAMissingIndexWhenLoadingATrustedSegment(Random random) throws IOException {
    LogSegment segment = create();
    appendRandom(segment, random, 60);
    byte[] builtIndex = indexFileBytes(segment);
    assertThat(builtIndex.length).isGreaterThan(2 * SegmentIndex.ENTRY_SIZE);
    segment.close();
    Files.delete(segment.indexPath());
    segment = reopen(segment);

    segment.loadTrusted(MAX_BATCH_BYTES);

    assertThat(segment.nextOffset()).isEqualTo(last().lastOffset() + 1);
    assertThat(read(segment.slice(BASE, Integer.MAX_VALUE, true))).isEqualTo(records);
    assertThat(indexFileBytes(segment)).isEqualTo(builtIndex);
  }

  @Test
  void shouldRebuildAGarbledIndexWhenLoadingATrustedSegment(Random random) throws IOException {
    LogSegment segment = create();
    appendRandom(segment, random, 60);
    byte[] builtIndex = indexFileBytes(segment);
    segment.close();
    byte[] garbage = new byte[builtIndex.length];
    random.nextBytes(garbage);
    FileDamage.overwrite(segment.indexPath(), 0, garbage);
    segment = reopen(segment);

    segment.loadTrusted(MAX_BATCH_BYTES);

    assertThat(segment.nextOffset()).isEqualTo(last().lastOffset() + 1);
    assertThat(read(segment.slice(BASE, Integer.MAX_VALUE, true))).isEqualTo(records);
    assertThat(indexFileBytes(segment)).isEqualTo(builtIndex);
    for (Stored batch : stored) {
      assertThat(segment.positionOf(batch.baseOffset())).isEqualTo(batch.position());
    }
  }

  @Test
  void shouldRebuildAnIndexWhoseLastEntryPointsIntoABatch(Random random) throws IOException {
    LogSegment segment = create();
    appendRandom(segment, random, 60);
    byte[] builtIndex = indexFileBytes(segment);
    segment.close();
    int lastEntry = builtIndex.length - SegmentIndex.ENTRY_SIZE;
    ByteBuffer entry = ByteBuffer.wrap(builtIndex, lastEntry, SegmentIndex.ENTRY_SIZE).slice();
    // Point the last entry 5 bytes into its batch: inside the base offset field.
    FileDamage.overwrite(
        segment.indexPath(),
        lastEntry + 4,
        ByteBuffer.allocate(4).putInt(entry.getInt(4) + 5).array());
    segment = reopen(segment);

    segment.loadTrusted(MAX_BATCH_BYTES);

    assertThat(segment.nextOffset()).isEqualTo(last().lastOffset() + 1);
    assertThat(indexFileBytes(segment)).isEqualTo(builtIndex);
    assertThat(read(segment.slice(BASE, Integer.MAX_VALUE, true))).isEqualTo(records);
  }

  @Test
  void shouldRebuildAnIndexWhoseLastEntryNamesTheWrongOffset(Random random) throws IOException {
    LogSegment segment = create();
    appendRandom(segment, random, 60);
    byte[] builtIndex = indexFileBytes(segment);
    segment.close();
    int lastEntry = builtIndex.length - SegmentIndex.ENTRY_SIZE;
    int relativeOffset = ByteBuffer.wrap(builtIndex).getInt(lastEntry);
    // The entry now claims the batch there starts one offset earlier than it does: a lookup of
    // that offset would land one batch too far and skip the record.
    FileDamage.overwrite(
        segment.indexPath(), lastEntry, ByteBuffer.allocate(4).putInt(relativeOffset - 1).array());
    segment = reopen(segment);

    segment.loadTrusted(MAX_BATCH_BYTES);

    assertThat(indexFileBytes(segment)).isEqualTo(builtIndex);
    long skipped = BASE + relativeOffset - 1;
    assertThat(read(segment.slice(skipped, 1, true)))
        .extracting(LogRecord::offset)
        .contains(skipped);
  }

  @Test
  void shouldRebuildAnIndexPointingPastTheEndOfTheLog(Random random) throws IOException {
    LogSegment segment = create();
    appendRandom(segment, random, 60);
    byte[] builtIndex = indexFileBytes(segment);
    segment.close();
    FileDamage.truncate(segment.logPath(), last().position()); // the log lost its last batch
    segment = reopen(segment);
    stored.remove(stored.size() - 1);

    segment.loadTrusted(MAX_BATCH_BYTES);

    assertThat(segment.nextOffset()).isEqualTo(last().lastOffset() + 1);
    assertThat(Files.size(segment.indexPath())).isLessThanOrEqualTo(builtIndex.length);
    for (Stored batch : stored) {
      assertThat(segment.positionOf(batch.baseOffset())).isEqualTo(batch.position());
    }
  }

  @Test
  void shouldKeepServingReadersAfterItsFilesAreRenamed() throws IOException {
    LogSegment segment = create();
    append(segment, Batches.numbered(0, 3, 1000));
    Path original = segment.logPath();

    segment.markDeleted();

    assertThat(original).doesNotExist();
    assertThat(segment.logPath().getFileName().toString()).endsWith(".log.deleted");
    assertThat(segment.indexPath().getFileName().toString()).endsWith(".index.deleted");
    assertThat(read(segment.slice(BASE, 1000, true))).hasSize(3);
    segment.closeAndDelete();
    assertThat(segment.logPath()).doesNotExist();
    assertThat(segment.indexPath()).doesNotExist();
  }

  /** Consecutive slices start where the previous one ended (a read hint), for any read size. */
  @Test
  void shouldReadEveryRecordSliceAfterSlice(Random random) throws IOException {
    LogSegment segment = create();
    appendRandom(segment, random, 80);

    for (int round = 0; round < 20; round++) {
      int maxBytes = 1 + random.nextInt(3000);
      List<LogRecord> read = new ArrayList<>();
      long next = BASE + random.nextLong(segment.nextOffset() - BASE);
      long first = next;
      while (next < segment.nextOffset()) {
        LogSlice slice = segment.slice(next, maxBytes, true);
        read.addAll(read(slice));
        next = slice.nextOffset();
      }
      List<LogRecord> expected =
          records.stream().filter(r -> r.offset() >= firstBatchBase(first)).toList();
      assertThat(read).as("round %d, maxBytes %d", round, maxBytes).isEqualTo(expected);
    }
  }

  private long firstBatchBase(long offset) {
    return stored.stream()
        .filter(b -> b.lastOffset() >= offset)
        .findFirst()
        .orElseThrow()
        .baseOffset();
  }

  /**
   * A read hint from before the segment was cut must not be believed: after the cut and new appends
   * of other sizes, the hinted position may lie inside a batch.
   */
  @Test
  void shouldNotUseAReadHintFromBeforeACut(Random random) throws IOException {
    LogSegment segment = create();
    for (int i = 0; i < 20; i++) {
      append(segment, Batches.random(random, Codec.NONE, 3, 50, 1000 + i));
    }
    LogSlice slice = segment.slice(BASE, stored.get(10).position(), true);
    long hinted = slice.nextOffset();
    assertThat(hinted).isEqualTo(stored.get(10).baseOffset());

    segment.truncateTo(stored.get(2).baseOffset());
    stored.subList(2, stored.size()).clear();
    for (int i = 0; i < 20; i++) { // batches of a different size
      append(segment, Batches.random(random, Codec.NONE, 2, 91, 2000 + i));
    }

    LogSlice after = segment.slice(hinted, 1, true);
    Stored holding =
        stored.stream().filter(b -> b.lastOffset() >= hinted).findFirst().orElseThrow();
    assertThat(after.position()).isEqualTo(holding.position());
    assertThat(after.firstOffset()).isEqualTo(holding.baseOffset());
    assertThat(read(after)).extracting(LogRecord::offset).contains(hinted);
  }
}
