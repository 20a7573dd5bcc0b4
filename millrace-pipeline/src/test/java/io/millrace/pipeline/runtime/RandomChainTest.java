package io.millrace.pipeline.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.millrace.log.format.LogRecord;
import io.millrace.log.testing.SeededRandomExtension;
import io.millrace.pipeline.Values;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random chains of stateless processors run by the runtime, against a direct evaluation of the same
 * chain written here in plain Java: the same outputs (as decoded values with keys, in any order
 * across partitions) and the same number of dead letters. Seeded: a failure prints the seed to
 * replay with {@code -Dmillrace.test.seed=N}.
 */
@ExtendWith(SeededRandomExtension.class)
@Timeout(90)
class RandomChainTest {

  /** A processor as YAML and as the reference function (null result = dropped). */
  private record Step(String yaml, Function<Item, Item> reference) {}

  /** A record in the reference evaluation: its key (null for none) and value. */
  private record Item(String key, Map<String, Object> value) {}

  /** What a reference step returns for a record the runtime must dead-letter. */
  private static final Item DEAD = new Item(null, Map.of());

  @TempDir Path dataDir;

  @RepeatedTest(3)
  void shouldMatchADirectEvaluationOfTheSameChain(Random random) throws Exception {
    List<Step> chain = new ArrayList<>();
    int length = 1 + random.nextInt(6);
    for (int i = 0; i < length; i++) {
      chain.add(randomStep(random, i));
    }
    List<String> inputs = new ArrayList<>();
    int count = 200 + random.nextInt(2_000);
    for (int i = 0; i < count; i++) {
      inputs.add(randomInput(random, i));
    }

    List<Map<String, Object>> expected = new ArrayList<>();
    int expectedDeadLetters = 0;
    for (String input : inputs) {
      Object decoded;
      try {
        decoded = Values.decodeJson(input);
      } catch (Values.BadDataException e) {
        expectedDeadLetters++;
        continue;
      }
      @SuppressWarnings("unchecked")
      Item item = new Item(null, (Map<String, Object>) decoded);
      for (Step step : chain) {
        item = step.reference().apply(item);
        if (item == null || item == DEAD) {
          break;
        }
      }
      if (item == DEAD) {
        expectedDeadLetters++;
      } else if (item != null) {
        expected.add(withKey(item.key(), item.value()));
      }
    }

    try (RuntimeFixture fixture = new RuntimeFixture(dataDir)) {
      int partitions = 1 + random.nextInt(3);
      fixture.log.createTopic("in", partitions, Map.of());
      for (int from = 0; from < inputs.size(); from += 100) {
        fixture.write("in", null, inputs.subList(from, Math.min(inputs.size(), from + 100)));
      }
      String yaml = pipeline(chain);
      fixture.runtime.deploy("random.yaml", yaml);
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () -> {
                PipelineStatus status = fixture.runtime.status("random").get();
                return status.lag() == 0 && status.recordsIn() >= inputs.size();
              });
      assertThat(fixture.records("dead")).as(yaml).hasSize(expectedDeadLetters);

      List<Map<String, Object>> actual = new ArrayList<>();
      for (LogRecord record : fixture.records("out")) {
        @SuppressWarnings("unchecked")
        Map<String, Object> value = (Map<String, Object>) Values.decodeJson(record.value());
        actual.add(
            withKey(
                record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8),
                value));
      }
      assertThat(actual).as(yaml).containsExactlyInAnyOrderElementsOf(expected);
    }
  }

  private static Map<String, Object> withKey(String key, Map<String, Object> value) {
    Map<String, Object> both = new HashMap<>();
    both.put("key", key);
    both.put("value", value);
    return both;
  }

  private static String pipeline(List<Step> chain) {
    StringBuilder yaml =
        new StringBuilder(
            """
            name: random
            input:
              topics: [in]
            processors:
            """);
    for (Step step : chain) {
      yaml.append(step.yaml().indent(2));
    }
    yaml.append(
        """
        outputs:
          - name: out
            topic: out
        errors:
          dead_letter_topic: dead
        """);
    return yaml.toString();
  }

  private static String randomInput(Random random, int index) {
    if (random.nextInt(50) == 0) {
      return "not json " + index;
    }
    StringBuilder json = new StringBuilder("{\"id\": ").append(index);
    json.append(", \"n\": ").append(random.nextInt(200));
    json.append(", \"tag\": \"").append(random.nextBoolean() ? "a" : "b").append('"');
    if (random.nextInt(4) != 0) {
      json.append(", \"card\": \"").append(4000_0000_0000_0000L + random.nextInt(1_000_000));
      json.append('"');
    }
    return json.append('}').toString();
  }

  private static Step randomStep(Random random, int position) {
    switch (random.nextInt(6)) {
      case 0 -> {
        long threshold = random.nextInt(150);
        return new Step(
            "- filter: value.n > " + threshold + "\n",
            item -> ((Long) item.value().get("n")) > threshold ? item : null);
      }
      case 1 -> {
        long add = random.nextInt(1000);
        String field = "m" + position;
        return new Step(
            "- map:\n    set:\n      " + field + ": value.n + " + add + "\n",
            item ->
                new Item(
                    item.key(), with(item.value(), field, (Long) item.value().get("n") + add)));
      }
      case 2 -> {
        return new Step(
            "- mask:\n    fields:\n      - field: card\n",
            item ->
                item.value().containsKey("card")
                    ? new Item(item.key(), with(item.value(), "card", "****"))
                    : item);
      }
      case 3 -> {
        return new Step(
            "- key: string(value.n)\n",
            item -> new Item(String.valueOf(item.value().get("n")), item.value()));
      }
      case 4 -> {
        String tag = random.nextBoolean() ? "a" : "b";
        return new Step(
            "- filter: value.tag == '" + tag + "'\n",
            // A missing field fails the expression: a dead letter, not a dropped record.
            item ->
                !item.value().containsKey("tag")
                    ? DEAD
                    : tag.equals(item.value().get("tag")) ? item : null);
      }
      default -> {
        return new Step(
            "- map:\n    remove: [tag]\n",
            item -> {
              Map<String, Object> copy = new LinkedHashMap<>(item.value());
              copy.remove("tag");
              return new Item(item.key(), copy);
            });
      }
    }
  }

  private static Map<String, Object> with(Map<String, Object> value, String field, Object added) {
    Map<String, Object> copy = new LinkedHashMap<>(value);
    copy.put(field, added);
    return copy;
  }
}
