package io.millrace.log.segment;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The index lookups agree with a linear scan of the entries, for indexes smaller and larger than
 * the block a search reads at once, and for keys before, between, on and after the entries.
 */
class SegmentIndexSearchTest {

  private static final long SEED = 20_261_125L;
  private static final long BASE = 5_000;

  @TempDir Path directory;

  private record Entry(long offset, int position, long maxTimestamp) {}

  @Test
  void shouldAnswerEveryLookupAsALinearScanWould() throws IOException {
    Random random = new Random(SEED);
    int[] sizes = {0, 1, 2, 255, 256, 257, 1000, SegmentIndex.SEARCH_BLOCK_ENTRIES * 9 + 7};
    for (int size : sizes) {
      Path file = directory.resolve("index-" + size);
      try (SegmentIndex index = SegmentIndex.open(FileIo.DEFAULT, file, BASE)) {
        List<Entry> entries = fill(index, size, random);
        long lastOffset = entries.isEmpty() ? BASE : entries.getLast().offset();
        for (int probe = 0; probe < 2_000; probe++) {
          long offset = BASE + random.nextLong(lastOffset - BASE + 40);
          int position =
              random.nextInt(entries.isEmpty() ? 100 : entries.getLast().position() + 100);
          long timestamp = random.nextLong(2_000 + 30L * size);
          String context = "seed " + SEED + ", " + size + " entries, probe " + probe;

          assertThat(index.positionForOffset(offset))
              .as(context + ", offset " + offset)
              .isEqualTo(lastPositionWhere(entries, e -> e.offset() <= offset));
          assertThat(index.batchPositionAtOrBefore(position))
              .as(context + ", position " + position)
              .isEqualTo(lastPositionWhere(entries, e -> e.position() <= position));
          assertThat(index.positionForTimestamp(timestamp))
              .as(context + ", timestamp " + timestamp)
              .isEqualTo(lastPositionWhere(entries, e -> e.maxTimestamp() <= timestamp - 1));
        }
      }
    }
  }

  /** Entries with growing offsets and positions and a non-decreasing running max timestamp. */
  private static List<Entry> fill(SegmentIndex index, int size, Random random) throws IOException {
    List<Entry> entries = new ArrayList<>();
    long offset = BASE;
    int position = 0;
    long maxTimestamp = 1_000;
    for (int i = 0; i < size; i++) {
      offset += 1 + random.nextInt(20);
      position += 1 + random.nextInt(20_000);
      maxTimestamp += random.nextInt(3) == 0 ? 0 : random.nextInt(60);
      index.append(offset, position, maxTimestamp);
      entries.add(new Entry(offset, position, maxTimestamp));
    }
    return entries;
  }

  private static int lastPositionWhere(
      List<Entry> entries, java.util.function.Predicate<Entry> condition) {
    int position = 0;
    for (Entry entry : entries) {
      if (condition.test(entry)) {
        position = entry.position();
      }
    }
    return position;
  }
}
