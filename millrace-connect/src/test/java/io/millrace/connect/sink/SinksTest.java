package io.millrace.connect.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.millrace.common.Clock;
import io.millrace.connect.sink.file.JsonLinesFileSink;
import io.millrace.connect.sink.http.WebhookSink;
import io.millrace.connect.testing.WebhookServer;
import io.millrace.engine.sink.Sink;
import io.millrace.engine.sink.SinkRecord;
import io.millrace.pipeline.definition.FileOutput;
import io.millrace.pipeline.definition.HttpOutput;
import io.millrace.pipeline.definition.SourcePosition;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SinksTest {

  @TempDir Path directory;

  private static final SourcePosition AT = SourcePosition.startOf("p.yaml");

  private static List<SinkRecord> one(String value) {
    return List.of(
        new SinkRecord("in", 0, 0, 0L, null, value.getBytes(StandardCharsets.UTF_8), List.of()));
  }

  private long finalFiles(String prefix) throws java.io.IOException {
    try (Stream<Path> files = Files.list(directory)) {
      return files
          .map(p -> p.getFileName().toString())
          .filter(name -> name.startsWith(prefix) && name.endsWith(".jsonl"))
          .count();
    }
  }

  @Test
  void shouldCreateEachKindAndRecoverAFileOutputOnceBeforeItsFirstSink() throws Exception {
    Files.writeString(directory.resolve("out-x.jsonl.inprogress"), "{\"left\":1}\n{\"torn");
    FileOutput file = new FileOutput("files", directory.toString(), "out", 1 << 20, 60_000, AT);
    Sinks sinks = new Sinks(new ObjectMapper(), Clock.SYSTEM);
    try (WebhookServer server = new WebhookServer()) {
      Sink first = sinks.create("p", file);
      Sink second = sinks.create("p", file);
      assertThat(first).isInstanceOf(JsonLinesFileSink.class);
      assertThat(Files.readString(directory.resolve("out-x.jsonl"))).isEqualTo("{\"left\":1}\n");

      first.write(one("{\"a\":1}")).get(10, TimeUnit.SECONDS);
      second.write(one("{\"b\":2}")).get(10, TimeUnit.SECONDS);
      first.close();
      second.close();
      try (Stream<Path> files = Files.list(directory)) {
        assertThat(files.map(p -> p.getFileName().toString()))
            .hasSize(3) // the recovered file and one per sink: their names differ
            .allMatch(name -> name.endsWith(".jsonl"));
      }

      // An idle output's file is finalized by the factory's timer, without a write or close.
      FileOutput quick = new FileOutput("quick", directory.toString(), "quick", 1 << 20, 1, AT);
      Sink idle = sinks.create("p", quick);
      idle.write(one("{\"c\":3}")).get(10, TimeUnit.SECONDS);
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> Files.exists(directory) && finalFiles("quick-") == 1);
      idle.close();

      HttpOutput http =
          new HttpOutput(
              "hook", server.url("/h"), "PUT", HttpOutput.Mode.BATCH, Map.of(), null, 5_000, AT);
      Sink hook = sinks.create("p", http);
      assertThat(hook).isInstanceOf(WebhookSink.class);
      assertThat(hook.write(one("1")).get(10, TimeUnit.SECONDS).allDelivered()).isTrue();
      assertThat(server.received())
          .extracting(WebhookServer.Received::method)
          .containsExactly("PUT");

      sinks.close();
      assertThatThrownBy(() -> sinks.create("p", http)).isInstanceOf(IllegalStateException.class);
    } finally {
      sinks.close(); // idempotent
    }
  }
}
