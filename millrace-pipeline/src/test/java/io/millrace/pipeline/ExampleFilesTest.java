package io.millrace.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.pipeline.definition.EnvironmentSubstitution;
import io.millrace.pipeline.expression.RecordVariables;
import io.millrace.pipeline.processor.ProcessResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The files under examples/ validate, and do what docs/pipelines.md says. */
class ExampleFilesTest {

  private static final Path EXAMPLE = Path.of("../examples/password-masking.yaml");

  @Test
  void passwordMaskingExampleValidatesAndMasksTheGuidesMessages() throws IOException {
    ValidationReport report =
        new PipelineValidator(EnvironmentSubstitution.from(Map.of()))
            .validate(
                EXAMPLE.toString(),
                Files.readString(EXAMPLE),
                Optional.of(
                    Set.of(
                        "sensitive_data", "sensitive_data_masked", "sensitive_data_dead_letters")));
    assertThat(report.problems()).isEmpty();

    PipelineRecord in =
        new PipelineRecord(
            "sensitive_data", 0, 3, 0, null, Map.of(), "User: john, Password: secret3");
    ProcessResult result = report.pipeline().processors().get(0).apply(in, new RecordVariables());
    assertThat(result)
        .isEqualTo(new ProcessResult.Records(List.of(in.withValue("User: john, Password: ****"))));
  }
}
