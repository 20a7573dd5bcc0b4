package io.millrace.log.segment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.millrace.log.testing.FileDamage;
import io.millrace.log.testing.SeededRandomExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(SeededRandomExtension.class)
class SegmentIndexTest {

  private static final long BASE = 1000;

  @TempDir Path directory;

  private final List<SegmentIndex> opened = new ArrayList<>();

  private SegmentIndex open() throws IOException {
    SegmentIndex index = SegmentIndex.open(FileIo.DEFAULT, file(), BASE);
    opened.add(index);
    return index;
  }

  private Path file() {
    return directory.resolve("00000000000000001000.index");
  }

  @AfterEach
  void closeAll() throws IOException {
    for (SegmentIndex index : opened) {
      index.close();
    }
  }

  /**
   * Entries (offset, position, running max timestamp): (1010,100,50) (1020,200,70) (1030,300,70).
   */
  private SegmentIndex threeEntries() throws IOException {
    SegmentIndex index = open();
    index.append(1010, 100, 50);
    index.append(1020, 200, 70);
    index.append(1030, 300, 70);
    return index;
  }

  @Test
  void shouldAnswerZeroWhenEmpty() throws IOException {
    SegmentIndex index = open();

    assertThat(index.entryCount()).isZero();
    assertThat(index.positionForOffset(5000)).isZero();
    assertThat(index.positionForTimestamp(5000)).isZero();
    assertThat(index.batchPositionAtOrBefore(5000)).isZero();
    assertThat(index.lastMaxTimestamp()).isEqualTo(-1);
  }

  @Test
  void shouldFindTheLastEntryAtOrBeforeAnOffset() throws IOException {
    SegmentIndex index = threeEntries();

    assertThat(index.positionForOffset(BASE)).isZero();
    assertThat(index.positionForOffset(1009)).isZero();
    assertThat(index.positionForOffset(1010)).isEqualTo(100);
    assertThat(index.positionForOffset(1019)).isEqualTo(100);
    assertThat(index.positionForOffset(1020)).isEqualTo(200);
    assertThat(index.positionForOffset(1_000_000)).isEqualTo(300);
  }

  @Test
  void shouldStartTimestampScansAtTheLastEntryStillBelowTheTimestamp() throws IOException {
    SegmentIndex index = threeEntries();

    assertThat(index.positionForTimestamp(50)).isZero(); // entry 1 already reaches 50
    assertThat(index.positionForTimestamp(51)).isEqualTo(100);
    assertThat(index.positionForTimestamp(70)).isEqualTo(100);
    assertThat(index.positionForTimestamp(71)).isEqualTo(300);
  }

  @Test
  void shouldFindTheLastBatchStartingAtOrBeforeAPosition() throws IOException {
    SegmentIndex index = threeEntries();

    assertThat(index.batchPositionAtOrBefore(99)).isZero();
    assertThat(index.batchPositionAtOrBefore(100)).isEqualTo(100);
    assertThat(index.batchPositionAtOrBefore(299)).isEqualTo(200);
    assertThat(index.batchPositionAtOrBefore(Integer.MAX_VALUE)).isEqualTo(300);
  }

  @Test
  void shouldRefuseEntriesThatDoNotGrow() throws IOException {
    SegmentIndex index = threeEntries();

    assertThatThrownBy(() -> index.append(1030, 400, 80)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> index.append(1040, 300, 80)).isInstanceOf(IllegalStateException.class);
    assertThat(index.entryCount()).isEqualTo(3);
  }

  @Test
  void shouldKeepEntriesAndTheGrowthRuleAcrossReopen() throws IOException {
    threeEntries().close();
    opened.clear();

    SegmentIndex index = open();

    assertThat(index.entryCount()).isEqualTo(3);
    assertThat(index.positionForOffset(1025)).isEqualTo(200);
    assertThat(index.lastMaxTimestamp()).isEqualTo(70);
    assertThatThrownBy(() -> index.append(1030, 400, 80)).isInstanceOf(IllegalStateException.class);
    index.append(1031, 400, 80);
    assertThat(index.entryCount()).isEqualTo(4);
  }

