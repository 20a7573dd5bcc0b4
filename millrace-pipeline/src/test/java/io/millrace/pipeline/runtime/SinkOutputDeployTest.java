package io.millrace.pipeline.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sink that cannot start refuses the deployment at its output, and nothing else changes; view
 * outputs validate but the runtime does not run them yet: deploy refuses them, at place.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SinkOutputDeployTest {

  @TempDir Path dataDir;

  @Test
  void whenASinkCannotStart_thenDeployRefusesItAtTheOutputAndTheRunningVersionGoesOn()
      throws Exception {
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
    String running = yaml.substring(0, yaml.indexOf("  - name: files"));
    try (RuntimeFixture fixture = new RuntimeFixture(dataDir)) {
      fixture.runtime.deploy("archive.yaml", running);

      assertThatThrownBy(() -> fixture.runtime.deploy("archive.yaml", yaml))
          .isInstanceOf(PipelineDeployException.class)
          .hasMessageContaining("archive.yaml:7:5: output 'files' cannot start: no sinks here");
      assertThat(fixture.runtime.status("archive").get().state()).isEqualTo(PipelineState.RUNNING);
    }
  }

  @Test
  void whenAViewCannotStart_thenDeployRefusesItAtTheOutput() throws Exception {
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
              "profiles.yaml:5:5: view 'user_profiles' cannot start: no views here");
      assertThat(fixture.runtime.list()).isEmpty();
    }
  }
}
