package io.millrace.pipeline.processor;

import static io.millrace.pipeline.processor.Fixtures.apply;
import static io.millrace.pipeline.processor.Fixtures.failed;
import static io.millrace.pipeline.processor.Fixtures.json;
import static io.millrace.pipeline.processor.Fixtures.processor;
import static io.millrace.pipeline.processor.Fixtures.values;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ValidateProcessorTest {

  private final Processor validate =
      processor(
          """
          - validate:
              schema:
                $schema: https://json-schema.org/draft/2020-12/schema
                type: object
                required: [auction, price]
                properties:
                  auction: {type: integer}
                  price: {type: number, minimum: 0}
                  tags:
                    type: array
                    prefixItems: [{type: string}]
          """);

  @Test
  void shouldPassAValidRecord() {
    assertThat(values(apply(validate, json("{\"auction\": 1, \"price\": 2.5}")))).hasSize(1);
  }

  @Test
  void shouldFailWithEveryViolation() {
    var failure = failed(apply(validate, json("{\"price\": -1, \"tags\": [3]}")));
    assertThat(failure.processor()).isEqualTo("validate");
    assertThat(failure.reasons())
        .hasSize(3)
        .anySatisfy(r -> assertThat(r).contains("auction"))
        .anySatisfy(r -> assertThat(r).startsWith("/price"))
        .anySatisfy(r -> assertThat(r).startsWith("/tags/0"));
  }

  @Test
  void shouldAcceptASchemaWrittenAsAJsonString() {
    Processor fromString =
        processor("- validate:\n    schema: '{\"type\": \"object\", \"required\": [\"a\"]}'");
    assertThat(values(apply(fromString, json("{\"a\": 1}")))).hasSize(1);
    assertThat(failed(apply(fromString, json("{}"))).reasons()).hasSize(1);
  }
}
