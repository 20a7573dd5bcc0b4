package io.millrace.connect;

import java.util.List;
import java.util.Random;

/**
 * How a source retries a failed fetch: exponential backoff with full jitter, capped, and a bounded
 * number of attempts per poll (after the last one the poll is given up and the source waits for its
 * next interval). A server's {@code Retry-After} is honoured up to {@code maxDelayMs}.
 *
 * @param maxAttempts attempts per poll, the first included (1 = no retry)
 * @param initialDelayMs the backoff ceiling before the second attempt
 * @param maxDelayMs the largest delay ever waited between attempts
 */
public record RetryPolicy(int maxAttempts, long initialDelayMs, long maxDelayMs) {

  public static final RetryPolicy DEFAULTS = new RetryPolicy(5, 200, 30_000);

  /** The problems of this policy, settings named under {@code prefix} (e.g. "retry."). */
  public void validate(String prefix, List<ConfigProblem> problems) {
    if (maxAttempts < 1 || maxAttempts > 100) {
      problems.add(new ConfigProblem(prefix + "maxAttempts", "must be between 1 and 100"));
    }
    if (initialDelayMs < 1) {
      problems.add(new ConfigProblem(prefix + "initialDelayMs", "must be at least 1"));
    }
    if (maxDelayMs < initialDelayMs || maxDelayMs > 3_600_000) {
      problems.add(
          new ConfigProblem(
              prefix + "maxDelayMs", "must be at least initialDelayMs and at most 3600000 (1 h)"));
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
