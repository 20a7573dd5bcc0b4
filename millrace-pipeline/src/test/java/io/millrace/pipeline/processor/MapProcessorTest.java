package io.millrace.pipeline.processor;

import static io.millrace.pipeline.processor.Fixtures.apply;
import static io.millrace.pipeline.processor.Fixtures.failed;
import static io.millrace.pipeline.processor.Fixtures.json;
import static io.millrace.pipeline.processor.Fixtures.processor;
import static io.millrace.pipeline.processor.Fixtures.value;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class MapProcessorTest {

  @Test
  void shouldSetRenameAndRemoveFields() {
    Processor map =
        processor(
            """
            - map:
                set:
                  total: value.price * value.quantity
                  label: "'bid-' + string(value.id)"
                  user.tier: "'gold'"
                rename:
                  bidder: user.name
                remove: [extra]
            """);
    Object out =
        value(
            apply(
                map,
                json(
                    "{\"id\": 7, \"price\": 3, \"quantity\": 5, \"bidder\": \"ann\", \"extra\": true}")));
    assertThat(out)
        .isEqualTo(
            Map.of(
                "id", 7L,
                "price", 3L,
                "quantity", 5L,
                "total", 15L,
                "label", "bid-7",
                "user", Map.of("tier", "gold", "name", "ann")));
  }

  @Test
  void shouldEvaluateEveryExpressionAgainstTheInputRecord() {
    Processor map = processor("- map:\n    set:\n      a: value.b\n      b: value.a");
    assertThat(value(apply(map, json("{\"a\": 1, \"b\": 2}")))).isEqualTo(Map.of("a", 2L, "b", 1L));
  }

  @Test
  void shouldConvertCelResultsToPlainValues() {
    Processor map =
        processor("- map:\n    set:\n      m: \"{'x': [1, 2.5, 'y']}\"\n      t: timestamp");
    Object out = value(apply(map, json("{}")));
    assertThat(out)
        .isEqualTo(
            Map.of(
                "m",
                Map.of("x", java.util.List.of(1L, 2.5, "y")),
                "t",
                "2023-11-14T22:13:20.123Z"));
  }

  @Test
  void shouldLeaveTheInputRecordUnchanged() {
    var in = json("{\"a\": 1}");
    apply(processor("- map:\n    remove: [a]"), in);
    assertThat(in.value()).isEqualTo(Map.of("a", 1L));
  }

  @Test
  void shouldFailARecordWhoseExpressionFails() {
    Processor map = processor("- map:\n    set:\n      r: value.a / value.b");
    assertThat(failed(apply(map, json("{\"a\": 1, \"b\": 0}"))).reasons().get(0))
        .startsWith("set r: ")
        .contains("by zero");
  }
}
