package io.millrace.pipeline.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.millrace.engine.task.DeadLetterHeaders;
import io.millrace.log.TopicPartition;
import io.millrace.log.format.LogRecord;
import io.millrace.log.write.WriterOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class PipelineRuntimeTest {

  private static final Duration WAIT = Duration.ofSeconds(20);

  private static final String CLEANING =
      """
      name: cleaning
      input:
        topics: [clicks]
        format: json
      processors:
        - filter: value.amount > 10
        - mask:
            fields:
              - field: card
                mode: keep_last
        - map:
            set:
              doubled: value.amount * 2
            remove: [noise]
      outputs:
        - name: clean
          topic: clicks_clean
      errors:
        dead_letter_topic: clicks_dead
      """;

  @TempDir Path dataDir;

  @Test
  void shouldFilterMaskAndMapRecordsIntoTheOutputTopic() throws Exception {
    try (RuntimeFixture fixture = new RuntimeFixture(dataDir)) {
      fixture.log.createTopic("clicks", 2, Map.of());
      fixture.write(
          "clicks",
          List.of("a", "b", "c"),
          List.of(
              "{\"amount\": 5, \"card\": \"4111111111111111\"}",
              "{\"amount\": 50, \"card\": \"4111111111111234\", \"noise\": 1}",
              "{\"amount\": 11, \"card\": \"5500000000000004\"}"));

      PipelineStatus status = fixture.runtime.deploy("cleaning.yaml", CLEANING);

      assertThat(status.tasks()).hasSize(2);
      await()
          .atMost(WAIT)
          .untilAsserted(
              () ->
                  assertThat(fixture.values("clicks_clean"))
                      .containsExactlyInAnyOrder(
                          "{\"amount\":50,\"card\":\"************1234\",\"doubled\":100}",
                          "{\"amount\":11,\"card\":\"************0004\",\"doubled\":22}"));
      await()
          .atMost(WAIT)
          .untilAsserted(() -> assertThat(fixture.runtime.status("cleaning").get().lag()).isZero());
      assertThat(fixture.runtime.status("cleaning").get().state()).isEqualTo(PipelineState.RUNNING);
    }
  }

  @Test
  void shouldKeepKeysHeadersAndTimestampsOfTheInputRecords() throws Exception {
    try (RuntimeFixture fixture = new RuntimeFixture(dataDir)) {
      fixture.log.createTopic("clicks", 1, Map.of());
      fixture.write("clicks", List.of("user-7"), List.of("{\"amount\": 99}"));
      fixture.runtime.deploy("cleaning.yaml", CLEANING);

      await().atMost(WAIT).until(() -> fixture.records("clicks_clean").size() == 1);
      LogRecord in = fixture.records("clicks").get(0);
      LogRecord out = fixture.records("clicks_clean").get(0);
      assertThat(out.key()).isEqualTo("user-7".getBytes());
      assertThat(out.timestamp()).isEqualTo(in.timestamp());
    }
  }

  @Test
  void shouldSendBadRecordsToTheDeadLetterTopicWithTheReasonAndGoOn() throws Exception {
    try (RuntimeFixture fixture = new RuntimeFixture(dataDir)) {
      fixture.log.createTopic("clicks", 1, Map.of());
      fixture.write(
          "clicks",
          null,
          List.of("{\"amount\": 20}", "not json", "{\"amount\": \"x\"}", "{\"amount\": 30}"));

      fixture.runtime.deploy("cleaning.yaml", CLEANING);

      await().atMost(WAIT).until(() -> fixture.records("clicks_dead").size() == 2);
      await().atMost(WAIT).until(() -> fixture.records("clicks_clean").size() == 2);
      List<LogRecord> dead = fixture.records("clicks_dead");
      LogRecord badJson = dead.get(0);
      assertThat(new String(badJson.value())).isEqualTo("not json");
      assertThat(DeadLetterHeaders.value(badJson.headers(), DeadLetterHeaders.PIPELINE))
          .isEqualTo("cleaning");
      assertThat(DeadLetterHeaders.value(badJson.headers(), DeadLetterHeaders.STEP))
          .isEqualTo("input");
      assertThat(DeadLetterHeaders.value(badJson.headers(), DeadLetterHeaders.ERROR_CLASS))
          .isEqualTo("BadData");
      assertThat(DeadLetterHeaders.value(badJson.headers(), DeadLetterHeaders.SOURCE_TOPIC))
          .isEqualTo("clicks");
      assertThat(DeadLetterHeaders.value(badJson.headers(), DeadLetterHeaders.SOURCE_PARTITION))
          .isEqualTo("0");
      assertThat(DeadLetterHeaders.value(badJson.headers(), DeadLetterHeaders.SOURCE_OFFSET))
          .isEqualTo("1");
      assertThat(DeadLetterHeaders.value(badJson.headers(), DeadLetterHeaders.TIME)).isNotNull();
      LogRecord badType = dead.get(1);
      assertThat(DeadLetterHeaders.value(badType.headers(), DeadLetterHeaders.STEP))
          .isEqualTo("1:filter");
      assertThat(DeadLetterHeaders.value(badType.headers(), DeadLetterHeaders.ERROR_MESSAGE))
          .isNotBlank();
      assertThat(fixture.runtime.status("cleaning").get().deadLetters()).isEqualTo(2);
    }
  }

  @Test
  void shouldSkipTombstonesWithoutDeadLetteringThem() throws Exception {
    try (RuntimeFixture fixture = new RuntimeFixture(dataDir)) {
      fixture.log.createTopic("clicks", 1, Map.of());
      fixture.write("clicks", null, List.of("{\"amount\": 20}"));
      var result =
          fixture.writer.tryWrite(
              "clicks", List.of(io.millrace.log.write.WriteRecord.of("k".getBytes(), null)));
      result.durable().get();
      fixture.write("clicks", null, List.of("{\"amount\": 30}"));

      fixture.runtime.deploy("cleaning.yaml", CLEANING);

      await().atMost(WAIT).until(() -> fixture.records("clicks_clean").size() == 2);
      await()
          .atMost(WAIT)
          .untilAsserted(() -> assertThat(fixture.runtime.status("cleaning").get().lag()).isZero());
      assertThat(fixture.runtime.status("cleaning").get().deadLetters()).isZero();
    }
  }

  @Test
  void shouldRouteRecordsToTheOutputTheirCaseNames() throws Exception {
    String routing =
        """
        name: routing
        input: {topics: [bids]}
        processors:
          - route:
              cases:
                - when: value.price >= 100
                  output: big
              default: small
        outputs:
          - {name: big, topic: bids_big}
          - {name: small, topic: bids_small}
        """;
    try (RuntimeFixture fixture = new RuntimeFixture(dataDir)) {
      fixture.log.createTopic("bids", 1, Map.of());
      fixture.write("bids", null, List.of("{\"price\": 5}", "{\"price\": 500}", "{\"price\": 7}"));
      fixture.runtime.deploy("routing.yaml", routing);

      await().atMost(WAIT).until(() -> fixture.records("bids_small").size() == 2);
      await().atMost(WAIT).until(() -> fixture.records("bids_big").size() == 1);
      assertThat(fixture.values("bids_big")).containsExactly("{\"price\":500}");
    }
  }

  @Test
  void shouldCommitProgressAsConsumerGroupOffsets() throws Exception {
    try (RuntimeFixture fixture = new RuntimeFixture(dataDir)) {
      fixture.log.createTopic("clicks", 1, Map.of());
      fixture.write(
          "clicks", null, IntStream.range(0, 100).mapToObj(i -> "{\"amount\": 20}").toList());
      fixture.runtime.deploy("cleaning.yaml", CLEANING);

      TopicPartition partition = new TopicPartition("clicks", 0);
      await()
          .atMost(WAIT)
          .untilAsserted(
              () ->
                  assertThat(fixture.offsets.fetch("millrace-pipeline-cleaning", partition))
                      .hasValueSatisfying(c -> assertThat(c.offset()).isEqualTo(100)));
    }
  }

  @Test
  void shouldResumeFromCommittedOffsetsAfterARestart() throws Exception {
    try (RuntimeFixture fixture = new RuntimeFixture(dataDir)) {
      fixture.log.createTopic("clicks", 2, Map.of());
      fixture.write(
          "clicks", null, IntStream.range(0, 50).mapToObj(i -> "{\"amount\": 20}").toList());
      fixture.runtime.deploy("cleaning.yaml", CLEANING);
      await().atMost(WAIT).until(() -> fixture.records("clicks_clean").size() == 50);

      fixture.runtime.close(); // the pipeline stays stored
      fixture.write(
          "clicks", null, IntStream.range(0, 30).mapToObj(i -> "{\"amount\": 40}").toList());
      fixture.runtime = fixture.newRuntime();
      assertThat(fixture.runtime.restore()).containsExactly("cleaning");

      await().atMost(WAIT).until(() -> fixture.records("clicks_clean").size() >= 80);
      await()
          .atMost(WAIT)
          .untilAsserted(() -> assertThat(fixture.runtime.status("cleaning").get().lag()).isZero());
      assertThat(fixture.records("clicks_clean")).hasSize(80); // a clean stop commits all
    }
  }

  @Test
  void shouldForgetAStoppedPipelineButKeepItsOffsets() throws Exception {
    try (RuntimeFixture fixture = new RuntimeFixture(dataDir)) {
      fixture.log.createTopic("clicks", 1, Map.of());
      fixture.write("clicks", null, List.of("{\"amount\": 20}"));
      fixture.runtime.deploy("cleaning.yaml", CLEANING);
      await().atMost(WAIT).until(() -> fixture.records("clicks_clean").size() == 1);

      assertThat(fixture.runtime.stop("cleaning")).isTrue();
      assertThat(fixture.runtime.stop("cleaning")).isFalse();
      assertThat(fixture.runtime.list()).isEmpty();
      fixture.runtime.close();
      fixture.runtime = fixture.newRuntime();
      assertThat(fixture.runtime.restore()).isEmpty();

      fixture.write("clicks", null, List.of("{\"amount\": 30}"));
      fixture.runtime.deploy("cleaning.yaml", CLEANING);
      await().atMost(WAIT).until(() -> fixture.records("clicks_clean").size() == 2);
      assertThat(fixture.values("clicks_clean"))
          .containsExactly("{\"amount\":20,\"doubled\":40}", "{\"amount\":30,\"doubled\":60}");
    }
  }

  @Test
  void shouldRefuseAnInvalidPipelineAndLeaveTheRunningOneAlone() throws Exception {
    try (RuntimeFixture fixture = new RuntimeFixture(dataDir)) {
      fixture.log.createTopic("clicks", 1, Map.of());
      fixture.runtime.deploy("cleaning.yaml", CLEANING);
      String broken = CLEANING.replace("value.amount > 10", "value.amount >");

      assertThatThrownBy(() -> fixture.runtime.deploy("broken.yaml", broken))
          .isInstanceOf(PipelineDeployException.class)
          .hasMessageContaining("broken.yaml:6:");
      assertThat(fixture.runtime.status("cleaning").get().state()).isEqualTo(PipelineState.RUNNING);
    }
  }

  @Test
  void shouldRefuseUnknownTopicsWhenAutoCreateIsOff() throws Exception {
    try (RuntimeFixture fixture = new RuntimeFixture(dataDir)) {
      fixture.runtime.close();
      fixture.runtime =
          new PipelineRuntime(
              fixture.log,
              fixture.writer,
              fixture.offsets,
              io.millrace.pipeline.definition.EnvironmentSubstitution.from(Map.of()),
              SinkFactory.unavailable("no sinks here"),
              (view, ttlMs) -> {
                throw new IllegalArgumentException("no views here");
              },
              new PipelineRuntime.Options(1, false, 1));

      assertThatThrownBy(() -> fixture.runtime.deploy("cleaning.yaml", CLEANING))
          .isInstanceOf(PipelineDeployException.class)
          .hasMessageContaining("cleaning.yaml:3:")
          .hasMessageContaining("unknown topic 'clicks'");
      assertThat(fixture.runtime.list()).isEmpty();
    }
  }

  @Test
  void shouldDeliverEverythingThroughASmallWriteBudget() throws Exception {
    WriterOptions tiny = new WriterOptions(256 * 1024, 64 * 1024, 10_000, 64 * 1024);
    try (RuntimeFixture fixture = new RuntimeFixture(dataDir, tiny)) {
      fixture.log.createTopic("clicks", 2, Map.of());
      List<String> values = new ArrayList<>();
      for (int i = 0; i < 20_000; i++) {
        values.add("{\"amount\": " + (20 + i) + ", \"pad\": \"" + "x".repeat(80) + "\"}");
      }
      for (int from = 0; from < values.size(); from += 500) {
        fixture.write("clicks", null, values.subList(from, from + 500));
      }

      fixture.runtime.deploy("cleaning.yaml", CLEANING);

      await()
          .atMost(Duration.ofSeconds(40))
          .until(() -> fixture.records("clicks_clean").size() == 20_000);
      assertThat(
              fixture.runtime.status("cleaning").get().tasks().stream()
                  .mapToLong(io.millrace.engine.task.TaskStatus::backPressuredWaits)
                  .sum())
          .as("the budget is small enough that the tasks had to wait")
          .isPositive();
      await()
          .atMost(WAIT)
          .untilAsserted(() -> assertThat(fixture.runtime.status("cleaning").get().lag()).isZero());
    }
  }
}
