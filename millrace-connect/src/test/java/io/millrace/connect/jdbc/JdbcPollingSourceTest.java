package io.millrace.connect.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.millrace.common.RetryPolicy;
import io.millrace.connect.SourceScheduler;
import io.millrace.connect.testing.PostgresServer;
import io.millrace.connect.testing.TopicContents;
import io.millrace.log.Log;
import io.millrace.log.testing.LogExtension;
import io.millrace.log.write.TopicWriter;
import io.millrace.log.write.WriterOptions;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The JDBC poller against a real PostgreSQL server started by the test. */
@Tag("system")
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class JdbcPollingSourceTest {

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static PostgresServer postgres;

  @RegisterExtension final LogExtension logs = new LogExtension();
  private SourceScheduler scheduler;

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
  void stopSources() {
    if (scheduler != null) {
      scheduler.close();
    }
  }

  private JdbcPollingSourceConfig config(String table, int batchSize) {
    return new JdbcPollingSourceConfig(
        "rows-" + table,
        "rows",
        postgres.jdbcUrl(),
        "postgres",
        "",
        "SELECT id, name, updated_at FROM " + table,
        "updated_at",
        "id",
        "id",
        batchSize,
        10,
        10_000,
        new RetryPolicy(5, 5, 100));
  }

  private void start(Log log, JdbcPollingSourceConfig config) {
    scheduler =
        new SourceScheduler(
            log,
            new TopicWriter(log, WriterOptions.DEFAULTS),
            new SimpleMeterRegistry(),
            Duration.ofSeconds(10));
    scheduler.start(new JdbcPollingSource(config, MAPPER), config.settings());
  }

  /**
   * Inserts rows {@code from..to}; rows in groups of {@code tie} share one updated_at, so page
   * boundaries fall inside groups of equal cursor values.
   */
  private static void insert(Connection db, String table, int from, int to, int tie)
      throws Exception {
    try (PreparedStatement insert =
        db.prepareStatement(
            "INSERT INTO "
                + table
                + " (id, name, updated_at) VALUES (?, ?, TIMESTAMPTZ '2026-01-01 00:00:00+00'"
                + " + make_interval(secs => ?))")) {
      for (int id = from; id <= to; id++) {
        insert.setLong(1, id);
        insert.setString(2, "row " + id);
        insert.setDouble(3, (id / tie) * 0.000_001 + (id / tie)); // microseconds matter too
        insert.executeUpdate();
      }
    }
  }

  private static List<Long> ids(Log log) {
    return TopicContents.field(log, "rows", "id").stream().map(Long::parseLong).toList();
  }

  @Test
  void whenRowsArriveWhilePollingAndTheSourceRestarts_thenEachRowIsWrittenOnce() throws Exception {
    String table = "items_restart";
    try (Connection db = postgres.connect();
        Statement ddl = db.createStatement()) {
      ddl.execute(
          "CREATE TABLE "
              + table
              + " (id bigint PRIMARY KEY, name text, updated_at timestamptz NOT NULL)");
      insert(db, table, 1, 40, 7);
      Log log = logs.open();
      log.createTopic("rows", 3, Map.of());
      start(log, config(table, 5));
      insert(db, table, 41, 80, 7); // while polling
      await().atMost(Duration.ofSeconds(60)).until(() -> ids(log).size() >= 80);

      scheduler.close();
      Log reopened = logs.reopen(log);
      insert(db, table, 81, 130, 7); // 81-83 tie with 77-80, read before
      start(reopened, config(table, 5));
      await().atMost(Duration.ofSeconds(60)).until(() -> ids(reopened).size() >= 130);
      // An update moves a row to a newer cursor value: it is ingested again, as its new version.
      ddl.execute(
          "UPDATE "
              + table
              + " SET name = 'changed', updated_at = TIMESTAMPTZ '2027-01-01 00:00:00+00'"
              + " WHERE id = 3");
      await().atMost(Duration.ofSeconds(60)).until(() -> ids(reopened).size() >= 131);

      List<Long> ids = ids(reopened);
      List<Long> expected =
          IntStream.rangeClosed(1, 130)
              .mapToObj(Long::valueOf)
              .collect(java.util.stream.Collectors.toList());
      expected.add(3L);
      assertThat(ids).containsExactlyInAnyOrderElementsOf(expected);
      assertThat(TopicContents.field(reopened, "rows", "name")).contains("changed");
      assertThat(new HashSet<>(TopicContents.field(reopened, "rows", "updated_at")))
          .as("ties: several rows per updated_at")
          .hasSizeLessThan(131);
    }
  }

  @Test
  void whenChildIsKilledWithSigkillWhileRowsArrive_thenEachRowIsWrittenOnce(
      @org.junit.jupiter.api.io.TempDir Path tempDir) throws Exception {
    long seed = io.millrace.log.testing.Seeds.fresh(1).get(0);
    io.millrace.log.testing.Seeds.run(
        "jdbc source kill -9", seed, s -> killAndRecover(new java.util.Random(s), tempDir));
  }

  private void killAndRecover(java.util.Random random, Path tempDir) throws Exception {
    String table = "items_killed";
    Path dataDir = tempDir.resolve("data");
    try (Connection db = postgres.connect();
        Statement ddl = db.createStatement()) {
      ddl.execute(
          "CREATE TABLE "
              + table
              + " (id bigint PRIMARY KEY, name text, updated_at timestamptz NOT NULL)");
      int inserted = 0;
      for (int run = 1; run <= 6; run++) {
        int more = 20 + random.nextInt(60);
        insert(db, table, inserted + 1, inserted + more, 4);
        inserted += more;
        Process child = startChild(tempDir, dataDir, table, run);
        try {
          long killAfterMs = 300 + random.nextInt(1_500);
          // A random moment to kill at, not a synchronization: nothing waits for the child here.
          await()
              .pollDelay(Duration.ofMillis(killAfterMs))
              .atMost(Duration.ofMillis(killAfterMs + 5_000))
              .until(() -> true);
          assertThat(child.isAlive()).as("child of run " + run).isTrue();
          assertThat(child.toHandle().destroyForcibly()).isTrue();
          assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
          assertThat(child.exitValue()).isEqualTo(128 + 9);
        } finally {
          child.destroyForcibly();
        }
      }
      int total = inserted;
      try (Log log = Log.open(io.millrace.log.LogOptions.defaults(dataDir))) {
        var config =
            io.millrace.connect.testing.SourceCrashChild.jdbcConfig(postgres.jdbcUrl(), table);
        start(log, config);
        await().atMost(Duration.ofSeconds(60)).until(() -> eventIds(log).size() >= total);
        scheduler.close();
        List<Long> ids = eventIds(log);
        assertThat(ids)
            .containsExactlyInAnyOrderElementsOf(
                IntStream.rangeClosed(1, total).mapToObj(Long::valueOf).toList());
      }
    }
    // Not asserted (where a kill lands is random), but shown: restarts that rolled forward.
    long rollForwards = 0;
    for (int run = 1; run <= 6; run++) {
      rollForwards +=
          java.nio.file.Files.readAllLines(tempDir.resolve("child-" + run + ".out")).stream()
              .filter(line -> line.contains("rolled its position forward"))
              .count();
    }
    System.out.println("children that rolled their position forward at start: " + rollForwards);
  }

  private static List<Long> eventIds(Log log) {
    return TopicContents.field(log, "events", "id").stream().map(Long::parseLong).toList();
  }

  private static Process startChild(Path tempDir, Path dataDir, String table, int run)
      throws Exception {
    String java =
        ProcessHandle.current()
            .info()
            .command()
            .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    return new ProcessBuilder(
            java,
            "-XX:TieredStopAtLevel=1",
            "-XX:+UseSerialGC",
            "-Xmx256m",
            "-cp",
            System.getProperty("java.class.path"),
            io.millrace.connect.testing.SourceCrashChild.class.getName(),
            dataDir.toString(),
            postgres.jdbcUrl(),
            table)
        .redirectErrorStream(true)
        .redirectOutput(tempDir.resolve("child-" + run + ".out").toFile())
        .start();
  }
}
