package io.millrace.connect.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.millrace.connect.SourcePositionStore;
import io.millrace.connect.testing.CdcCrashChild;
import io.millrace.connect.testing.ChangeEvents;
import io.millrace.connect.testing.ChangeEvents.Event;
import io.millrace.connect.testing.PostgresServer;
import io.millrace.log.Log;
import io.millrace.log.LogOptions;
import io.millrace.log.testing.Seeds;
import io.millrace.log.write.TopicWriter;
import io.millrace.log.write.WriterOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A child JVM running a CDC source is killed with SIGKILL during the snapshot of a large table and
 * then, several times, while changes stream; after a last, clean run every committed row is in the
 * topic, and an event seen twice carries the same source position both times.
 */
@Tag("system")
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class CdcKillTest {

  private static final String TABLE = "killed_rows";
  private static final String SOURCE = "kill_src";
  private static final String TOPIC = SOURCE + "." + TABLE;
  private static final int SNAPSHOT_ROWS = 200_000;
  private static PostgresServer postgres;

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

  @Test
  void whenChildIsKilledDuringSnapshotAndStreaming_thenEveryCommittedChangeEndsUpInTheTopic(
      @TempDir Path tempDir) throws Exception {
    long seed = Seeds.fresh(1).get(0);
    Seeds.run("cdc kill -9", seed, s -> killAndRecover(new Random(s), tempDir));
  }

  private void killAndRecover(Random random, Path tempDir) throws Exception {
    Path dataDir = tempDir.resolve("data");
    try (Connection db = postgres.connect();
        Statement sql = db.createStatement()) {
      sql.execute("CREATE TABLE " + TABLE + " (id int PRIMARY KEY, n int)");
      sql.execute(
          "INSERT INTO " + TABLE + " SELECT i, 0 FROM generate_series(1, " + SNAPSHOT_ROWS + ") i");
      int inserted = SNAPSHOT_ROWS;
      boolean killedDuringSnapshot = false;
      for (int run = 1; run <= 5; run++) {
        Process child = startChild(tempDir, dataDir, run);
        try {
          Path output = outputOf(run);
          if (run > 1) {
            await()
                .atMost(Duration.ofMinutes(2))
                .until(() -> Files.readString(output).contains("STATE STREAMING"));
            // changes while the child streams: inserts and updates, one transaction each
            int more = 50 + random.nextInt(150);
            for (int i = 0; i < more; i++) {
              inserted++;
              sql.execute("INSERT INTO " + TABLE + " VALUES (" + inserted + ", 0)");
              sql.execute(
                  "UPDATE "
                      + TABLE
                      + " SET n = n + 1 WHERE id = "
                      + (1 + random.nextInt(inserted)));
            }
          }
          if (run == 1) {
            // The first kill lands in the middle of the snapshot: once snapshot rows are being
            // written, before the source streams.
            await()
                .atMost(Duration.ofMinutes(2))
                .pollInterval(Duration.ofMillis(10))
                .until(() -> Files.readString(output).contains("SNAPSHOTTING"));
          } else {
            long killAfterMs = 200 + random.nextInt(800);
            // A random moment to kill at, not a synchronization: nothing waits for the child.
            await()
                .pollDelay(Duration.ofMillis(killAfterMs))
                .atMost(Duration.ofMillis(killAfterMs + 5_000))
                .until(() -> true);
          }
          assertThat(child.isAlive()).as("child of run " + run).isTrue();
          if (run == 1) {
            killedDuringSnapshot = !Files.readString(output).contains("STATE STREAMING");
            assertThat(killedDuringSnapshot)
                .as("the first kill lands during the snapshot")
                .isTrue();
          }
          assertThat(child.toHandle().destroyForcibly()).isTrue();
          assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        } finally {
          child.destroyForcibly();
        }
      }
      Map<Integer, Integer> expected = new HashMap<>();
      try (var rows = sql.executeQuery("SELECT id, n FROM " + TABLE)) {
        while (rows.next()) {
          expected.put(rows.getInt(1), rows.getInt(2));
        }
      }
      assertThat(expected).hasSize(inserted);
      System.out.println("cdc kill test: first kill during the snapshot: " + killedDuringSnapshot);
      // A last run that is not killed catches up.
      try (Log log = Log.open(LogOptions.defaults(dataDir))) {
        TopicWriter writer = new TopicWriter(log, WriterOptions.DEFAULTS);
        try (CdcSource source =
            new CdcSource(
                CdcCrashChild.config(postgres.port(), SOURCE, "public\\." + TABLE),
                log,
                writer,
                new SourcePositionStore(log, writer, new ObjectMapper()),
                new SimpleMeterRegistry(),
                Clock.systemUTC())) {
          source.start();
          await()
              .atMost(Duration.ofMinutes(3))
              .failFast(() -> source.state() == CdcSource.State.FAILED)
              .until(() -> latestRows(ChangeEvents.read(log, TOPIC)).equals(expected));
          assertSamePositionSameEvent(ChangeEvents.read(log, TOPIC));
        }
      }
    }
  }

  /** The rows as the topic's events say they are now: the last event per key wins. */
  private static Map<Integer, Integer> latestRows(List<Event> events) {
    Map<Integer, Integer> rows = new HashMap<>();
    for (Event event : events) {
      if (event.isTombstone()) {
        continue;
      }
      if (!event.after().isNull() && !event.after().isMissingNode()) {
        rows.put(event.after().path("id").asInt(), event.after().path("n").asInt());
      }
    }
    return rows;
  }

  private static void assertSamePositionSameEvent(List<Event> events) {
    Map<String, String> eventByPosition = new HashMap<>();
    Set<String> streamedPositions = new HashSet<>();
    int duplicates = 0;
    for (Event event : events) {
      if (event.isTombstone() || "r".equals(event.op())) {
        continue; // a snapshot taken again after a kill reads rows again, at a new LSN
      }
      String earlier =
          eventByPosition.putIfAbsent(event.position(), stripProcessingTime(event.value()));
      if (earlier != null) {
        duplicates++;
        assertThat(stripProcessingTime(event.value()))
            .as("a change delivered twice is the same change")
            .isEqualTo(earlier);
      }
      streamedPositions.add(event.position());
    }
    System.out.printf(
        "cdc kill test: %d events, %d streamed positions, %d duplicates%n",
        events.size(), streamedPositions.size(), duplicates);
  }

  /** The event without Debezium's processing time, which differs between deliveries. */
  private static String stripProcessingTime(com.fasterxml.jackson.databind.JsonNode value) {
    com.fasterxml.jackson.databind.node.ObjectNode copy =
        (com.fasterxml.jackson.databind.node.ObjectNode) value.deepCopy();
    copy.remove("ts_ms");
    return copy.toString();
  }

  /** The child's output, kept in target/ so a failure can be read after the test. */
  private static Path outputOf(int run) throws java.io.IOException {
    Path directory = Files.createDirectories(Path.of("target", "cdc-kill-test"));
    return directory.resolve("child-" + run + ".out");
  }

  private static Process startChild(Path tempDir, Path dataDir, int run) throws Exception {
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
            CdcCrashChild.class.getName(),
            dataDir.toString(),
            Integer.toString(postgres.port()),
            SOURCE,
            "public\\." + TABLE)
        .redirectErrorStream(true)
        .redirectOutput(outputOf(run).toFile())
        .start();
  }
}
