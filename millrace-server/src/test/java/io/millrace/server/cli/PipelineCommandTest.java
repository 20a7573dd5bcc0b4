package io.millrace.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.kafka.KafkaListener;
import io.millrace.kafka.KafkaListenerConfig;
import io.millrace.log.Log;
import io.millrace.log.LogOptions;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code millrace pipeline validate}: exit codes, file:line:column on stderr, topic checks. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PipelineCommandTest {

  private static final Path EXAMPLE = Path.of("../examples/password-masking.yaml");

  @TempDir Path dir;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private PrintStream originalOut;
  private PrintStream originalErr;

  @BeforeEach
  void captureOutput() {
    originalOut = System.out;
    originalErr = System.err;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @AfterEach
  void restoreOutput() {
    System.setOut(originalOut);
    System.setErr(originalErr);
  }

  private String stdout() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private String stderr() {
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  void shouldAcceptTheExampleAndSayTopicsWereNotChecked() {
    assertThat(MillraceCli.execute("pipeline", "validate", EXAMPLE.toString())).isZero();
    assertThat(stdout()).contains("password-masking.yaml: valid (1 processors)");
    assertThat(stderr()).contains("topics not checked");
  }

  @Test
  void shouldExitOneWithEveryProblemAtItsPosition() throws Exception {
    Path file =
        Files.writeString(
            dir.resolve("bad.yaml"),
            """
            name: bad
            input:
              topics: [a]
            processors:
              - filtr: value.x > 1
              - filter: value.x +
            outputs:
              - name: out
                topic: b
            """);
    assertThat(MillraceCli.execute("pipeline", "validate", file.toString())).isEqualTo(1);
    assertThat(stderr())
        .contains(file + ":5:5: unknown processor 'filtr'", "did you mean filter?")
        .contains(file + ":6:13: bad filter condition:")
        .contains(file + ": 2 problems");
  }

  @Test
  void shouldReportTopicsTheServerDoesNotHave() throws Exception {
    try (Log log = Log.open(LogOptions.defaults(dir.resolve("data")));
        KafkaListener listener =
            KafkaListener.start(log, KafkaListenerConfig.defaults().withPort(0))) {
      String bootstrap = "127.0.0.1:" + listener.port();
      assertThat(MillraceCli.execute("topic", "create", "sensitive_data", "-b", bootstrap))
          .isZero();
      assertThat(MillraceCli.execute("pipeline", "validate", EXAMPLE.toString(), "-b", bootstrap))
          .isEqualTo(1);
      assertThat(stderr())
          .contains("unknown topic 'sensitive_data_masked'")
          .contains("unknown topic 'sensitive_data_dead_letters'")
          .doesNotContain("unknown topic 'sensitive_data'")
          .doesNotContain("topics not checked");
    }
  }
}
