package io.millrace.connect.sink.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.millrace.connect.testing.PostgresServer;
import io.millrace.connect.testing.SinkCrashChild;
import io.millrace.log.testing.Seeds;
import io.millrace.pipeline.definition.PostgresOutput;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Real process death while a sink writes: a child JVM ({@link SinkCrashChild}) delivers a stream to
 * PostgreSQL and is killed with SIGKILL at seeded random moments; each new child resumes after the
 * last acknowledged offset, replaying the batch in flight, as the runtime does after a crash.
 * Upserts must end with exactly the last value of every key; appends with every record at least
 * once and duplicates only from the batches in flight at the kills.
 */
@Tag("system")
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class PostgresSinkKillTest {

  private static final int SIGKILL_EXIT_CODE = 128 + 9;
  private static final int KILLS = 5;
  private static final int RECORDS = 6_000;
  private static PostgresServer postgres;

  @TempDir Path tempDir;

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

  @ParameterizedTest
  @EnumSource(PostgresOutput.Mode.class)
  void whenTheWriterIsKilledWithSigkill_thenReplaysLoseNothingAndUpsertsDuplicateNothing(
      PostgresOutput.Mode mode) throws Exception {
    long seed = Seeds.fresh(1).get(0);
    Seeds.run("postgres sink kill -9 (" + mode + ")", seed, s -> killAndReplay(mode, s));
  }

  private void killAndReplay(PostgresOutput.Mode mode, long seed) throws Exception {
    Random random = new Random(seed);
    String table = "killed_" + mode.name().toLowerCase(Locale.ROOT) + "_" + (seed & 0xffff);
    Path ackFile = tempDir.resolve(table + ".ack");
    for (int run = 1; run <= KILLS; run++) {
      long before = SinkCrashChild.acknowledged(ackFile);
      Process child = startChild(mode, table, ackFile, seed, run);
      try {
        long killAfter = before + 1 + random.nextInt(RECORDS / (KILLS * 2));
        await()
            .atMost(Duration.ofSeconds(90))
            .pollInterval(Duration.ofMillis(2))
            .until(() -> SinkCrashChild.acknowledged(ackFile) >= killAfter || !child.isAlive());
        assertThat(child.isAlive()).as("seed %d: child of run %d is alive", seed, run).isTrue();
        assertThat(child.toHandle().destroyForcibly()).isTrue();
        assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(child.exitValue()).isEqualTo(SIGKILL_EXIT_CODE);
      } finally {
        child.destroyForcibly();
      }
    }
    Process last = startChild(mode, table, ackFile, seed, KILLS + 1);
    assertThat(last.waitFor(120, TimeUnit.SECONDS)).as("seed %d: last run finishes", seed).isTrue();
    assertThat(last.exitValue()).as("seed %d: last run, see child-*.out", seed).isZero();
    assertThat(SinkCrashChild.acknowledged(ackFile)).isEqualTo(RECORDS - 1);

    Map<Long, String> lastOfKey = new HashMap<>();
    for (long offset = 0; offset < RECORDS; offset++) {
      String json = new String(SinkCrashChild.record(seed, offset).value());
      long id = Long.parseLong(json.substring(json.indexOf(':') + 1, json.indexOf(',')));
      lastOfKey.put(id, "v" + offset);
    }
    try (Connection db = postgres.connect();
        Statement statement = db.createStatement()) {
      if (mode == PostgresOutput.Mode.UPSERT) {
        Map<Long, String> stored = new HashMap<>();
        try (ResultSet rows = statement.executeQuery("SELECT id, name FROM " + table)) {
          while (rows.next()) {
            stored.put(rows.getLong(1), rows.getString(2));
          }
        }
        assertThat(stored).as("seed %d", seed).isEqualTo(lastOfKey);
      } else {
        try (ResultSet counts =
            statement.executeQuery("SELECT count(*), count(DISTINCT name) FROM " + table)) {
          counts.next();
          assertThat(counts.getLong(2)).as("seed %d: every record", seed).isEqualTo(RECORDS);
          // Each kill can replay at most the batch in flight (batches are 1 to 60 records).
          assertThat(counts.getLong(1))
              .as("seed %d: duplicates only from batches in flight", seed)
              .isBetween((long) RECORDS, (long) RECORDS + KILLS * 60L);
        }
      }
    }
  }

  private Process startChild(
      PostgresOutput.Mode mode, String table, Path ackFile, long seed, int run) throws Exception {
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
            SinkCrashChild.class.getName(),
            postgres.jdbcUrl(),
            table,
            mode.name(),
            ackFile.toString(),
            Long.toString(seed),
            Integer.toString(RECORDS))
        .redirectErrorStream(true)
        .redirectOutput(tempDir.resolve("child-" + mode + "-" + run + ".out").toFile())
        .start();
  }
}
