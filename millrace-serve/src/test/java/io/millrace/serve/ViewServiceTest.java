package io.millrace.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.millrace.engine.view.ViewCatalog;
import io.millrace.log.CleanupPolicy;
import io.millrace.log.TopicConfig;
import io.millrace.log.TopicPartition;
import io.millrace.log.segment.Io;
import io.millrace.log.testing.LogExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Views over a real log: upserts, deletes, TTL, discovery, rebuilds and read-your-writes. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ViewServiceTest {

  @RegisterExtension final LogExtension logs = new LogExtension();
  private ViewFixture views;

  @BeforeEach
  void open() throws Exception {
    views = new ViewFixture(logs);
    views.start();
  }

  @AfterEach
  void close() {
    views.close();
  }

  @Test
  void shouldKeepTheLatestValuePerKeyAndDeleteOnNull() {
    views.service.ensureView("profiles", 0);
    views.put("profiles", "alice", "{\"age\":30}");
    views.put("profiles", "bob", "{\"age\":40}");
    views.put("profiles", "alice", "{\"age\":31}");
    views.put("profiles", "bob", null);
    views.awaitCaughtUp("profiles");

    assertThat(views.get("profiles", "alice")).isEqualTo("{\"age\":31}");
    assertThat(views.get("profiles", "bob")).isNull();
    assertThat(views.get("profiles", "carol")).isNull();
    ViewIndex.Row alice = views.view("profiles").get("alice".getBytes(StandardCharsets.UTF_8));
    assertThat(alice.offset()).isEqualTo(2);
    assertThat(alice.timestampMs()).isEqualTo(LogExtension.START_MS);
  }

  @Test
  void shouldCreateACompactedChangelogOnceAndSkipKeylessRecords() {
    views.service.ensureView("orders", 0);
    views.service.ensureView("orders", 0);
    var topic = views.log.describeTopic("__view.orders").orElseThrow();
    assertThat(topic.config().cleanupPolicy()).isEqualTo(CleanupPolicy.COMPACT);
    assertThat(topic.isInternal()).isTrue();

    // The log refuses keyless records on a compacted topic: the runtime dead-letters them.
    var refused =
        views.writer.tryWrite(
            "__view.orders",
            java.util.List.of(io.millrace.log.write.WriteRecord.of(null, new byte[] {'1'})));
    assertThat(refused.status()).isEqualTo(io.millrace.log.write.WriteStatus.INVALID_RECORD);
  }

  @Test
  void shouldSkipKeylessRecordsOfAChangelogThatIsNotCompacted() {
    views.log.createTopic("__view.loose", 1, Map.of());
    await().atMost(Duration.ofSeconds(30)).until(() -> views.service.view("loose").isPresent());
    views.put("loose", null, "{\"no\":\"key\"}");
    views.put("loose", "o1", "{}");
    views.awaitCaughtUp("loose");
    assertThat(views.view("loose").indexer().keylessRecords()).isEqualTo(1);
    assertThat(views.get("loose", "o1")).isEqualTo("{}");
  }

  @Test
  void shouldRefuseInvalidNamesAndNegativeTtls() {
    assertThatThrownBy(() -> views.service.ensureView("a.b", 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("invalid view name 'a.b'");
    assertThatThrownBy(() -> views.service.ensureView("x".repeat(201), 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> views.service.ensureView("ok", -1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must be >= 0");
    assertThat(ViewCatalog.viewOf("__view.ok")).hasValue("ok");
    assertThat(ViewCatalog.viewOf("__view.a.b")).isEmpty();
    assertThat(ViewCatalog.viewOf("orders")).isEmpty();
  }

  @Test
  void whenRowsOutliveTheTtl_thenTheyReadAsAbsentAndArePurged() throws Exception {
    views.service.ensureView("sessions", 60_000);
    views.put("sessions", "old", "1");
    logs.clock().advanceMillis(30_000);
    views.put("sessions", "new", "2");
    views.awaitCaughtUp("sessions");
    assertThat(views.get("sessions", "old")).isEqualTo("1");

    logs.clock().advanceMillis(30_001); // old is 60.001 s old, new 30.001 s
    assertThat(views.get("sessions", "old")).isNull();
    assertThat(views.get("sessions", "new")).isEqualTo("2");
    assertThat(views.view("sessions").scan(null, null, null, null, 10, 100).rows())
        .extracting(row -> new String(row.key(), StandardCharsets.UTF_8))
        .containsExactly("new");

    // The purge (due: more than purge_interval_ms of clock time passed) deletes the row for real.
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> views.view("sessions").indexer().purgedRows() == 1);
    String topicId = views.log.describeTopic("__view.sessions").orElseThrow().topicId().toString();
    views.service.close();
    Path index = views.viewsDirectory().resolve("sessions").resolve("index");
    try (ViewIndex raw = ViewIndex.open(index, topicId)) {
      assertThat(raw.wasRebuilt()).isFalse();
      assertThat(raw.get("old".getBytes(StandardCharsets.UTF_8), Long.MIN_VALUE)).isNull();
      assertThat(raw.get("new".getBytes(StandardCharsets.UTF_8), Long.MIN_VALUE)).isNotNull();
    }
  }

  @Test
  void whenTheTtlIsKnown_thenARebuildAppliesItToo() throws Exception {
    views.service.ensureView("sessions", 10_000);
    views.put("sessions", "old", "1");
    logs.clock().advanceMillis(20_000);
    views.put("sessions", "new", "2");
    views.awaitCaughtUp("sessions");
    views.service.close();
    Io.deleteRecursively(views.viewsDirectory().resolve("sessions").resolve("index"));

    views.start();
    views.awaitCaughtUp("sessions");
    assertThat(views.view("sessions").ttlMs()).isEqualTo(10_000);
    assertThat(views.get("sessions", "old")).isNull();
    assertThat(views.get("sessions", "new")).isEqualTo("2");
  }

  @Test
  void shouldRebuildTheIndexAfterItsFilesAreDeleted() throws Exception {
    views.service.ensureView("profiles", 0);
    for (int i = 0; i < 1_000; i++) {
      views.put("profiles", "k" + (i % 100), "{\"i\":" + i + "}");
    }
    views.put("profiles", "k7", null);
    views.awaitCaughtUp("profiles");
    views.service.close();
    Path index = views.viewsDirectory().resolve("profiles").resolve("index");
    Io.deleteRecursively(index);

    views.start();
    assertThat(views.view("profiles").indexer().state())
        .isIn(ViewIndexer.State.BUILDING, ViewIndexer.State.LIVE);
    views.awaitCaughtUp("profiles");
    assertThat(Files.isDirectory(index)).isTrue();
    assertThat(views.get("profiles", "k3")).isEqualTo("{\"i\":903}");
    assertThat(views.get("profiles", "k7")).isNull();
    assertThat(views.view("profiles").scan(null, null, null, null, 1_000, 10_000).rows())
        .hasSize(99);
  }

  @Test
  void shouldRebuildAnIndexThatCannotBeOpened() throws Exception {
    views.service.ensureView("profiles", 0);
    views.put("profiles", "a", "1");
    views.awaitCaughtUp("profiles");
    views.service.close();
    Path index = views.viewsDirectory().resolve("profiles").resolve("index");
    Files.writeString(index.resolve("CURRENT"), "MANIFEST-999999\n");

    views.start();
    views.awaitCaughtUp("profiles");
    assertThat(views.get("profiles", "a")).isEqualTo("1");
  }

  @Test
  void whenThePositionIsBelowTheLogStart_thenTheIndexIsRebuilt() throws Exception {
    views.service.ensureView("profiles", 0);
    views.put("profiles", "a", "1");
    views.put("profiles", "b", "2");
    views.awaitCaughtUp("profiles");
    views.service.close();
    views.put("profiles", "a", "3");
    views.put("profiles", "c", "4");
    // Records 0..2 go: the index's position (2) is now below the log start (3).
    views.log.partition(new TopicPartition("__view.profiles", 0)).deleteRecordsBefore(3);

    views.start();
    views.awaitCaughtUp("profiles");
    assertThat(views.get("profiles", "a")).isNull(); // its record went with the deleted ones
    assertThat(views.get("profiles", "b")).isNull();
    assertThat(views.get("profiles", "c")).isEqualTo("4");
  }

  @Test
  void shouldDiscoverChangelogsCreatedThroughTheLogAndDropDeletedOnes() throws Exception {
    views.log.createTopic(
        "__view.made_by_admin",
        2,
        Map.of(TopicConfig.CLEANUP_POLICY, CleanupPolicy.COMPACT.configName()));
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> views.service.view("made_by_admin").isPresent());
    views.put("made_by_admin", "k", "\"v\"");
    views.awaitCaughtUp("made_by_admin");
    assertThat(views.get("made_by_admin", "k")).isEqualTo("\"v\"");
    Path files = views.viewsDirectory().resolve("made_by_admin");
    assertThat(files).isDirectory();

    views.log.deleteTopic("__view.made_by_admin");
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> views.service.view("made_by_admin").isEmpty());
    assertThat(files).doesNotExist();
  }

  @Test
  void whenTheChangelogIsRecreated_thenTheOldRowsAreGone() throws Exception {
    views.service.ensureView("profiles", 0);
    views.put("profiles", "a", "1");
    views.awaitCaughtUp("profiles");
    views.service.close();
    views.log.deleteTopic("__view.profiles");
    views.log.createTopic(
        "__view.profiles",
        1,
        Map.of(TopicConfig.CLEANUP_POLICY, CleanupPolicy.COMPACT.configName()));
    views.put("profiles", "b", "2");

    views.start();
    views.awaitCaughtUp("profiles");
    assertThat(views.get("profiles", "a")).isNull();
    assertThat(views.get("profiles", "b")).isEqualTo("2");
  }

  @Test
  void shouldWaitForAnOffsetToBeAppliedAndGiveUpAtTheTimeout() throws Exception {
    views.service.ensureView("profiles", 0);
    long offset = views.put("profiles", "a", "1");
    View view = views.view("profiles");
    assertThat(view.indexer().awaitApplied(0, offset, 10_000)).isTrue();
    assertThat(views.get("profiles", "a")).isEqualTo("1");

    long start = System.nanoTime();
    assertThat(view.indexer().awaitApplied(0, offset + 5, 200)).isFalse();
    assertThat(System.nanoTime() - start)
        .isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(200));
  }

  @Test
  void shouldAnswerTheSameAfterARestartInTheMiddleOfAStream() throws Exception {
    views.service.ensureView("counts", 0);
    Map<String, String> expected = new java.util.TreeMap<>();
    for (int round = 0; round < 5; round++) {
      java.util.List<String[]> batch = new java.util.ArrayList<>();
      for (int i = 0; i < 2_000; i++) {
        String key = "k" + ((round * 7919 + i * 31) % 500);
        String value = (i % 13 == 0) ? null : "{\"round\":" + round + ",\"i\":" + i + "}";
        batch.add(new String[] {key, value});
        if (value == null) {
          expected.remove(key);
        } else {
          expected.put(key, value);
        }
      }
      views.putAll("counts", batch);
      views.restart(); // mid-stream: the indexer may be anywhere in the batch
    }
    views.awaitCaughtUp("counts");
    Map<String, String> actual = new java.util.TreeMap<>();
    for (ViewIndex.Row row :
        views.view("counts").scan(null, null, null, null, 1_000, 10_000).rows()) {
      actual.put(
          new String(row.key(), StandardCharsets.UTF_8),
          new String(row.value(), StandardCharsets.UTF_8));
    }
    assertThat(actual).isEqualTo(expected);
  }

  @Test
  void whenTheIndexLosesWhatItHadNotFlushed_thenItResumesFromItsFlushedPosition() throws Exception {
    views.service.ensureView("crashy", 0);
    Map<String, String> expected = new java.util.TreeMap<>();
    java.util.List<String[]> batch = new java.util.ArrayList<>();
    for (int i = 0; i < 3_000; i++) {
      String key = "k" + (i * 17 % 700);
      String value = i % 11 == 0 ? null : "{\"i\":" + i + "}";
      batch.add(new String[] {key, value});
      if (value == null) {
        expected.remove(key);
      } else {
        expected.put(key, value);
      }
      if (batch.size() == 500) {
        views.putAll("crashy", batch);
        batch.clear();
      }
    }
    views.awaitCaughtUp("crashy");
    // A copy of the live files is what kill -9 would leave: no write-ahead log, so whatever was
    // still in the memtables is gone, rows and positions alike.
    Path index = views.viewsDirectory().resolve("crashy").resolve("index");
    Path crashCopy = logs.dataDirectory().resolve("crash-copy");
    io.millrace.log.testing.FileDamage.copyTree(index, crashCopy);
    views.service.close();
    Io.deleteRecursively(index);
    Files.move(crashCopy, index);

    views.start();
    views.awaitCaughtUp("crashy");
    Map<String, String> actual = new java.util.TreeMap<>();
    for (ViewIndex.Row row :
        views.view("crashy").scan(null, null, null, null, 1_000, 10_000).rows()) {
      actual.put(
          new String(row.key(), StandardCharsets.UTF_8),
          new String(row.value(), StandardCharsets.UTF_8));
    }
    assertThat(actual).isEqualTo(expected);
  }
}
