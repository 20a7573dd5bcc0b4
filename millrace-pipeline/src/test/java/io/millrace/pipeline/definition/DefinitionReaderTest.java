package io.millrace.pipeline.definition;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.common.DidYouMean;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DefinitionReaderTest {

  private final Problems problems = new Problems();

  private PipelineDefinition read(String yaml) {
    YamlNode root =
        new YamlReader("p.yaml", EnvironmentSubstitution.from(Map.of("IN", "orders")), problems)
            .read(yaml);
    return root == null ? null : new DefinitionReader(problems).read(root);
  }

  @Test
  void shouldReadACsvPipelineWithPositionsAndDefaults() {
    PipelineDefinition definition =
        read(
            """
            name: csv-orders
            input:
              topics: ['${IN}']
              format: csv
              csv:
                columns: [id, amount]
                delimiter: ";"
            processors:
              - filter: int(value.amount) > 10
            outputs:
              - name: out
                topic: big-orders
            """);
    assertThat(problems.sorted()).isEmpty();
    assertThat(definition.input().topics())
        .containsExactly(new TopicRef("orders", new SourcePosition("p.yaml", 3, 12)));
    assertThat(definition.input().csv()).isEqualTo(new CsvOptions(List.of("id", "amount"), ';'));
    assertThat(definition.processors())
        .containsExactly(
            new ProcessorSpec.Filter(
                new Expression("int(value.amount) > 10", new SourcePosition("p.yaml", 9, 13)),
                new SourcePosition("p.yaml", 9, 5)));
    assertThat(definition.errors()).isEqualTo(ErrorPolicy.defaults());
  }

  @Test
  void shouldReadViewOutputsWithTheirTtl() {
    PipelineDefinition definition =
        read(
            """
            name: profiles
            input:
              topics: [updates]
            outputs:
              - name: latest
                view: user_profiles
                ttl_ms: 3600000
              - name: forever
                view: all-profiles
            """);
    assertThat(problems.sorted()).isEmpty();
    assertThat(definition.outputs())
        .containsExactly(
            new Output.ViewOutput(
                "latest", "user_profiles", 3_600_000, new SourcePosition("p.yaml", 5, 5)),
            new Output.ViewOutput(
                "forever", "all-profiles", 0, new SourcePosition("p.yaml", 8, 5)));
  }

  @Test
  void shouldReportMissingSectionsAtTheDocumentStart() {
    read("name: x\n");
    assertThat(problems.sorted())
        .extracting(Problem::message)
        .containsExactly("a pipeline needs 'input'", "a pipeline needs 'outputs'");
  }

  @Test
  void shouldRefuseReservedFormatsAsNotYetSupported() {
    read("name: x\ninput:\n  topics: [a]\n  format: avro\noutputs:\n  - {name: o, topic: b}\n");
    assertThat(problems.sorted())
        .extracting(Problem::format)
        .containsExactly(
            "p.yaml:4:3: input format avro is not supported yet\n  hint: use json, text or csv");
  }

  @Test
  void shouldRefuseTooManyProcessors() {
    StringBuilder yaml = new StringBuilder("name: x\ninput:\n  topics: [a]\nprocessors:\n");
    for (int i = 0; i <= PipelineDefinition.MAX_PROCESSORS; i++) {
      yaml.append("  - filter: 'true'\n");
    }
    yaml.append("outputs:\n  - {name: o, topic: b}\n");
    PipelineDefinition definition = read(yaml.toString());
    assertThat(definition.processors()).hasSize(PipelineDefinition.MAX_PROCESSORS);
    assertThat(problems.sorted())
        .extracting(Problem::message)
        .containsExactly("'processors' has 257 items; the limit is 256");
  }

  @Test
  void shouldSuggestTheClosestKnownWord() {
    assertThat(DidYouMean.hint("redcat", ProcessorSpec.KINDS)).isEqualTo("did you mean redact?");
    assertThat(DidYouMean.hint("zzzzzz", List.of("json", "csv")))
        .isEqualTo("expected one of: json, csv");
  }
}
