package io.millrace.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.pipeline.definition.EnvironmentSubstitution;
import io.millrace.pipeline.definition.Problem;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Golden-file tests of validation messages: each {@code golden/NAME.yaml} is validated and its
 * report compared with {@code golden/NAME.expected}. Run with {@code -Dgolden.update=true} to
 * rewrite the expected files, then review the diff.
 */
class ValidationGoldenTest {

  private static final Path GOLDEN = Path.of("src/test/resources/golden");
  private static final Map<String, String> ENVIRONMENT =
      Map.of("MASK_SECRET", "0123456789abcdef-not-a-real-secret");

  static Stream<String> files() throws IOException {
    try (Stream<Path> paths = Files.list(GOLDEN)) {
      return paths
          .map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(".yaml"))
          .sorted()
          .toList()
          .stream();
    }
  }

  @ParameterizedTest
  @MethodSource("files")
  void shouldReportExactlyTheExpectedProblems(String name) throws IOException {
    Path file = GOLDEN.resolve(name);
    Optional<Set<String>> knownTopics =
        name.equals("unknown-topics.yaml")
            ? Optional.of(Set.of("orders", "orders-dead-letters"))
            : Optional.empty();
    ValidationReport report =
        new PipelineValidator(EnvironmentSubstitution.from(ENVIRONMENT))
            .validate("golden/" + name, Files.readString(file), knownTopics);
    String actual = render(report);
    Path expectedFile = GOLDEN.resolve(name.replace(".yaml", ".expected"));
    if (Boolean.getBoolean("golden.update")) {
      Files.writeString(expectedFile, actual, StandardCharsets.UTF_8);
    }
    assertThat(actual).isEqualTo(Files.readString(expectedFile));
    assertThat(report.isValid()).isEqualTo(report.pipeline() != null);
  }

  static String render(ValidationReport report) {
    StringBuilder out = new StringBuilder();
    for (Problem problem : report.problems()) {
      out.append(problem.format()).append('\n');
    }
    for (String note : report.notes()) {
      out.append("note: ").append(note).append('\n');
    }
    return out.toString();
  }
}
