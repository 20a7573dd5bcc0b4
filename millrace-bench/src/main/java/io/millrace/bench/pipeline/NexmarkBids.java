package io.millrace.bench.pipeline;

import io.millrace.log.format.LogRecord;
import io.millrace.pipeline.CompiledPipeline;
import io.millrace.pipeline.PipelineValidator;
import io.millrace.pipeline.ValidationReport;
import io.millrace.pipeline.definition.EnvironmentSubstitution;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * Nexmark-shaped bid events (about 100 bytes of JSON each) and the filter + mask + map
 * pipeline over them, shared by the pipeline benchmarks.
 */
final class NexmarkBids {

  /**
   * Keeps 90% of the bids (auction not a multiple of 10), hides the URL, converts the price to
   * euros (Nexmark q1) and drops the extra field.
   */
  static final String PIPELINE =
      """
      name: bids-clean
      input:
        topics: [bids]
      processors:
        - filter: value.auction % 10 != 0
        - mask:
            fields:
              - field: url
        - map:
            set:
              price_eur: double(value.price) * 0.908
            remove: [extra]
      outputs:
        - name: clean
          topic: bids_clean
      """;

  private NexmarkBids() {}

  /** One bid's JSON; the same index and seed give the same bytes. */
  static byte[] bid(SplittableRandom random, long index) {
    return ("{\"auction\":%d,\"bidder\":%d,\"price\":%d,\"channel\":\"channel-%d\","
            + "\"url\":\"https://x.io/%d\",\"dateTime\":%d,\"extra\":\"\"}")
        .formatted(
            1000 + random.nextInt(1000),
            random.nextInt(100_000),
            random.nextInt(10_000),
            random.nextInt(10),
            random.nextInt(1000),
            1_700_000_000_000L + index)
        .getBytes(StandardCharsets.UTF_8);
  }

  /** {@code count} bids as log records at offsets 0.. (a batch as a task reads it). */
  static List<LogRecord> records(int count) {
    SplittableRandom random = new SplittableRandom(42);
    List<LogRecord> records = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      records.add(new LogRecord(i, 1_700_000_000_000L + i, null, bid(random, i), List.of()));
    }
    return records;
  }

  static CompiledPipeline compile() {
    ValidationReport report =
        new PipelineValidator(EnvironmentSubstitution.from(Map.of()))
            .validate("bids-clean.yaml", PIPELINE, Optional.empty());
    if (!report.isValid()) {
      throw new IllegalStateException(report.problems().toString());
    }
    return report.pipeline();
  }
}
