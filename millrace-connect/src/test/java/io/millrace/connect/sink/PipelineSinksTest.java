package io.millrace.connect.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.millrace.common.Clock;
import io.millrace.connect.testing.PostgresServer;
import io.millrace.connect.testing.WebhookServer;
import io.millrace.engine.task.DeadLetterHeaders;
import io.millrace.log.Log;
import io.millrace.log.LogOptions;
import io.millrace.log.PartitionLog;
import io.millrace.log.format.LogRecord;
import io.millrace.log.offsets.GroupOffsetStore;
import io.millrace.log.testing.LogReader;
import io.millrace.log.write.TopicWriter;
import io.millrace.log.write.WriteRecord;
import io.millrace.log.write.WriteResult;
import io.millrace.log.write.WriterOptions;
import io.millrace.pipeline.definition.EnvironmentSubstitution;
import io.millrace.pipeline.runtime.PipelineRuntime;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pipelines delivering to sinks end to end: records written to a topic, a deployed pipeline, and
 * the destinations — a JSON Lines directory, a local webhook that rejects a record (which becomes a
 * dead letter), and a real PostgreSQL stopped and restarted while the pipeline upserts.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class PipelineSinksTest {

  @TempDir Path dir;

  @Test
  void shouldDeliverToFilesAndAWebhookAndDeadLetterWhatTheWebhookRejects() throws Exception {
    Path files = Files.createDirectories(dir.resolve("archive"));
    try (WebhookServer webhook = new WebhookServer();
        Harness harness = new Harness(dir.resolve("data"))) {
      webhook.answerNext(
          WebhookServer.Answer.status(200), WebhookServer.Answer.status(400)); // then 200s
      harness.log.createTopic("events", 1, Map.of());
      List<String> values = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        values.add("{\"id\":" + i + "}");
      }
      harness.write("events", null, values);

      harness.runtime.deploy(
          "archive.yaml",
          """
          name: archive
          input:
            topics: [events]
          outputs:
            - name: files
              file: {directory: %s, prefix: events}
            - name: hook
              http: {url: '%s', mode: record}
          errors:
            dead_letter_topic: events_dead
            max_retries: 2
            backoff_ms: 10
          """
              .formatted(files, webhook.url("/events")));

      await().atMost(Duration.ofSeconds(30)).until(() -> webhook.received().size() == 5);
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> harness.records("events_dead").size() == 1);
      LogRecord dead = harness.records("events_dead").get(0);
      assertThat(new String(dead.value(), StandardCharsets.UTF_8)).isEqualTo("{\"id\":1}");
      assertThat(DeadLetterHeaders.value(dead.headers(), DeadLetterHeaders.STEP))
          .isEqualTo("output:hook");
      assertThat(DeadLetterHeaders.value(dead.headers(), DeadLetterHeaders.ERROR_CLASS))
          .isEqualTo("Rejected");
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> harness.runtime.status("archive").get().lag() == 0);

      harness.runtime.close(); // closes the sinks: the file is renamed to its final name
      assertThat(jsonLines(files)).containsExactlyElementsOf(values);
    }
  }

  @Test
  @Tag("system")
  void shouldUpsertIntoPostgresThroughARestartOfTheDatabase() throws Exception {
    Path bin = PostgresServer.installedForTest();
    try (PostgresServer postgres = PostgresServer.start(bin);
        Harness harness = new Harness(dir.resolve("data"))) {
      harness.log.createTopic("accounts", 2, Map.of());
      harness.runtime.deploy(
          "balances.yaml",
          """
          name: balances
          input:
            topics: [accounts]
          outputs:
            - name: db
              postgres:
                url: '%s'
                user: postgres
                table: balances
                mode: upsert
                key: [id]
                columns:
                  id: {path: id, type: bigint, not_null: true}
                  balance: {path: balance, type: bigint}
                create_table: true
          errors:
            dead_letter_topic: accounts_dead
            max_retries: 100
            backoff_ms: 50
          """
              .formatted(postgres.jdbcUrl()));

      Map<Long, Long> latest = new HashMap<>();
      for (int round = 0; round < 6; round++) {
        List<String> keys = new ArrayList<>();
        List<String> values = new ArrayList<>();
        for (long id = 0; id < 200; id++) {
          long balance = round * 1000 + id;
          // Keyed by id, as a producer of account updates would: one key, one partition, in order.
          keys.add(Long.toString(id));
          values.add("{\"id\":" + id + ",\"balance\":" + balance + "}");
          latest.put(id, balance);
        }
        harness.write("accounts", keys, values);
        if (round == 2) {
          postgres.stop(); // the pipeline retries with backoff while the database is down
        }
        if (round == 4) {
          postgres.restart();
        }
      }

      await()
          .atMost(Duration.ofSeconds(120))
          .until(() -> harness.runtime.status("balances").get().lag() == 0);
      assertThat(harness.records("accounts_dead")).isEmpty();
      assertThat(harness.runtime.status("balances").get().tasks())
          .as("deliveries failed while the database was down and were retried")
          .anySatisfy(task -> assertThat(task.retries()).isPositive());
      Map<Long, Long> stored = new HashMap<>();
      try (Connection connection = postgres.connect();
          ResultSet rows =
              connection.createStatement().executeQuery("SELECT id, balance FROM balances")) {
        while (rows.next()) {
          assertThat(stored.put(rows.getLong(1), rows.getLong(2))).as("duplicate row").isNull();
        }
      }
      assertThat(stored).isEqualTo(latest);
    }
  }

  private static List<String> jsonLines(Path directory) throws Exception {
    List<String> lines = new ArrayList<>();
    try (Stream<Path> files = Files.list(directory)) {
      for (Path file : files.sorted().toList()) {
        assertThat(file.toString()).doesNotEndWith(".inprogress");
        lines.addAll(Files.readAllLines(file));
      }
    }
    return lines;
  }

  /** A log, its writer and offset store, and a pipeline runtime with the real sink factory. */
  private static final class Harness implements AutoCloseable {
    final Log log;
    final TopicWriter writer;
    final Sinks sinks = new Sinks(new ObjectMapper(), Clock.SYSTEM);
    final PipelineRuntime runtime;

    Harness(Path dataDir) throws Exception {
      log = Log.open(LogOptions.defaults(dataDir));
      writer = new TopicWriter(log, WriterOptions.DEFAULTS);
      runtime =
          new PipelineRuntime(
              log,
              writer,
              GroupOffsetStore.open(log, 1),
              EnvironmentSubstitution.from(Map.of()),
              sinks,
              (view, ttlMs) -> {
                throw new IllegalArgumentException("no views here");
              },
              new PipelineRuntime.Options(2, true, 1));
    }

    /** Writes values with these keys (null: none) and waits until they are durable. */
    void write(String topic, List<String> keys, List<String> values) throws Exception {
      List<WriteRecord> records = new ArrayList<>();
      for (int i = 0; i < values.size(); i++) {
        byte[] key = keys == null ? null : keys.get(i).getBytes(StandardCharsets.UTF_8);
        records.add(WriteRecord.of(key, values.get(i).getBytes(StandardCharsets.UTF_8)));
      }
      WriteResult result = writer.tryWrite(topic, records);
      assertThat(result.isOk()).as(result.toString()).isTrue();
      result.durable().get();
    }

    List<LogRecord> records(String topic) {
      List<LogRecord> all = new ArrayList<>();
      for (PartitionLog partition : log.partitions(topic)) {
        all.addAll(LogReader.readAll(partition));
      }
      return all;
    }

    @Override
    public void close() throws java.io.IOException {
      runtime.close();
      sinks.close();
      log.close();
    }
  }
}
