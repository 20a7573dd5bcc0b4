package io.millrace.common;

import java.util.Random;
import java.util.function.BiConsumer;

/**
 * How a failed call to the outside world is retried: exponential backoff with full jitter, capped,
 * and a bounded number of attempts (a source gives up a poll and waits for its next interval; a
 * sink gives up a batch and dead-letters it). A server's {@code Retry-After} is honoured up to
 * {@code maxDelayMs}. Shared by connect's sources and the engine's sink delivery so both back off
 * the same way. Immutable and thread-safe; the caller brings the {@link Random}.
 *
 * @param maxAttempts attempts, the first included (1 = no retry)
 * @param initialDelayMs the backoff ceiling before the second attempt
 * @param maxDelayMs the largest delay ever waited between attempts
 */
public record RetryPolicy(int maxAttempts, long initialDelayMs, long maxDelayMs) {

  public static final RetryPolicy DEFAULTS = new RetryPolicy(5, 200, 30_000);

  /**
   * Reports each broken rule of this policy to {@code problem} as (setting, rule), settings named
   * under {@code prefix} (e.g. "retry.") by their record components.
   */
  public void validate(String prefix, BiConsumer<String, String> problem) {
    if (maxAttempts < 1 || maxAttempts > 100) {
      problem.accept(prefix + "maxAttempts", "must be between 1 and 100");
    }
    if (initialDelayMs < 1) {
      problem.accept(prefix + "initialDelayMs", "must be at least 1");
    }
    if (maxDelayMs < initialDelayMs || maxDelayMs > 3_600_000) {
      problem.accept(
          prefix + "maxDelayMs", "must be at least initialDelayMs and at most 3600000 (1 h)");
    }
  }

  /**
   * The delay before attempt {@code attempt + 1} after attempt {@code attempt} (1-based) failed:
   * uniformly random in [0, min(maxDelayMs, initialDelayMs * 2^(attempt-1))], but at least {@code
   * retryAfterMs} (what the server asked for, 0 if nothing) and never above maxDelayMs.
   */
  public long delayMs(int attempt, long retryAfterMs, Random random) {
    long ceiling = initialDelayMs << Math.min(attempt - 1, 30);
    if (ceiling <= 0 || ceiling > maxDelayMs) {
      ceiling = maxDelayMs;
    }
    long jittered = (long) (random.nextDouble() * (ceiling + 1));
    return Math.min(maxDelayMs, Math.max(jittered, retryAfterMs));
  }
}
