package io.millrace.pipeline.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.millrace.engine.task.DeadLetterHeaders;
import io.millrace.log.format.LogRecord;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The pipelines in examples/ run as their comments say. */
@Timeout(60)
class ExamplePipelinesTest {

  private static final Path EXAMPLES = Path.of("../examples");
  private static final Duration WAIT = Duration.ofSeconds(20);

  @TempDir Path dataDir;

  @Test
  void shouldMaskPasswordsAsTheGuideDoes() throws Exception {
    try (RuntimeFixture fixture = new RuntimeFixture(dataDir)) {
      fixture.log.createTopic("sensitive_data", 1, Map.of());
      fixture.write(
          "sensitive_data",
          null,
          List.of("User: john, Password: secret3", "User: jane, Password: hunter2!"));

      fixture.runtime.deploy(
          "password-masking.yaml", Files.readString(EXAMPLES.resolve("password-masking.yaml")));

      await()
          .atMost(WAIT)
          .untilAsserted(
              () ->
                  assertThat(fixture.values("sensitive_data_masked"))
                      .containsExactly("User: john, Password: ****", "User: jane, Password: ****"));
    }
  }

  @Test
  void shouldCleanTheClickstream() throws Exception {
    try (RuntimeFixture fixture = new RuntimeFixture(dataDir)) {
      fixture.log.createTopic("clicks", 2, Map.of());
      fixture.write(
          "clicks",
          null,
          List.of(
              "{\"user_id\": \"u1\", \"page\": \"/home\", \"ts\": 1000, \"user_agent\": \"Firefox\","
                  + " \"ip\": \"10.0.0.1\", \"cookie\": \"abc\"}",
              "{\"user_id\": \"u2\", \"page\": \"/search\", \"ts\": 1001, \"user_agent\":"
                  + " \"Googlebot/2.1\"}",
              "{\"user_id\": \"u1\", \"page\": \"/checkout/pay\", \"ts\": 1002, \"user_agent\":"
                  + " \"Firefox\", \"ip\": \"10.0.0.1\", \"amount\": 42.5}",
              "{\"user_id\": \"\", \"page\": \"/home\", \"ts\": 1003, \"user_agent\": \"Safari\"}"));

      fixture.runtime.deploy(
          "clickstream.yaml", Files.readString(EXAMPLES.resolve("clickstream.yaml")));

      await().atMost(WAIT).until(() -> fixture.records("clicks_clean").size() == 1);
      await().atMost(WAIT).until(() -> fixture.records("purchases").size() == 1);
      await().atMost(WAIT).until(() -> fixture.records("clicks_dead_letters").size() == 1);
      LogRecord view = fixture.records("clicks_clean").get(0);
      String value = new String(view.value(), StandardCharsets.UTF_8);
      assertThat(new String(view.key(), StandardCharsets.UTF_8)).isEqualTo("u1");
      assertThat(value)
          .contains("\"event_time_ms\":1000", "\"checkout\":false")
          .doesNotContain("cookie", "10.0.0.1", "\"ts\"");
      String purchase =
          new String(fixture.records("purchases").get(0).value(), StandardCharsets.UTF_8);
      assertThat(purchase).contains("\"amount\":42.5", "\"checkout\":true");
      // The same IP hashes to the same text in both records: still countable.
      assertThat(hashedIp(value)).isEqualTo(hashedIp(purchase)).hasSize(64);
      LogRecord dead = fixture.records("clicks_dead_letters").get(0);
      assertThat(DeadLetterHeaders.value(dead.headers(), DeadLetterHeaders.ERROR_CLASS))
          .isEqualTo("SchemaViolation");
    }
  }

  private static String hashedIp(String json) {
    int start = json.indexOf("\"ip\":\"") + 6;
    return json.substring(start, json.indexOf('"', start));
  }
}
