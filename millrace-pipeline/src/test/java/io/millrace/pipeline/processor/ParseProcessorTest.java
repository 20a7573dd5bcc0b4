package io.millrace.pipeline.processor;

import static io.millrace.pipeline.processor.Fixtures.apply;
import static io.millrace.pipeline.processor.Fixtures.failed;
import static io.millrace.pipeline.processor.Fixtures.json;
import static io.millrace.pipeline.processor.Fixtures.processor;
import static io.millrace.pipeline.processor.Fixtures.text;
import static io.millrace.pipeline.processor.Fixtures.value;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ParseProcessorTest {

  @Test
  void shouldTurnATextValueIntoFieldsWithNamedGroups() {
    Processor parse =
        processor(
            "text",
            """
            - parse:
                format: regex
                regex: 'User: (?<user>\\w+), Password: (?<password>\\S+)'
            """);
    assertThat(value(apply(parse, text("User: john, Password: secret3"))))
        .isEqualTo(Map.of("user", "john", "password", "secret3"));
  }

  @Test
  void shouldFailTextThatDoesNotMatch() {
    Processor parse = processor("text", "- parse:\n    format: regex\n    regex: '^(?<n>\\d+)$'");
    assertThat(failed(apply(parse, text("abc"))).reasons().get(0)).contains("does not match");
  }

  @Test
  void shouldParseAJsonStringFieldIntoATarget() {
    Processor parse = processor("- parse:\n    field: payload\n    format: json\n    target: body");
    assertThat(value(apply(parse, json("{\"payload\": \"{\\\"a\\\": [1, true, null]}\"}"))))
        .isEqualTo(
            Map.of(
                "payload",
                "{\"a\": [1, true, null]}",
                "body",
                Map.of("a", java.util.Arrays.asList(1L, true, null))));
  }

  @Test
  void shouldSendBadJsonToTheDeadLetters() {
    Processor parse = processor("- parse:\n    field: payload\n    format: json");
    assertThat(failed(apply(parse, json("{\"payload\": \"{oops\"}"))).reasons().get(0))
        .startsWith("bad JSON");
  }

  @Test
  void shouldSplitCsvWithQuotes() {
    Processor parse =
        processor("- parse:\n    field: line\n    format: csv\n    columns: [a, b, c]\n");
    assertThat(value(apply(parse, json("{\"line\": \"1,\\\"x, \\\"\\\"y\\\"\\\"\\\",\"}"))))
        .isEqualTo(Map.of("line", "1,\"x, \"\"y\"\"\",", "a", "1", "b", "x, \"y\"", "c", ""));
    assertThat(failed(apply(parse, json("{\"line\": \"1,2,3,4\"}"))).reasons()).hasSize(1);
  }

  @Test
  void shouldFailWhenTheFieldIsNotAString() {
    Processor parse = processor("- parse:\n    field: line\n    format: json");
    assertThat(failed(apply(parse, json("{\"line\": 3}"))).reasons())
        .isEqualTo(List.of("field line is not a string"));
  }
}