  @Test
  void shouldDropEntriesAtOrAfterATruncatedPosition() throws IOException {
    SegmentIndex index = threeEntries();

    index.truncateToPosition(200);

    assertThat(index.entryCount()).isEqualTo(1);
    index.writePendingEntries();
    assertThat(Files.size(file())).isEqualTo(SegmentIndex.ENTRY_SIZE);
    assertThat(index.positionForOffset(1_000_000)).isEqualTo(100);
    assertThat(index.lastMaxTimestamp()).isEqualTo(50);
    index.append(1015, 150, 60); // the growth rule restarts from the kept entry
    assertThat(index.positionForOffset(1016)).isEqualTo(150);
  }

  @Test
  void shouldDropEverythingWhenTruncatedToZero() throws IOException {
    SegmentIndex index = threeEntries();

    index.truncateToPosition(0);

    assertThat(index.entryCount()).isZero();
    index.append(1001, 10, 1);
    assertThat(index.entryCount()).isOne();
  }

  @Test
  void shouldIgnoreATornTrailingEntryOnOpen() throws IOException {
    threeEntries().close();
    opened.clear();
    FileDamage.append(file(), new byte[] {1, 2, 3, 4, 5, 6, 7});

    SegmentIndex index = open();

    assertThat(index.entryCount()).isEqualTo(3);
    assertThat(Files.size(file())).isEqualTo(3L * SegmentIndex.ENTRY_SIZE);
    index.append(1040, 400, 90);
    assertThat(index.positionForOffset(1040)).isEqualTo(400);
  }

  @Test
  void shouldJudgeConsistencyByTheLastPosition() throws IOException {
    SegmentIndex index = threeEntries();

    assertThat(index.isConsistentWith(301)).isTrue();
    assertThat(index.isConsistentWith(300)).isFalse();
  }

  @Test
  void shouldBeConsistentWithAnyLogWhenEmpty() throws IOException {
    assertThat(open().isConsistentWith(0)).isTrue();
  }

  @Test
  void shouldAgreeWithALinearSearchOnRandomEntries(Random random) throws IOException {
    SegmentIndex index = open();
    int count = 1 + random.nextInt(2000);
    long[] offsets = new long[count];
    int[] positions = new int[count];
    long[] maxTimestamps = new long[count];
    long offset = BASE;
    int position = 0;
    long max = -1;
    for (int i = 0; i < count; i++) {
      offset += 1 + random.nextInt(50);
      position += 1 + random.nextInt(5000);
      max = Math.max(max, random.nextInt(1_000_000));
      offsets[i] = offset;
      positions[i] = position;
      maxTimestamps[i] = max;
      index.append(offset, position, max);
    }
    for (int probe = 0; probe < 2000; probe++) {
      long targetOffset = BASE + random.nextLong(offset - BASE + 100);
      int targetPosition = random.nextInt(position + 100);
      long targetTimestamp = random.nextLong(1_000_100);
      int byOffset = 0;
      int byPosition = 0;
      int byTimestamp = 0;
      for (int i = 0; i < count; i++) {
        if (offsets[i] <= targetOffset) {
          byOffset = positions[i];
        }
        if (positions[i] <= targetPosition) {
          byPosition = positions[i];
        }
        if (maxTimestamps[i] < targetTimestamp) {
          byTimestamp = positions[i];
        }
      }
      assertThat(index.positionForOffset(targetOffset))
          .as("offset %d", targetOffset)
          .isEqualTo(byOffset);
      assertThat(index.batchPositionAtOrBefore(targetPosition)).isEqualTo(byPosition);
      assertThat(index.positionForTimestamp(targetTimestamp)).isEqualTo(byTimestamp);
    }
  }

  @Test
  void shouldServeBufferedEntriesBeforeTheyAreWritten() throws IOException {
    SegmentIndex index = threeEntries();

    assertThat(Files.size(file())).isZero();
    assertThat(index.pendingEntryCount()).isEqualTo(3);
    assertThat(index.positionForOffset(1025)).isEqualTo(200);
    assertThat(index.positionForTimestamp(71)).isEqualTo(300);
    assertThat(index.batchPositionAtOrBefore(250)).isEqualTo(200);
    assertThat(index.lastMaxTimestamp()).isEqualTo(70);
  }

