package io.millrace.connect.sink.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.millrace.common.RetryPolicy;
import io.millrace.connect.testing.PostgresServer;
import io.millrace.engine.sink.SinkDelivery;
import io.millrace.engine.sink.SinkRecord;
import io.millrace.engine.sink.SinkResult;
import io.millrace.pipeline.definition.FieldPath;
import io.millrace.pipeline.definition.PostgresOutput;
import io.millrace.pipeline.definition.PostgresOutput.Column;
import io.millrace.pipeline.definition.PostgresOutput.ColumnType;
import io.millrace.pipeline.definition.SourcePosition;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The PostgreSQL sink against a real PostgreSQL server started by the test. */
@Tag("system")
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class PostgresSinkTest {

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static PostgresServer postgres;

  private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
  private final List<PostgresTarget> targets = new ArrayList<>();

  @BeforeAll
  static void startPostgres() throws Exception {
    Path bin = PostgresServer.installedForTest();
    postgres = PostgresServer.start(bin);
  }

  @AfterAll
  static void stopPostgres() throws Exception {
    if (postgres != null) {
      postgres.close();
    }
  }

  @AfterEach
  void closeTargets() {
    targets.forEach(PostgresTarget::close);
    executor.close();
  }

  private PostgresSink sink(String table, PostgresOutput.Mode mode) {
    List<Column> columns =
        List.of(
            new Column("id", FieldPath.parseOrNull("id"), ColumnType.BIGINT, false),
            new Column("name", FieldPath.parseOrNull("user.name"), ColumnType.TEXT, true),
            new Column("score", FieldPath.parseOrNull("score"), ColumnType.DOUBLE_PRECISION, false),
            new Column("active", FieldPath.parseOrNull("active"), ColumnType.BOOLEAN, false),
            new Column("at", FieldPath.parseOrNull("at"), ColumnType.TIMESTAMPTZ, false),
            new Column("doc", FieldPath.parseOrNull("user"), ColumnType.JSONB, false));
    PostgresOutput output =
        new PostgresOutput(
            "db",
            postgres.jdbcUrl(),
            "postgres",
            null,
            table,
            mode,
            mode == PostgresOutput.Mode.UPSERT ? List.of("id") : List.of(),
            columns,
            true,
            50,
            2,
            SourcePosition.startOf("test.yaml"));
    PostgresTarget target = new PostgresTarget(output);
    targets.add(target);
    return new PostgresSink(target, MAPPER, executor);
  }

  private static SinkRecord record(long offset, String json) {
    return new SinkRecord(
        "in",
        0,
        offset,
        0L,
        null,
        json == null ? null : json.getBytes(StandardCharsets.UTF_8),
        List.of());
  }

  private static SinkRecord user(long offset, long id, String name, double score) {
    return record(
        offset,
        "{\"id\":"
            + id
            + ",\"user\":{\"name\":\""
            + name
            + "\"},\"score\":"
            + score
            + ",\"active\":true,\"at\":1767225600000}");
  }

  private static List<Map<String, Object>> rows(String sql) throws Exception {
    List<Map<String, Object>> rows = new ArrayList<>();
    try (Connection db = postgres.connect();
        Statement statement = db.createStatement();
        ResultSet result = statement.executeQuery(sql)) {
      while (result.next()) {
        Map<String, Object> row = new HashMap<>();
        for (int i = 1; i <= result.getMetaData().getColumnCount(); i++) {
          row.put(result.getMetaData().getColumnLabel(i), result.getObject(i));
        }
        rows.add(row);
      }
    }
    return rows;
  }

  private static long count(String table) throws Exception {
    return (Long) rows("SELECT count(*) AS n FROM " + table).get(0).get("n");
  }

  @Test
  void whenUpserting_thenTheTableIsCreatedAndTheLastRecordOfEachKeyWins() throws Exception {
    PostgresSink sink = sink("users_upsert", PostgresOutput.Mode.UPSERT);
    SinkResult first =
        sink.write(
                List.of(
                    user(0, 1, "ann", 1.5),
                    user(1, 2, "bob", 2.5),
                    user(2, 1, "ann again", 3.5), // same key in one batch: the later one wins
                    record(3, "{\"id\":3,\"user\":{\"name\":\"tab\\tand\\nnewline \\\\ é\"}}")))
            .get(30, TimeUnit.SECONDS);
    assertThat(first.allDelivered()).isTrue();
    SinkResult second = sink.write(List.of(user(4, 2, "bob v2", 9.0))).get(30, TimeUnit.SECONDS);
    assertThat(second.allDelivered()).isTrue();

    List<Map<String, Object>> rows =
        rows(
            "SELECT id, name, score, active, at = TIMESTAMPTZ '2026-01-01 00:00:00+00' AS at_ok,"
                + " doc->>'name' AS doc_name FROM users_upsert ORDER BY id");
    assertThat(rows)
        .extracting(r -> r.get("id"), r -> r.get("name"), r -> r.get("score"))
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(1L, "ann again", 3.5),
            org.assertj.core.groups.Tuple.tuple(2L, "bob v2", 9.0),
            org.assertj.core.groups.Tuple.tuple(3L, "tab\tand\nnewline \\ é", null));
    assertThat(rows.get(0)).containsEntry("active", true).containsEntry("at_ok", true);
    assertThat(rows.get(0)).containsEntry("doc_name", "ann again");
    assertThat(rows.get(2)).containsEntry("active", null);
  }

  @Test
  void whenUpsertBatchesAreReplayed_thenTheTableIsUnchanged() throws Exception {
    PostgresSink sink = sink("users_replay", PostgresOutput.Mode.UPSERT);
    List<SinkRecord> first = List.of(user(0, 1, "a", 1), user(1, 2, "b", 2), user(2, 1, "a2", 3));
    List<SinkRecord> second = List.of(user(3, 2, "b2", 4), user(4, 3, "c", 5));
    assertThat(sink.write(first).get(30, TimeUnit.SECONDS).allDelivered()).isTrue();
    assertThat(sink.write(second).get(30, TimeUnit.SECONDS).allDelivered()).isTrue();
    List<Map<String, Object>> before = rows("SELECT * FROM users_replay ORDER BY id");

    // A crash before the input offsets were committed: both batches come again, in order.
    assertThat(sink.write(first).get(30, TimeUnit.SECONDS).allDelivered()).isTrue();
    assertThat(sink.write(second).get(30, TimeUnit.SECONDS).allDelivered()).isTrue();

    assertThat(rows("SELECT * FROM users_replay ORDER BY id")).isEqualTo(before).hasSize(3);
    assertThat(before).extracting(r -> r.get("name")).containsExactly("a2", "b2", "c");
  }

  @Test
  void whenAppending_thenEveryRecordBecomesARowThroughCopy() throws Exception {
    PostgresSink sink = sink("users_append", PostgresOutput.Mode.APPEND);
    List<SinkRecord> batch = new ArrayList<>();
    for (int i = 0; i < 237; i++) { // more than batch_size: COPY is sent in chunks
      batch.add(user(i, i % 10, "u" + i, i));
    }
    assertThat(sink.write(batch).get(30, TimeUnit.SECONDS).allDelivered()).isTrue();
    assertThat(sink.write(batch.subList(0, 3)).get(30, TimeUnit.SECONDS).allDelivered()).isTrue();

    assertThat(count("users_append")).isEqualTo(240);
    assertThat(rows("SELECT sum(score) AS s FROM users_append").get(0).get("s"))
        .isEqualTo(236.0 * 237 / 2 + 0 + 1 + 2);
  }

  @ParameterizedTest
  @EnumSource(PostgresOutput.Mode.class)
  void whenSomeRecordsAreBad_thenEachIsRejectedWithItsReasonAndTheRestLand(PostgresOutput.Mode mode)
      throws Exception {
    String table = "users_bad_" + mode.name().toLowerCase(java.util.Locale.ROOT);
    PostgresSink sink = sink(table, mode);
    List<SinkRecord> batch =
        List.of(
            user(0, 1, "ok one", 1),
            record(1, "{\"id\":2,\"score\":1}"), // no name: NOT NULL, found by PostgreSQL
            record(2, "{\"id\":\"three\",\"user\":{\"name\":\"x\"}}"), // not a bigint
            record(3, "not json at all"),
            user(4, 5, "ok two", 2),
            record(5, "{\"id\":6,\"user\":{\"name\":\"x\"},\"at\":\"yesterday-ish\"}"),
            record(6, null));

    SinkResult result = sink.write(batch).get(30, TimeUnit.SECONDS);

    assertThat(result.rejected())
        .extracting(SinkResult.Rejected::index)
        .containsExactly(1, 2, 3, 5, 6);
    assertThat(result.rejected().get(0).reason())
        .contains("null value in column \"name\"")
        .contains("23502");
    assertThat(result.rejected().get(1).reason()).isEqualTo("column id: \"three\" is not a bigint");
    assertThat(result.rejected().get(2).reason()).startsWith("the value is not JSON");
    assertThat(result.rejected().get(3).reason()).contains("22007");
    assertThat(result.rejected().get(4).reason()).contains("no value");
    assertThat(rows("SELECT id FROM " + table + " ORDER BY id"))
        .extracting(r -> r.get("id"))
        .containsExactly(1L, 5L);
  }

  @ParameterizedTest
  @EnumSource(PostgresOutput.Mode.class)
  void whenTextIsFullOfSyntaxCharacters_thenItArrivesExactlyAsSent(PostgresOutput.Mode mode)
      throws Exception {
    long seed = new Random().nextLong();
    Random random = new Random(seed);
    String alphabet = "ab \"\\{},()'\t\n\rNUL\u00e9\u4e2d\ud83d\ude00";
    String table = "texts_" + mode.name().toLowerCase(java.util.Locale.ROOT);
    PostgresSink sink = sink(table, mode);
    List<SinkRecord> batch = new ArrayList<>();
    Map<Long, String> sent = new HashMap<>();
    for (int i = 0; i < 300; i++) {
      StringBuilder text = new StringBuilder();
      for (int n = random.nextInt(12); n > 0; n--) {
        int at = random.nextInt(alphabet.length());
        text.append(
            Character.isHighSurrogate(alphabet.charAt(at))
                ? alphabet.substring(at, at + 2)
                : Character.isLowSurrogate(alphabet.charAt(at))
                    ? "x"
                    : String.valueOf(alphabet.charAt(at)));
      }
      String value = i % 50 == 0 ? "NULL" : text.toString();
      sent.put((long) i, value);
      batch.add(
          record(
              i,
              "{\"id\":" + i + ",\"user\":{\"name\":" + MAPPER.writeValueAsString(value) + "}}"));
    }

    assertThat(sink.write(batch).get(30, TimeUnit.SECONDS).allDelivered())
        .as("seed %d", seed)
        .isTrue();

    Map<Long, String> stored = new HashMap<>();
    for (Map<String, Object> row : rows("SELECT id, name FROM " + table)) {
      stored.put((Long) row.get("id"), (String) row.get("name"));
    }
    assertThat(stored).as("seed %d", seed).isEqualTo(sent);
  }

  @Test
  void whenBadRowsAreInALongCopy_thenEveryOtherRecordIsWrittenRowByRow() throws Exception {
    PostgresSink sink = sink("users_bad_long", PostgresOutput.Mode.APPEND);
    List<SinkRecord> batch = new ArrayList<>();
    for (int i = 0; i < 3_000; i++) { // about 300 KB of COPY text: many chunks
      batch.add(i == 3 ? record(i, "{\"id\":3}") : user(i, i, "u" + i, i));
    }
    batch.set(2_500, record(2_500, "{\"id\":\"x\"}"));

    SinkResult result = sink.write(batch).get(60, TimeUnit.SECONDS);

    assertThat(result.rejected()).extracting(SinkResult.Rejected::index).containsExactly(3, 2_500);
    assertThat(count("users_bad_long")).isEqualTo(2_998);
    assertThat(rows("SELECT max(id) AS m FROM users_bad_long").get(0).get("m")).isEqualTo(2_999L);
  }

  @ParameterizedTest
  @EnumSource(PostgresOutput.Mode.class)
  void whenTheServerStopsAndRestartsMidStream_thenNothingIsLostAndUpsertsLeaveNoDuplicates(
      PostgresOutput.Mode mode) throws Exception {
    long seed = new Random().nextLong();
    Random random = new Random(seed);
    String table = "stream_" + mode.name().toLowerCase(java.util.Locale.ROOT);
    PostgresSink sink = sink(table, mode);
    ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor();
    SinkDelivery delivery =
        new SinkDelivery(
            sink,
            new RetryPolicy(500, 10, 200),
            new Random(seed),
            SinkDelivery.RetryScheduler.of(retries));
    int records = 3_000;
    int keys = 700;
    AtomicInteger batchesDone = new AtomicInteger();
    CompletableFuture<Void> stopped = new CompletableFuture<>();
    CompletableFuture<Void> outage =
        CompletableFuture.runAsync(
            () -> {
              try {
                await().atMost(Duration.ofSeconds(60)).until(() -> batchesDone.get() >= 5);
                postgres.stop();
                stopped.complete(null);
                long retriesBefore = delivery.stats().retries();
                await()
                    .atMost(Duration.ofSeconds(60))
                    .until(() -> delivery.stats().retries() >= retriesBefore + 5);
                postgres.restart();
              } catch (Exception e) {
                throw new RuntimeException(e);
              }
            });
    try {
      Map<Long, Integer> lastOfKey = new HashMap<>();
      int offset = 0;
      while (offset < records) {
        int size = Math.min(records - offset, 1 + random.nextInt(120));
        List<SinkRecord> batch = new ArrayList<>(size);
        for (int i = offset; i < offset + size; i++) {
          long id = random.nextInt(keys);
          batch.add(user(i, id, "v" + i, i));
          lastOfKey.put(id, i);
        }
        SinkResult result = delivery.deliver(batch).get(120, TimeUnit.SECONDS);
        assertThat(result.rejected()).as("seed %d, batch at %d", seed, offset).isEmpty();
        offset += size;
        if (batchesDone.incrementAndGet() == 5) {
          // The rest is delivered during the outage, however fast this machine is.
          stopped.get(60, TimeUnit.SECONDS);
        }
      }
      outage.get(120, TimeUnit.SECONDS);
      assertThat(delivery.stats().retries())
          .as("seed %d: retries observed", seed)
          .isGreaterThanOrEqualTo(5);

      if (mode == PostgresOutput.Mode.UPSERT) {
        assertThat(count(table)).as("seed %d", seed).isEqualTo(lastOfKey.size());
        for (Map<String, Object> row : rows("SELECT id, name FROM " + table)) {
          assertThat(row.get("name"))
              .as("seed %d, id %s", seed, row.get("id"))
              .isEqualTo("v" + lastOfKey.get((Long) row.get("id")));
        }
      } else {
        assertThat(rows("SELECT count(DISTINCT name) AS n FROM " + table).get(0).get("n"))
            .as("seed %d: every record landed", seed)
            .isEqualTo((long) records);
        // A commit whose acknowledgement the shutdown cut off is written again: at least once.
        assertThat(count(table)).as("seed %d", seed).isGreaterThanOrEqualTo(records);
      }
    } finally {
      delivery.close();
      retries.shutdownNow();
      outage.cancel(true);
    }
  }
}
