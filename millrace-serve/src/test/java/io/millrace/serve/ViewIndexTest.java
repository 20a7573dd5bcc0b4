package io.millrace.serve;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.log.format.LogRecord;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The index alone: scans that skip expired rows, bounded pages, purges, wipes. */
class ViewIndexTest {

  @TempDir Path dir;

  private static LogRecord record(long offset, long timestampMs, String key, String value) {
    return new LogRecord(
        offset,
        timestampMs,
        key.getBytes(StandardCharsets.UTF_8),
        value == null ? null : value.getBytes(StandardCharsets.UTF_8),
        List.of());
  }

  private static String key(ViewIndex.Row row) {
    return new String(row.key(), StandardCharsets.UTF_8);
  }

  @Test
  void whenMostRowsAreExpired_thenBoundedPagesStillReachEveryLiveRowOnce() {
    try (ViewIndex index = openWith50RowsEveryFifthLive()) {
      List<String> seen = new ArrayList<>();
      byte[] after = null;
      int pages = 0;
      do {
        ViewIndex.Page page = index.scan(null, null, null, after, 3, 4, 1_000);
        assertThat(page.rows()).hasSizeLessThanOrEqualTo(3);
        page.rows().forEach(row -> seen.add(key(row)));
        after = page.lastExaminedKey();
        pages++;
      } while (after != null && pages < 100);
      assertThat(seen)
          .containsExactly("k00", "k05", "k10", "k15", "k20", "k25", "k30", "k35", "k40", "k45");
      assertThat(pages).isGreaterThan(10); // at most 4 keys looked at per page
    }
  }

  @Test
  void shouldPurgeExactlyTheExpiredRows() {
    try (ViewIndex index = openWith50RowsEveryFifthLive()) {
      assertThat(index.purgeExpired(1_000)).isEqualTo(40);
      assertThat(index.purgeExpired(1_000)).isZero();
      assertThat(index.scan(null, null, null, null, 100, 100, Long.MIN_VALUE).rows())
          .extracting(ViewIndexTest::key)
          .hasSize(10)
          .allMatch(k -> Integer.parseInt(k.substring(1)) % 5 == 0);
    }
  }

  @Test
  void shouldStartEmptyAfterAWipeAndKeepTheTopicId() throws Exception {
    try (ViewIndex index = openWith50RowsEveryFifthLive()) {
      assertThat(index.nextOffset(0)).isEqualTo(50);
      index.wipe();
      assertThat(index.nextOffset(0)).isEqualTo(-1);
      assertThat(index.get("k00".getBytes(StandardCharsets.UTF_8), Long.MIN_VALUE)).isNull();
    }
    try (ViewIndex reopened = ViewIndex.open(dir.resolve("index"), "topic-1")) {
      assertThat(reopened.wasRebuilt()).isFalse();
    }
    try (ViewIndex other = ViewIndex.open(dir.resolve("index"), "topic-2")) {
      assertThat(other.wasRebuilt()).isTrue();
    }
  }

  /** k00..k49; every fifth has timestamp 2 000, the others 500 (expired before 1 000). */
  private ViewIndex openWith50RowsEveryFifthLive() {
    try {
      ViewIndex index = ViewIndex.open(dir.resolve("index"), "topic-1");
      List<LogRecord> records = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        records.add(record(i, i % 5 == 0 ? 2_000 : 500, String.format("k%02d", i), "{}"));
      }
      index.apply(0, records, 50, Long.MIN_VALUE);
      return index;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
