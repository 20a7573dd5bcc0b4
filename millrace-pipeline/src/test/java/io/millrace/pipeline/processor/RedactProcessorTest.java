package io.millrace.pipeline.processor;

import static io.millrace.pipeline.processor.Fixtures.apply;
import static io.millrace.pipeline.processor.Fixtures.json;
import static io.millrace.pipeline.processor.Fixtures.processor;
import static io.millrace.pipeline.processor.Fixtures.text;
import static io.millrace.pipeline.processor.Fixtures.value;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class RedactProcessorTest {

  @Test
  void shouldMaskTheGuidesPasswordsInTextMessages() {
    Processor redact =
        processor(
            "text",
            """
            - redact:
                patterns:
                  - regex: '(Password: )\\S+'
                    replacement: '$1****'
            """);
    for (int i = 0; i < 10; i++) {
      assertThat(value(apply(redact, text("User: john, Password: secret" + i))))
          .isEqualTo("User: john, Password: ****");
    }
  }

  @Test
  void shouldApplyPatternsInOrderToNamedStringFieldsOnly() {
    Processor redact =
        processor(
            """
            - redact:
                fields: [message, count, nested.note]
                patterns:
                  - regex: '\\d{4}-\\d{4}'
                    replacement: '[card]'
                  - regex: '(?<word>secret)'
                    replacement: '<$${word}>'
            """);
    Object out =
        value(
            apply(
                redact,
                json(
                    "{\"message\": \"pay 1234-5678 secret\", \"count\": 1234, \"nested\":"
                        + " {\"note\": \"secret\"}, \"other\": \"secret\"}")));
    assertThat(out)
        .isEqualTo(
            Map.of(
                "message",
                "pay [card] <secret>",
                "count",
                1234L,
                "nested",
                Map.of("note", "<secret>"),
                "other",
                "secret"));
  }
}
