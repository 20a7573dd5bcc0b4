package io.millrace.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {

  private final RetryPolicy policy = new RetryPolicy(10, 100, 5_000);

  @Test
  void shouldJitterBelowAnExponentialCeilingCappedAtMaxDelay() {
    Random random = new Random(11);
    for (int attempt = 1; attempt <= 10; attempt++) {
      long ceiling = Math.min(5_000, 100L << (attempt - 1));
      long max = 0;
      for (int i = 0; i < 2_000; i++) {
        long delay = policy.delayMs(attempt, 0, random);
        assertThat(delay).isBetween(0L, ceiling);
        max = Math.max(max, delay);
      }
      assertThat(max)
          .as("attempt " + attempt + " reaches near its ceiling")
          .isGreaterThan(ceiling * 9 / 10);
    }
  }

  @Test
  void shouldWaitAtLeastWhatRetryAfterAsksButNeverAboveMaxDelay() {
    Random random = new Random(3);
    assertThat(policy.delayMs(1, 2_000, random)).isEqualTo(2_000);
    assertThat(policy.delayMs(1, 60_000, random)).isEqualTo(5_000);
  }

  @Test
  void shouldNameEveryBrokenSetting() {
    List<String> settings = new ArrayList<>();
    new RetryPolicy(0, 0, -1).validate("retry.", (setting, rule) -> settings.add(setting));
    assertThat(settings)
        .containsExactly("retry.maxAttempts", "retry.initialDelayMs", "retry.maxDelayMs");
  }
}
