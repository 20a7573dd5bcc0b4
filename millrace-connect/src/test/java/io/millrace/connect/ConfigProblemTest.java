package io.millrace.connect;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ConfigProblemTest {

  @Test
  void shouldSpellSettingsAsMillraceYamlDoes() {
    assertThat(new ConfigProblem("retry.maxAttempts", "r").snakeCaseSetting())
        .isEqualTo("retry.max_attempts");
    assertThat(new ConfigProblem("pagination.nextLinkPointer", "r").snakeCaseSetting())
        .isEqualTo("pagination.next_link_pointer");
    assertThat(new ConfigProblem("url", "r").snakeCaseSetting()).isEqualTo("url");
  }
}
