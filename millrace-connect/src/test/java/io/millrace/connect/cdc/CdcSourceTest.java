package io.millrace.connect.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.millrace.connect.SourcePositionStore;
import io.millrace.connect.testing.ChangeEvents;
import io.millrace.connect.testing.ChangeEvents.Event;
import io.millrace.connect.testing.PostgresServer;
import io.millrace.log.Log;
import io.millrace.log.testing.LogExtension;
import io.millrace.log.write.TopicWriter;
import io.millrace.log.write.WriterOptions;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The CDC source against a real PostgreSQL ({@code wal_level=logical}) started by the test. */
@Tag("system")
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class CdcSourceTest {

  private static final Duration WAIT = Duration.ofSeconds(90);
  private static PostgresServer postgres;

  @RegisterExtension final LogExtension logs = new LogExtension();
  private CdcSource source;

  @BeforeAll
  static void startPostgres() throws Exception {
    Path bin = PostgresServer.installedForTest();
    postgres = PostgresServer.startLogical(bin);
  }

  @AfterAll
  static void stopPostgres() throws Exception {
    if (postgres != null) {
      postgres.close();
    }
  }

  @AfterEach
  void stopSource() {
    if (source != null) {
      source.close();
    }
  }

  static CdcSourceConfig config(String name, String tablePattern) {
    CdcSourceConfig base =
        CdcSourceConfig.of(name, "127.0.0.1", postgres.port(), "postgres", "postgres", "", name);
    return new CdcSourceConfig(
        base.name(),
        base.hostname(),
        base.port(),
        base.database(),
        base.username(),
        base.password(),
        base.topicPrefix(),
        "{prefix}.{table}",
        1,
        false,
        List.of(tablePattern),
        List.of(),
        List.of("public\\..*\\.secret"),
        List.of("public\\..*\\.card"),
        4,
        base.slotName(),
        "pub_" + name,
        "all_tables",
        SnapshotMode.INITIAL,
        1_000,
        500,
        Map.of());
  }

  private CdcSource start(Log log, CdcSourceConfig config) {
    TopicWriter writer = new TopicWriter(log, WriterOptions.DEFAULTS);
    source =
        new CdcSource(
            config,
            log,
            writer,
            new SourcePositionStore(log, writer, new ObjectMapper()),
            new SimpleMeterRegistry(),
            Clock.systemUTC());
    source.start();
    return source;
  }

  private static void sql(Connection db, String... statements) throws Exception {
    try (Statement statement = db.createStatement()) {
      for (String sql : statements) {
        statement.execute(sql);
      }
    }
  }

  @Test
  void whenTableHasRowsAndChangesFollow_thenSnapshotThenEveryChangeInCommitOrder()
      throws Exception {
    try (Connection db = postgres.connect()) {
      sql(
          db,
          "CREATE TABLE orders (id int PRIMARY KEY, item text, qty int, secret text, card text)",
          "ALTER TABLE orders REPLICA IDENTITY FULL",
          "INSERT INTO orders VALUES (1, 'apple', 1, 's1', '4111'), (2, 'pear', 2, 's2', '4222'),"
              + " (3, 'plum', 3, 's3', '4333')");
      Log log = logs.open();
      start(log, config("orders_src", "public\\.orders"));
      await()
          .atMost(WAIT)
          .failFast(() -> source.state() == CdcSource.State.FAILED)
          .until(() -> ChangeEvents.read(log, "orders_src.orders").size() >= 3);

      sql(
          db,
          "INSERT INTO orders VALUES (4, 'fig', 4, 's4', '4444')",
          "UPDATE orders SET qty = 20 WHERE id = 2",
          "DELETE FROM orders WHERE id = 1");
      db.setAutoCommit(false);
      sql(
          db,
          "INSERT INTO orders VALUES (5, 'kiwi', 5, 's5', '4555')",
          "UPDATE orders SET item = 'kiwi2' WHERE id = 5",
          "DELETE FROM orders WHERE id = 3");
      db.commit();
      db.setAutoCommit(true);

      // 3 snapshot reads, insert, update, delete + tombstone, then the transaction's 3 changes
      // and the tombstone of its delete
      await()
          .atMost(WAIT)
          .failFast(() -> source.state() == CdcSource.State.FAILED)
          .until(() -> ChangeEvents.read(log, "orders_src.orders").size() >= 11);
      List<Event> events = ChangeEvents.read(log, "orders_src.orders");
      assertThat(events)
          .extracting(Event::op)
          .containsExactly("r", "r", "r", "c", "u", "d", "tombstone", "c", "u", "d", "tombstone");
      assertThat(events.get(0).key().path("id").asInt()).isEqualTo(1);
      assertThat(events.get(0).after().path("item").asText()).isEqualTo("apple");
      assertThat(events.get(0).value().path("source").path("snapshot").asText())
          .isNotEqualTo("false");
      Event update = events.get(4);
      assertThat(update.before().path("qty").asInt()).isEqualTo(2);
      assertThat(update.after().path("qty").asInt()).isEqualTo(20);
      Event delete = events.get(5);
      assertThat(delete.before().path("item").asText()).isEqualTo("apple");
      assertThat(delete.value().path("after").isNull()).isTrue();
      assertThat(events.get(6).key().path("id").asInt()).isEqualTo(1);
      // one transaction: one txId, and LSNs that grow in commit order
      List<Event> tx = events.subList(7, 10);
      assertThat(tx)
          .extracting(e -> e.value().path("source").path("txId").asLong())
          .containsOnly(tx.get(0).value().path("source").path("txId").asLong());
      assertThat(events.get(3).value().path("source").path("txId").asLong())
          .isLessThan(tx.get(0).value().path("source").path("txId").asLong());
      for (Event event : events) {
        if (!event.isTombstone()) {
          assertThat(event.value().path("source").path("ts_ms").asLong()).isPositive();
          assertThat(event.value().path("source").path("table").asText()).isEqualTo("orders");
          // excluded at capture time, and masked
          assertThat(event.after().has("secret")).isFalse();
          assertThat(event.before().has("secret")).isFalse();
          if (event.after().has("card")) {
            assertThat(event.after().path("card").asText()).isEqualTo("****");
          }
        }
      }
      await()
          .atMost(WAIT)
          .failFast(() -> source.state() == CdcSource.State.FAILED)
          .until(() -> source.status().lagBytes() >= 0 && source.status().lagMs() >= 0);
      assertThat(source.state()).isEqualTo(CdcSource.State.STREAMING);
    }
  }

  private static void insertRange(Connection db, String table, int from, int to) throws Exception {
    try (Statement statement = db.createStatement()) {
      for (int id = from; id <= to; id++) {
        statement.execute("INSERT INTO " + table + " (id, n) VALUES (" + id + ", " + id + ")");
      }
    }
  }

  /**
   * The ids of the topic's insert (and snapshot) events in log order, each position once; asserts
   * that every repeated position repeats the same event (a duplicate at a resume boundary) and
   * returns how many duplicates there were.
   */
  private static int assertInsertsInCommitOrder(List<Event> events, int expectedCount) {
    Map<String, Integer> idByPosition = new java.util.HashMap<>();
    List<Integer> ids = new java.util.ArrayList<>();
    int duplicates = 0;
    for (Event event : events) {
      if (!"c".equals(event.op()) && !"r".equals(event.op())) {
        continue;
      }
      int id = event.after().path("id").asInt();
      // rows committed before the slot existed come from the snapshot (all at its LSN)
      String position = "r".equals(event.op()) ? "snapshot/" + id : event.position();
      Integer earlier = idByPosition.putIfAbsent(position, id);
      if (earlier != null) {
        assertThat(earlier).as("a repeated position repeats its event").isEqualTo(id);
        duplicates++;
      } else {
        ids.add(id);
      }
    }
    assertThat(ids)
        .as("every insert once, in commit order")
        .containsExactlyElementsOf(
            java.util.stream.IntStream.rangeClosed(1, expectedCount).boxed().toList());
    return duplicates;
  }

  @Test
  void whenSourceRestartsInTheMiddleOfAStream_thenNothingIsMissedAndDuplicatesRepeatTheirPosition()
      throws Exception {
    try (Connection db = postgres.connect()) {
      sql(db, "CREATE TABLE stream_rows (id int PRIMARY KEY, n int)");
      Log log = logs.open();
      start(log, config("restart_src", "public\\.stream_rows"));
      insertRange(db, "stream_rows", 1, 300);
      // Positions are stored at most once a second: wait for the first, so the restart resumes
      // from a stored position (a source stopped before any is stored starts over, by design).
      await()
          .atMost(WAIT)
          .failFast(() -> source.state() == CdcSource.State.FAILED)
          .until(
              () ->
                  ChangeEvents.read(log, "restart_src.stream_rows").size() >= 20
                      && !source.status().offsets().isEmpty());
      source.close(); // in the middle: rows may still be streaming
      int beforeRestart = ChangeEvents.read(log, "restart_src.stream_rows").size();
      Log reopened = logs.reopen(log);
      insertRange(db, "stream_rows", 301, 400); // while stopped
      start(reopened, config("restart_src", "public\\.stream_rows"));
      insertRange(db, "stream_rows", 401, 500); // after the restart
      await()
          .atMost(WAIT)
          .failFast(() -> source.state() == CdcSource.State.FAILED)
          .until(() -> ChangeEvents.read(reopened, "restart_src.stream_rows").size() >= 500);
      int duplicates =
          assertInsertsInCommitOrder(ChangeEvents.read(reopened, "restart_src.stream_rows"), 500);
      // Where the close lands is not controlled (rows 1-300 may all have been written by then);
      // shown, not asserted.
      System.out.printf(
          "restart test: %d events before the restart, %d duplicates%n", beforeRestart, duplicates);
      // Only changes written before the restart come again (those after the last stored
      // position); the 200 rows inserted while stopped and after the restart come once.
      assertThat(duplicates)
          .as("duplicates only at the resume boundary")
          .isLessThanOrEqualTo(beforeRestart);
    }
  }

  @Test
  void whenTheDatabaseRestarts_thenTheSourceReconnectsAndResumes() throws Exception {
    try (Connection db = postgres.connect()) {
      sql(db, "CREATE TABLE db_restart (id int PRIMARY KEY, n int)");
      insertRange(db, "db_restart", 1, 50);
    }
    Log log = logs.open();
    start(log, config("dbrestart_src", "public\\.db_restart"));
    await()
        .atMost(WAIT)
        .failFast(() -> source.state() == CdcSource.State.FAILED)
        .until(() -> ChangeEvents.read(log, "dbrestart_src.db_restart").size() >= 50);
    postgres.stopServer();
    postgres.startServer();
    try (Connection db = postgres.connect()) {
      insertRange(db, "db_restart", 51, 120);
    }
    await()
        .atMost(WAIT)
        .failFast(() -> source.state() == CdcSource.State.FAILED)
        .until(
            () ->
                ChangeEvents.read(log, "dbrestart_src.db_restart").stream()
                        .filter(e -> "c".equals(e.op()))
                        .count()
                    >= 70);
    List<Event> events = ChangeEvents.read(log, "dbrestart_src.db_restart");
    assertThat(events.subList(0, 50)).extracting(Event::op).containsOnly("r");
    List<Event> inserts = events.stream().filter(e -> "c".equals(e.op())).toList();
    assertThat(inserts.stream().map(e -> e.after().path("id").asInt()).distinct().toList())
        .containsExactlyElementsOf(
            java.util.stream.IntStream.rangeClosed(51, 120).boxed().toList());
  }

  @Test
  void whenATableMatchingTheIncludePatternIsCreatedOrAltered_thenItsChangesAreCaptured()
      throws Exception {
    try (Connection db = postgres.connect()) {
      sql(db, "CREATE TABLE dyn_a (id int PRIMARY KEY, n int)", "INSERT INTO dyn_a VALUES (1, 1)");
      Log log = logs.open();
      start(log, config("dyn_src", "public\\.dyn_.*"));
      await()
          .atMost(WAIT)
          .failFast(() -> source.state() == CdcSource.State.FAILED)
          .until(() -> ChangeEvents.read(log, "dyn_src.dyn_a").size() >= 1);
      sql(
          db,
          "CREATE TABLE dyn_b (id int PRIMARY KEY, label text)",
          "INSERT INTO dyn_b VALUES (7, 'new table')",
          "ALTER TABLE dyn_a ADD COLUMN note text",
          "INSERT INTO dyn_a VALUES (2, 2, 'with a note')",
          "CREATE TABLE other_c (id int PRIMARY KEY)",
          "INSERT INTO other_c VALUES (1)");
      await()
          .atMost(WAIT)
          .failFast(() -> source.state() == CdcSource.State.FAILED)
          .until(
              () ->
                  ChangeEvents.read(log, "dyn_src.dyn_b").size() >= 1
                      && ChangeEvents.read(log, "dyn_src.dyn_a").size() >= 2);
      Event created = ChangeEvents.read(log, "dyn_src.dyn_b").get(0);
      assertThat(created.op()).isEqualTo("c");
      assertThat(created.after().path("label").asText()).isEqualTo("new table");
      Event altered = ChangeEvents.read(log, "dyn_src.dyn_a").get(1);
      assertThat(altered.after().path("note").asText()).isEqualTo("with a note");
      assertThat(log.describeTopic("dyn_src.other_c")).as("not included").isEmpty();
    }
  }
}