  @Test
  void shouldWriteAFullChunkBeforeBufferingTheNextEntry() throws IOException {
    SegmentIndex index = open();
    int count = SegmentIndex.CHUNK_ENTRIES * 2 + 5;
    for (int i = 1; i <= count; i++) {
      index.append(BASE + i, i * 10, i);
    }

    assertThat(Files.size(file())).isEqualTo(2L * SegmentIndex.CHUNK_ENTRIES * 16);
    assertThat(index.pendingEntryCount()).isEqualTo(5);
    assertThat(index.entryCount()).isEqualTo(count);
    for (int i = 1; i <= count; i++) {
      assertThat(index.positionForOffset(BASE + i)).isEqualTo(i * 10);
    }
  }

  @Test
  void shouldWriteBufferedEntriesOnFlushAndOnClose() throws IOException {
    SegmentIndex index = threeEntries();

    index.flush();

    assertThat(Files.size(file())).isEqualTo(3L * SegmentIndex.ENTRY_SIZE);
    assertThat(index.pendingEntryCount()).isZero();
    index.append(1040, 400, 90);
    index.close();
    opened.clear();
    SegmentIndex reopened = open();
    assertThat(reopened.entryCount()).isEqualTo(4);
    assertThat(reopened.positionForOffset(1045)).isEqualTo(400);
  }

  @Test
  void shouldTruncateAcrossWrittenAndBufferedEntries(Random random) throws IOException {
    for (int round = 0; round < 20; round++) {
      Path file = directory.resolve("round-" + round + ".index");
      try (SegmentIndex index = SegmentIndex.open(FileIo.DEFAULT, file, BASE)) {
        int count = random.nextInt(3 * SegmentIndex.CHUNK_ENTRIES);
        for (int i = 1; i <= count; i++) {
          index.append(BASE + i, i * 10, i);
        }
        int cut = random.nextInt(count * 10 + 20);
        int kept = Math.min(count, Math.max(0, (cut - 1) / 10));

        index.truncateToPosition(cut);

        assertThat(index.entryCount())
            .as("entries kept below %d of %d", cut, count)
            .isEqualTo(kept);
        assertThat(Files.size(file)).isLessThanOrEqualTo((long) kept * SegmentIndex.ENTRY_SIZE);
        assertThat(index.batchPositionAtOrBefore(Integer.MAX_VALUE)).isEqualTo(kept * 10);
        int more = random.nextInt(2 * SegmentIndex.CHUNK_ENTRIES);
        for (int i = kept + 1; i <= kept + more; i++) {
          index.append(BASE + i, i * 10, i);
        }
        for (int i = 1; i <= kept + more; i++) {
          assertThat(index.positionForOffset(BASE + i)).isEqualTo(i * 10);
        }
        index.writePendingEntries();
        assertThat(Files.size(file)).isEqualTo((long) (kept + more) * SegmentIndex.ENTRY_SIZE);
      }
    }
  }

  /**
   * A reader searching while the writer fills chunks and writes them out must find every entry it
   * was told about (through entryCount), in memory or in the file, never a wrong position.
   */
  @Test
  void shouldShowEveryPublishedEntryToAConcurrentReader(Random random) throws Exception {
    SegmentIndex index = open();
    int count = 40 * SegmentIndex.CHUNK_ENTRIES;
    AtomicReference<Throwable> failure = new AtomicReference<>();
    long readerSeed = random.nextLong();
    Thread reader =
        new Thread(
            () -> {
              Random readerRandom = new Random(readerSeed);
              try {
                int seen;
                do {
                  seen = index.entryCount();
                  if (seen > 0) {
                    int i = 1 + readerRandom.nextInt(seen);
                    int found = index.positionForOffset(BASE + i * 10L + 5);
                    if (found != i * 100) {
                      throw new AssertionError(
                          "entry " + i + " of " + seen + " published: found position " + found);
                    }
                  }
                } while (seen < count);
              } catch (Throwable t) {
                failure.set(t);
              }
            });
    reader.start();
    for (int i = 1; i <= count; i++) {
      index.append(BASE + i * 10L, i * 100, i);
    }
    reader.join(60_000);
    assertThat(reader.isAlive()).isFalse();
    assertThat(failure.get()).isNull();
  }
}
