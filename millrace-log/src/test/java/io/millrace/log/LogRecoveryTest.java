package io.millrace.log;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.log.format.BatchLayout;
import io.millrace.log.format.Codec;
import io.millrace.log.format.LogRecord;
import io.millrace.log.segment.LogSegment;
import io.millrace.log.testing.Batches;
import io.millrace.log.testing.FileDamage;
import io.millrace.log.testing.LogCapture;
import io.millrace.log.testing.LogExtension;
import io.millrace.log.testing.LogReader;
import io.millrace.log.testing.SeededRandomExtension;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Recovery through the whole log: data written, the process "crashes" (the data directory is copied
 * while the log is open, so there is no clean-shutdown marker), files are damaged, and the log is
 * opened again.
 */
@ExtendWith(SeededRandomExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LogRecoveryTest {

  private static final String TOPIC = "payments";
  private static final TopicPartition TP = new TopicPartition(TOPIC, 0);

  @RegisterExtension final LogExtension logs = new LogExtension();

  /** A batch as stored: which segment file, where in it, and which offsets. */
  private record StoredBatch(
      Path file, long position, int size, long baseOffset, long lastOffset) {}

  private Log log;
  private PartitionLog partition;
  private List<LogRecord> written;

  /** Writes {@code batches} random batches to a topic with small segments and fsyncs them. */
  private void write(Random random, int batches, int segmentBytes) throws IOException {
    log = logs.open();
    log.createTopic(TOPIC, 1, Map.of(TopicConfig.SEGMENT_BYTES, Integer.toString(segmentBytes)));
    partition = log.partition(TP);
    for (int i = 0; i < batches; i++) {
      Codec codec = Codec.values()[random.nextInt(Codec.values().length)];
      AppendResult result =
          partition.append(
              Batches.random(random, codec, 1 + random.nextInt(5), random.nextInt(80), i));
      assertThat(result.isOk()).isTrue();
    }
    partition.flush();
    written = LogReader.readAll(partition);
  }

  /** Copies the open log's directory as a crash leaves it; returns the copy's partition dir. */
  private Path crash() throws IOException {
    Path copy = logs.crashCopy();
    return copy.resolve("topics").resolve(TOPIC).resolve("0");
  }

  /** Makes recovery scan every segment, as after a crash before any recovery point was saved. */
  private static void forgetRecoveryPoint(Path partitionDirectory) throws IOException {
    PartitionCheckpoint checkpoint = PartitionCheckpoint.read(partitionDirectory);
    new PartitionCheckpoint(0, checkpoint.logStartOffset(), checkpoint.firstDirtyOffset())
        .write(partitionDirectory);
  }

  private Log open(Path partitionDirectory) throws IOException {
    return logs.open(logs.options(partitionDirectory.getParent().getParent().getParent()));
  }

  private static List<Path> segmentFiles(Path partitionDirectory) throws IOException {
    try (Stream<Path> files = Files.list(partitionDirectory)) {
      return files.filter(f -> f.getFileName().toString().endsWith(".log")).sorted().toList();
    }
  }

  private static List<StoredBatch> batches(Path partitionDirectory) throws IOException {
    List<StoredBatch> batches = new ArrayList<>();
    for (Path file : segmentFiles(partitionDirectory)) {
      ByteBuffer content = ByteBuffer.wrap(Files.readAllBytes(file));
      int position = 0;
      while (position < content.limit()) {
        int size = BatchLayout.sizeInBytes(content, position);
        batches.add(
            new StoredBatch(
                file,
                position,
                size,
                BatchLayout.baseOffset(content, position),
                BatchLayout.lastOffset(content, position)));
        position += size;
      }
    }
    return batches;
  }

  private List<LogRecord> writtenBelow(long offset) {
    return written.stream().filter(r -> r.offset() < offset).toList();
  }

  @Test
  void shouldRecoverEveryAcknowledgedRecordAfterACrash(Random random) throws IOException {
    write(random, 40, 800);
    Path crashed = crash();
    forgetRecoveryPoint(crashed);

    PartitionLog recovered = open(crashed).partition(TP);

    assertThat(LogReader.readAll(recovered)).isEqualTo(written);
    assertThat(recovered.logEndOffset()).isEqualTo(partition.logEndOffset());
    assertThat(recovered.append(Batches.numbered(0, 1, 1)).baseOffset())
        .isEqualTo(partition.logEndOffset());
  }

  @Test
  void shouldCutAGarbledTailOfTheActiveSegmentAndSaySo(Random random) throws IOException {
    write(random, 30, 800);
    Path crashed = crash();
    List<StoredBatch> batches = batches(crashed);
    StoredBatch last = batches.get(batches.size() - 1);
    FileDamage.flipByte(last.file(), last.position() + last.size() - 1);

    PartitionLog recovered;
    List<String> warnings;
    try (LogCapture capture = LogCapture.of(SegmentRecovery.class)) {
      recovered = open(crashed).partition(TP);
      warnings = capture.warnings();
    }

    assertThat(LogReader.readAll(recovered)).isEqualTo(writtenBelow(last.baseOffset()));
    assertThat(recovered.logEndOffset()).isEqualTo(last.baseOffset());
    assertThat(FileDamage.size(last.file())).isEqualTo(last.position());
    assertThat(warnings)
        .anySatisfy(
            w ->
                assertThat(w)
                    .contains("truncated " + last.size() + " bytes")
                    .contains(last.file().getFileName().toString())
                    .contains("CRC"));
  }

  @Test
  void shouldCutATornWriteAtTheEndOfTheLog(Random random) throws IOException {
    write(random, 30, 800);
    Path crashed = crash();
    List<StoredBatch> batches = batches(crashed);
    StoredBatch last = batches.get(batches.size() - 1);
    FileDamage.truncate(last.file(), last.position() + 30);

    PartitionLog recovered = open(crashed).partition(TP);

    assertThat(LogReader.readAll(recovered)).isEqualTo(writtenBelow(last.baseOffset()));
    assertThat(recovered.append(Batches.numbered(0, 1, 1)).baseOffset())
        .isEqualTo(last.baseOffset());
  }

  @Test
  void shouldCutZerosThatACrashLeftAfterTheLastBatch(Random random) throws IOException {
    write(random, 30, 800);
    Path crashed = crash();
    List<Path> files = segmentFiles(crashed);
    FileDamage.append(files.get(files.size() - 1), new byte[4096]);

    PartitionLog recovered = open(crashed).partition(TP);

    assertThat(LogReader.readAll(recovered)).isEqualTo(written);
    assertThat(recovered.logEndOffset()).isEqualTo(partition.logEndOffset());
  }

  @Test
  void shouldRemoveEverySegmentAfterADamagedOne(Random random) throws IOException {
    write(random, 60, 600);
    Path crashed = crash();
    forgetRecoveryPoint(crashed);
    List<Path> files = segmentFiles(crashed);
    assertThat(files).hasSizeGreaterThan(4);
    Path damagedFile = files.get(2);
    List<StoredBatch> inDamagedFile =
        batches(crashed).stream().filter(b -> b.file().equals(damagedFile)).toList();
    StoredBatch damaged = inDamagedFile.get(inDamagedFile.size() / 2);
    FileDamage.flipByte(damagedFile, damaged.position() + BatchLayout.RECORDS);

    PartitionLog recovered;
    List<String> warnings;
    try (LogCapture capture = LogCapture.of(SegmentRecovery.class)) {
      recovered = open(crashed).partition(TP);
      warnings = capture.warnings();
    }

    assertThat(LogReader.readAll(recovered)).isEqualTo(writtenBelow(damaged.baseOffset()));
    assertThat(recovered.logEndOffset()).isEqualTo(damaged.baseOffset());
    assertThat(segmentFiles(crashed)).containsExactlyElementsOf(files.subList(0, 3));
    for (Path later : files.subList(3, files.size())) {
      assertThat(warnings)
          .anySatisfy(
              w ->
                  assertThat(w)
                      .contains("recovery deleted segment")
                      .contains(later.getFileName().toString().replace(".log", "")));
      assertThat(later.resolveSibling(later.getFileName().toString().replace(".log", ".index")))
          .doesNotExist();
    }
  }

  /**
   * Property: after any one damage inside the framing or checksummed bytes of any batch, recovery
   * keeps exactly the records before that batch, whatever segment it is in.
   */
  @Test
  void shouldKeepExactlyTheRecordsBeforeRandomDamage(Random random) throws IOException {
    write(random, 30 + random.nextInt(50), 300 + random.nextInt(1500));
    Path crashed = crash();
    forgetRecoveryPoint(crashed);
    List<StoredBatch> batches = batches(crashed);
    StoredBatch damaged = batches.get(random.nextInt(batches.size()));
    long position;
    do {
      position = random.nextInt(damaged.size());
    } while (position < 8 || (position >= 12 && position < 16)); // baseOffset, epoch: not covered
    int kind = random.nextInt(3);
    switch (kind) {
      case 0 -> FileDamage.flipByte(damaged.file(), damaged.position() + position);
      case 1 -> FileDamage.overwrite(damaged.file(), damaged.position() + position, new byte[7]);
      default -> FileDamage.truncate(damaged.file(), damaged.position() + position);
    }

    PartitionLog recovered = open(crashed).partition(TP);

    assertThat(LogReader.readAll(recovered))
        .as("damage %d at %d in batch at offset %d", kind, position, damaged.baseOffset())
        .isEqualTo(writtenBelow(damaged.baseOffset()));
    assertThat(recovered.logEndOffset()).isEqualTo(damaged.baseOffset());
    assertThat(segmentFiles(crashed).get(segmentFiles(crashed).size() - 1))
        .isEqualTo(damaged.file());
  }

  @Test
  void shouldScanTheLastSegmentWhenTheCleanShutdownMarkerIsGone(Random random) throws IOException {
    write(random, 30, 800);
    log.close();
    Files.delete(logs.dataDirectory().resolve(".clean-shutdown"));
    Path directory = logs.partitionDirectory(TOPIC, 0);
    List<StoredBatch> batches = batches(directory);
    StoredBatch last = batches.get(batches.size() - 1);
    FileDamage.flipByte(last.file(), last.position() + BatchLayout.RECORDS);

    PartitionLog recovered = logs.open().partition(TP);

    assertThat(LogReader.readAll(recovered)).isEqualTo(writtenBelow(last.baseOffset()));
  }

  @Test
  void shouldCompleteACompactionSwapInterruptedByACrash(Random random) throws IOException {
    write(random, 40, 600);
    Path crashed = crash();
    List<Path> files = segmentFiles(crashed);
    Path first = files.get(0);
    Path second = files.get(1);
    long secondBase = baseOffsetOf(second);
    // The cleaner merged the first two segments into one at the first base that keeps only the
    // second one's records, renamed it to .swap (the commit point) and crashed.
    byte[] merged = Files.readAllBytes(second);
    Files.write(swapOf(first), merged);

    PartitionLog recovered = open(crashed).partition(TP);

    assertThat(LogReader.readAll(recovered))
        .isEqualTo(written.stream().filter(r -> r.offset() >= secondBase).toList());
    assertThat(segmentFiles(crashed)).contains(first).doesNotContain(second);
    assertThat(Files.readAllBytes(first)).isEqualTo(merged);
    assertThat(swapOf(first)).doesNotExist();
  }

  @Test
  void shouldCompleteASwapWhoseReplacedSegmentsWereAlreadyRenamed(Random random)
      throws IOException {
    write(random, 40, 600);
    Path crashed = crash();
    List<Path> files = segmentFiles(crashed);
    Path first = files.get(0);
    Path second = files.get(1);
    long secondBase = baseOffsetOf(second);
    Files.write(swapOf(first), Files.readAllBytes(second));
    Files.move(first, first.resolveSibling(first.getFileName() + LogSegment.DELETED_SUFFIX));

    PartitionLog recovered = open(crashed).partition(TP);

    assertThat(LogReader.readAll(recovered))
        .isEqualTo(written.stream().filter(r -> r.offset() >= secondBase).toList());
    assertThat(segmentFiles(crashed)).contains(first).doesNotContain(second);
  }

  @Test
  void shouldNotLeakAFileWhenAnInterruptedSwapIsEmpty(Random random) throws IOException {
    write(random, 40, 600);
    Path crashed = crash();
    List<Path> files = segmentFiles(crashed);
    Path first = files.get(0);
    long secondBase = baseOffsetOf(files.get(1));
    // Compaction found nothing to keep in the first segment.
    Files.write(swapOf(first), new byte[0]);
    Log recoveredLog = open(crashed);
    PartitionLog recovered = recoveredLog.partition(TP);

    assertThat(LogReader.readAll(recovered))
        .isEqualTo(written.stream().filter(r -> r.offset() >= secondBase).toList());
    assertThat(recovered.segmentCount()).isEqualTo(files.size());
    recoveredLog.close();
    assertThat(FileDamage.openFilesUnder(crashed)).isEmpty();
  }

  private static Path swapOf(Path segmentFile) {
    return segmentFile.resolveSibling(segmentFile.getFileName() + LogSegment.SWAP_SUFFIX);
  }

  private static long baseOffsetOf(Path segmentFile) {
    String name = segmentFile.getFileName().toString();
    return Long.parseLong(name.substring(0, name.indexOf('.')));
  }

  @Test
  void shouldRebuildIndexesDeletedBeforeACrash(Random random) throws IOException {
    write(random, 80, 4000);
    Path crashed = crash();
    forgetRecoveryPoint(crashed);
    for (Path file : segmentFiles(crashed)) {
      Files.delete(file.resolveSibling(file.getFileName().toString().replace(".log", ".index")));
    }

    PartitionLog recovered = open(crashed).partition(TP);

    assertThat(LogReader.readAll(recovered)).isEqualTo(written);
    for (LogRecord record : written) {
      assertThat(recovered.read(record.offset(), 1).lastOffset())
          .isGreaterThanOrEqualTo(record.offset());
    }
    assertThat(segmentFiles(crashed))
        .allSatisfy(
            f ->
                assertThat(f.resolveSibling(f.getFileName().toString().replace(".log", ".index")))
                    .exists());
  }

  @Test
  void shouldRemoveLeftoversOfInterruptedWork(Random random) throws IOException {
    write(random, 20, 800);
    Path crashed = crash();
    String base = LogSegment.fileName(0);
    for (String leftover :
        List.of(
            base + ".log.cleaned",
            base + ".index.cleaned",
            "00000000000000000999.log.deleted",
            "00000000000000000999.index.deleted",
            PartitionCheckpoint.FILE_NAME + ".tmp")) {
      Files.write(crashed.resolve(leftover), new byte[] {1, 2, 3});
    }

    PartitionLog recovered = open(crashed).partition(TP);

    assertThat(LogReader.readAll(recovered)).isEqualTo(written);
    try (Stream<Path> files = Files.list(crashed)) {
      assertThat(files.map(f -> f.getFileName().toString()))
          .allSatisfy(
              n ->
                  assertThat(n)
                      .doesNotEndWith(".cleaned")
                      .doesNotEndWith(".deleted")
                      .doesNotEndWith(".tmp"));
    }
  }
}
