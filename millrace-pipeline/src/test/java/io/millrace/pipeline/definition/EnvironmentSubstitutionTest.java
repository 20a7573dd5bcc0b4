package io.millrace.pipeline.definition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class EnvironmentSubstitutionTest {

  private final EnvironmentSubstitution substitution =
      EnvironmentSubstitution.from(Map.of("TOPIC", "bids", "EMPTY", ""));

  @Test
  void shouldReplaceSetVariablesAndUseDefaultsForUnsetOnes() throws Exception {
    assertThat(substitution.substitute("${TOPIC}-out")).isEqualTo("bids-out");
    assertThat(substitution.substitute("${MISSING:-fallback}")).isEqualTo("fallback");
    assertThat(substitution.substitute("${EMPTY:-fallback}")).isEmpty();
    assertThat(substitution.substitute("$${TOPIC} costs $5")).isEqualTo("${TOPIC} costs $5");
  }

  @Test
  void shouldNameTheUnsetVariable() {
    assertThatThrownBy(() -> substitution.substitute("x ${SECRET} y"))
        .hasMessageStartingWith("environment variable SECRET is not set");
  }

  @Test
  void shouldRejectMalformedReferences() {
    assertThatThrownBy(() -> substitution.substitute("${TOPIC")).hasMessageContaining("unclosed");
    assertThatThrownBy(() -> substitution.substitute("${1X}"))
        .hasMessageContaining("not a variable reference");
  }
}
