package io.millrace.pipeline.processor;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.pipeline.PipelineRecord;
import io.millrace.pipeline.PipelineValidator;
import io.millrace.pipeline.ValidationReport;
import io.millrace.pipeline.Values;
import io.millrace.pipeline.definition.EnvironmentSubstitution;
import io.millrace.pipeline.expression.RecordVariables;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Builds processors from YAML snippets, the way users write them, and records to feed them. */
final class Fixtures {

  private Fixtures() {}

  /** The single processor of a json pipeline whose processors section is {@code processorYaml}. */
  static Processor processor(String processorYaml) {
    return processor("json", processorYaml);
  }

  static Processor processor(String format, String processorYaml) {
    String yaml =
        "name: t\ninput:\n  topics: [in]\n  format: "
            + format
            + "\nprocessors:\n"
            + processorYaml.stripIndent().indent(2)
            + "outputs:\n  - name: out\n    topic: out\n  - name: other\n    topic: other\n";
    ValidationReport report =
        new PipelineValidator(EnvironmentSubstitution.from(Map.of()))
            .validate("test.yaml", yaml, Optional.empty());
    assertThat(report.problems()).as(yaml).isEmpty();
    return report.pipeline().processors().get(0);
  }

  static PipelineRecord json(String json) {
    try {
      return new PipelineRecord(
          "in", 2, 42, 1_700_000_000_123L, "k1", Map.of("trace", "t-9"), Values.decodeJson(json));
    } catch (Values.BadDataException e) {
      throw new AssertionError(e);
    }
  }

  static PipelineRecord text(String text) {
    return new PipelineRecord("in", 0, 7, 0, null, Map.of(), text);
  }

  static ProcessResult apply(Processor processor, PipelineRecord record) {
    return processor.apply(record, new RecordVariables());
  }

  /** The values of the records a processor emitted (fails on a dead letter or route). */
  static List<Object> values(ProcessResult result) {
    assertThat(result).isInstanceOf(ProcessResult.Records.class);
    return ((ProcessResult.Records) result).records().stream().map(PipelineRecord::value).toList();
  }

  static Object value(ProcessResult result) {
    List<Object> values = values(result);
    assertThat(values).hasSize(1);
    return values.get(0);
  }

  static ProcessResult.Failed failed(ProcessResult result) {
    assertThat(result).isInstanceOf(ProcessResult.Failed.class);
    return (ProcessResult.Failed) result;
  }
}
