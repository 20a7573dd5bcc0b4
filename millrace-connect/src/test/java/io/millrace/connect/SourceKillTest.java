package io.millrace.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.millrace.connect.http.HttpPollingSource;
import io.millrace.connect.testing.FeedServer;
import io.millrace.connect.testing.SourceCrashChild;
import io.millrace.connect.testing.TopicContents;
import io.millrace.log.Log;
import io.millrace.log.LogOptions;
import io.millrace.log.testing.Seeds;
import io.millrace.log.write.TopicWriter;
import io.millrace.log.write.WriterOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real process death: a child JVM ({@link SourceCrashChild}) polls a feed served by this test and
 * is killed with SIGKILL after a seeded random number of requests, again and again on one data
 * directory while the feed grows; a last run in this process ingests the rest. Every item must be
 * in the topic exactly once.
 */
@Tag("system")
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class SourceKillTest {

  private static final int SIGKILL_EXIT_CODE = 128 + 9;
  private static final int KILLS = 8;

  @TempDir Path tempDir;

  @Test
  void whenChildIsKilledWithSigkill_thenEveryItemIsIngestedExactlyOnce() throws Exception {
    long seed = Seeds.fresh(1).get(0);
    Seeds.run("source kill -9", seed, this::killAndRecover);
  }

  private void killAndRecover(long seed) throws Exception {
    Random random = new Random(seed);
    Path dataDir = tempDir.resolve("data");
    try (FeedServer server = new FeedServer(3, 200)) {
      for (int run = 1; run <= KILLS; run++) {
        Process child = startChild(dataDir, server, run);
        try {
          int start = server.requests();
          int killAfter = 2 + random.nextInt(40);
          await()
              .atMost(Duration.ofSeconds(60))
              .pollInterval(Duration.ofMillis(3))
              .until(() -> server.requests() >= start + killAfter || !child.isAlive());
          assertThat(child.isAlive()).as("child of run " + run + " is alive").isTrue();
          assertThat(child.toHandle().destroyForcibly()).isTrue();
          assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
          assertThat(child.exitValue()).isEqualTo(SIGKILL_EXIT_CODE);
        } finally {
          child.destroyForcibly();
        }
        server.addItems(random.nextInt(100));
      }
      int total = server.itemCount();
      try (Log log = Log.open(LogOptions.defaults(dataDir));
          SourceScheduler scheduler =
              new SourceScheduler(
                  log,
                  new TopicWriter(log, WriterOptions.DEFAULTS),
                  new SimpleMeterRegistry(),
                  Duration.ofSeconds(5))) {
        var config = SourceCrashChild.config(server.uri("/items"));
        scheduler.start(new HttpPollingSource(config, new ObjectMapper()), config.settings());
        await()
            .atMost(Duration.ofSeconds(60))
            .until(() -> TopicContents.field(log, "events", "id").size() >= total);
        int requests = server.requests();
        await().atMost(Duration.ofSeconds(10)).until(() -> server.requests() > requests + 3);
        List<String> ids = TopicContents.field(log, "events", "id");
        assertThat(new HashSet<>(ids)).hasSize(ids.size());
        assertThat(ids)
            .containsExactlyInAnyOrderElementsOf(
                IntStream.rangeClosed(1, total).mapToObj(n -> "item-" + n).toList());
      }
      // Not asserted (where a kill lands is random), but shown: how often a child's restart
      // found pages written after its last stored position and rolled forward over them.
      long rollForwards = 0;
      for (int run = 1; run <= KILLS; run++) {
        rollForwards +=
            java.nio.file.Files.readAllLines(tempDir.resolve("child-" + run + ".out")).stream()
                .filter(line -> line.contains("rolled its position forward"))
                .count();
      }
      System.out.println("children that rolled their position forward at start: " + rollForwards);
    }
  }

  private Process startChild(Path dataDir, FeedServer server, int run) throws Exception {
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
            SourceCrashChild.class.getName(),
            dataDir.toString(),
            server.uri("/items").toString())
        .redirectErrorStream(true)
        .redirectOutput(tempDir.resolve("child-" + run + ".out").toFile())
        .start();
  }
}
