package io.millrace.pipeline.processor;

import static io.millrace.pipeline.processor.Fixtures.apply;
import static io.millrace.pipeline.processor.Fixtures.failed;
import static io.millrace.pipeline.processor.Fixtures.json;
import static io.millrace.pipeline.processor.Fixtures.processor;
import static io.millrace.pipeline.processor.Fixtures.value;
import static io.millrace.pipeline.processor.Fixtures.values;
import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.pipeline.PipelineRecord;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The small processors: route, key, explode, metadata. */
class RouteKeyExplodeMetadataTest {

  @Test
  void routeShouldPickTheFirstMatchingCaseThenTheDefault() {
    Processor route =
        processor(
            """
            - route:
                cases:
                  - when: value.price > 1000
                    output: other
                  - when: value.price > 10
                    output: out
                default: out
            """);
    assertThat(apply(route, json("{\"price\": 5000}")))
        .isEqualTo(new ProcessResult.Routed(json("{\"price\": 5000}"), "other"));
    assertThat(((ProcessResult.Routed) apply(route, json("{\"price\": 50}"))).output())
        .isEqualTo("out");
    assertThat(((ProcessResult.Routed) apply(route, json("{\"price\": 1}"))).output())
        .isEqualTo("out");
  }

  @Test
  void routeWithoutDefaultShouldDropUnmatchedRecords() {
    Processor route =
        processor("- route:\n    cases:\n      - when: value.a == 1\n        output: out");
    assertThat(((ProcessResult.Routed) apply(route, json("{\"a\": 2}"))).output()).isNull();
  }

  @Test
  void keyShouldBecomeTheExpressionsText() {
    Processor key = processor("- key: value.auction");
    PipelineRecord out =
        ((ProcessResult.Records) apply(key, json("{\"auction\": 12}"))).records().get(0);
    assertThat(out.key()).isEqualTo("12");
    assertThat(failed(apply(processor("- key: value"), json("{}"))).reasons().get(0))
        .contains("map");
  }

  @Test
  void explodeShouldEmitOneRecordPerElement() {
    Processor explode = processor("- explode: order.items");
    assertThat(values(apply(explode, json("{\"id\": 1, \"order\": {\"items\": [\"a\", \"b\"]}}"))))
        .isEqualTo(
            List.of(
                Map.of("id", 1L, "order", Map.of("items", "a")),
                Map.of("id", 1L, "order", Map.of("items", "b"))));
    assertThat(values(apply(explode, json("{\"order\": {\"items\": []}}")))).isEmpty();
    assertThat(failed(apply(explode, json("{\"order\": {}}"))).reasons().get(0))
        .contains("not a list");
  }

  @Test
  void metadataShouldCopyTimestampHeadersAndSourceOffset() {
    Processor metadata =
        processor(
            """
            - metadata:
                fields:
                  meta.ts: timestamp
                  meta.offset: offset
                  meta.partition: partition
                  meta.topic: topic
                  meta.key: key
                  trace: header:trace
                  all: headers
            """);
    assertThat(value(apply(metadata, json("{}"))))
        .isEqualTo(
            Map.of(
                "meta",
                Map.of(
                    "ts", 1_700_000_000_123L,
                    "offset", 42L,
                    "partition", 2L,
                    "topic", "in",
                    "key", "k1"),
                "trace",
                "t-9",
                "all",
                Map.of("trace", "t-9")));
  }
}
