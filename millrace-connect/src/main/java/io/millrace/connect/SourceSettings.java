package io.millrace.connect;

import io.millrace.common.RetryPolicy;
import java.util.List;
import java.util.regex.Pattern;

/**
 * What every polling source has: its name (which keys its position), the topic it writes to, how
 * long it waits between polls once caught up, how it retries, and how many item ids it remembers
 * for de-duplication.
 *
 * @param name unique among sources: letters, digits, '.', '_' and '-', at most 200
 * @param topic the topic its records go to (must exist when the source starts)
 * @param intervalMs the wait between polls once the source has caught up
 * @param retry how failed fetches are retried
 * @param maxRecentIds how many item ids are remembered for de-duplication (0 = none)
 */
public record SourceSettings(
    String name, String topic, long intervalMs, RetryPolicy retry, int maxRecentIds) {

  private static final Pattern LEGAL_NAME = Pattern.compile("[a-zA-Z0-9._-]{1,200}");

  /** Adds the problems of these settings to {@code problems}. */
  public void validate(List<ConfigProblem> problems) {
    if (name == null || !LEGAL_NAME.matcher(name).matches()) {
      problems.add(
          new ConfigProblem(
              "name", "must be 1 to 200 of the characters a-z A-Z 0-9 . _ - (got " + name + ")"));
    }
    if (topic == null || topic.isBlank()) {
      problems.add(new ConfigProblem("topic", "must name the topic to write to"));
    }
    if (intervalMs < 1 || intervalMs > 86_400_000L) {
      problems.add(new ConfigProblem("intervalMs", "must be between 1 and 86400000 (one day)"));
    }
    if (retry == null) {
      problems.add(new ConfigProblem("retry", "must be set"));
    } else {
      retry.validate("retry.", (setting, rule) -> problems.add(new ConfigProblem(setting, rule)));
    }
    if (maxRecentIds < 0 || maxRecentIds > 1_000_000) {
      problems.add(new ConfigProblem("maxRecentIds", "must be between 0 and 1000000"));
    }
  }
}
