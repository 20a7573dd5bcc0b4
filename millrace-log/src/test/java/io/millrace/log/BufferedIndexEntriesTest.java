package io.millrace.log;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.log.segment.LogSegment;
import io.millrace.log.segment.SegmentIndex;
import io.millrace.log.testing.Batches;
import io.millrace.log.testing.FileDamage;
import io.millrace.log.testing.SegmentFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Index entries are buffered in memory and written in chunks (see {@link SegmentIndex}): readers
 * find batches through buffered entries, a roll and a close write them, and a process that dies
 * with entries still buffered loses nothing but index entries, which recovery rebuilds.
 */
class BufferedIndexEntriesTest {

  private static final TopicPartition EVENTS = new TopicPartition("events", 0);

  /** Batches of 4 records; with index.interval.bytes 1 every batch but the first is indexed. */
  private static final int BATCHES = 50;

  @TempDir Path dataDir;

  @TempDir Path crashCopy;

  private static PartitionLog createEvents(Log log, Map<String, String> extra) {
    Map<String, String> settings = new java.util.HashMap<>(extra);
    settings.put(TopicConfig.FLUSH_POLICY, "os");
    settings.put(TopicConfig.INDEX_INTERVAL_BYTES, "1");
    log.createTopic("events", 1, settings);
    return log.partition(EVENTS);
  }

  private static void appendBatches(PartitionLog partition, int count) {
    for (int i = 0; i < count; i++) {
      long first = partition.logEndOffset();
      assertThat(partition.append(Batches.numbered((int) first, 4, 1000 + first)).isOk()).isTrue();
    }
  }

  /** Every offset must be read from the batch that holds it, through the index. */
  private static void assertEveryOffsetMapsToItsBatch(PartitionLog partition) {
    for (long offset = 0; offset < partition.logEndOffset(); offset++) {
      assertThat(partition.read(offset, 1).firstOffset())
          .as("offset %d", offset)
          .isEqualTo(offset / 4 * 4);
    }
    for (long first = 0; first < partition.logEndOffset(); first += 4) {
      assertThat(partition.offsetForTimestamp(1000 + first)).isEqualTo(first);
    }
  }

  @Test
  void whenEntriesAreOnlyBuffered_thenReadersFindEveryBatchThroughThem() throws IOException {
    try (Log log = Log.open(LogOptions.defaults(dataDir))) {
      PartitionLog partition = createEvents(log, Map.of());
      appendBatches(partition, BATCHES);

      Path index = LogSegment.indexPath(partition.directory(), 0);
      assertThat(Files.size(index)).as("nothing written yet").isZero();
      assertEveryOffsetMapsToItsBatch(partition);
    }
  }

  @Test
  void whenTheProcessDiesWithBufferedEntries_thenRecoveryRebuildsTheIndex() throws IOException {
    Path original;
    try (Log log = Log.open(LogOptions.defaults(dataDir))) {
      PartitionLog partition = createEvents(log, Map.of());
      // One chunk written, the rest buffered.
      appendBatches(partition, SegmentIndex.CHUNK_ENTRIES + BATCHES);
      original = LogSegment.indexPath(partition.directory(), 0);
      assertThat(Files.size(original)).isEqualTo(SegmentIndex.CHUNK_ENTRIES * 16L);
      // What the files hold at a kill -9: the page cache, without the buffered entries.
      FileDamage.copyTree(dataDir, crashCopy);
    }
    byte[] writtenAtClose = Files.readAllBytes(original);
    assertThat(writtenAtClose).hasSize((SegmentIndex.CHUNK_ENTRIES + BATCHES - 1) * 16);

    try (Log log = Log.open(LogOptions.defaults(crashCopy))) {
      PartitionLog partition = log.partition(EVENTS);
      assertThat(partition.logEndOffset()).isEqualTo(4L * (SegmentIndex.CHUNK_ENTRIES + BATCHES));
      assertEveryOffsetMapsToItsBatch(partition);
      Path rebuilt = crashCopy.resolve(dataDir.relativize(original));
      assertThat(Files.readAllBytes(rebuilt)).isEqualTo(writtenAtClose);
    }
  }

  @Test
  void whenTheActiveSegmentRolls_thenItsBufferedEntriesAreWritten() throws IOException {
    int batchBytes = Batches.numbered(0, 4, 0).remaining();
    Path directory;
    long activeBase;
    long activeBatches;
    try (Log log = Log.open(LogOptions.defaults(dataDir))) {
      // About ten batches per segment.
      PartitionLog partition =
          createEvents(log, Map.of(TopicConfig.SEGMENT_BYTES, String.valueOf(10 * batchBytes)));
      appendBatches(partition, 35);
      assertThat(partition.segmentCount()).isGreaterThan(2);
      directory = partition.directory();

      // With 4 records a batch and every batch but a segment's first indexed, a complete index
      // of a segment holding offsets [base, next) has (next - base) / 4 - 1 entries.
      List<Long> bases =
          SegmentFiles.logFiles(directory).stream()
              .map(file -> Long.parseLong(file.getFileName().toString().replace(".log", "")))
              .toList();
      for (int i = 0; i < bases.size() - 1; i++) {
        Path index = LogSegment.indexPath(directory, bases.get(i));
        long batches = (bases.get(i + 1) - bases.get(i)) / 4;
        assertThat(Files.size(index)).as("sealed %s", index).isEqualTo((batches - 1) * 16);
      }
      activeBase = bases.getLast();
      activeBatches = (partition.logEndOffset() - activeBase) / 4;
      assertThat(activeBatches).isGreaterThan(1);
      assertThat(Files.size(LogSegment.indexPath(directory, activeBase))).isZero();
      assertEveryOffsetMapsToItsBatch(partition);
    }
    assertThat(Files.size(LogSegment.indexPath(directory, activeBase)))
        .as("written at close")
        .isEqualTo((activeBatches - 1) * 16);
  }
}
