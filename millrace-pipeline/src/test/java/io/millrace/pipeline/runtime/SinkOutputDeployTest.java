package io.millrace.pipeline.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sink and view outputs validate but the runtime does not run them yet: deploy refuses them, at
 * place.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SinkOutputDeployTest {

  @TempDir Path dataDir;

  @Test
  void whenAPipelineHasASinkOutput_thenDeployRefusesItAtTheOutput() throws Exception {
    String yaml =
        """
        name: archive
        input:
          topics: [clicks]
        outputs:
          - name: copy
            topic: clicks-copy
          - name: files
            file: {directory: /tmp/never-written}
        """;
    try (RuntimeFixture fixture = new RuntimeFixture(dataDir)) {
      assertThatThrownBy(() -> fixture.runtime.deploy("archive.yaml", yaml))
          .isInstanceOf(PipelineDeployException.class)
          .hasMessageContaining(
              "archive.yaml:7:5: output 'files' is a sink; running sink outputs is not built yet");
      assertThat(fixture.runtime.list()).isEmpty();
    }
  }

  @Test
  void whenAPipelineHasAViewOutput_thenDeployRefusesItAtTheOutput() throws Exception {
    String yaml =
        """
        name: profiles
        input:
          topics: [updates]
        outputs:
          - name: latest
            view: user_profiles
        """;
    try (RuntimeFixture fixture = new RuntimeFixture(dataDir)) {
      assertThatThrownBy(() -> fixture.runtime.deploy("profiles.yaml", yaml))
          .isInstanceOf(PipelineDeployException.class)
          .hasMessageContaining(
              "profiles.yaml:5:5: output 'latest' is a view; running view outputs is not wired yet");
      assertThat(fixture.runtime.list()).isEmpty();
    }
  }
}
