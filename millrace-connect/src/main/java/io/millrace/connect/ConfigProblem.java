package io.millrace.connect;

import java.util.List;

/**
 * One broken rule of a source's configuration: the setting (as it will be named in millrace.yaml,
 * e.g. {@code url} or {@code retry.maxAttempts}) and the rule it breaks.
 */
public record ConfigProblem(String setting, String rule) {

  @Override
  public String toString() {
    return setting + ": " + rule;
  }

  /**
   * Throws if there are problems, naming every one of them.
   *
   * @throws IllegalArgumentException listing the problems of source {@code sourceName}
   */
  public static void requireNone(String sourceName, List<ConfigProblem> problems) {
    if (!problems.isEmpty()) {
      StringBuilder message = new StringBuilder("source " + sourceName + " is misconfigured:");
      for (ConfigProblem problem : problems) {
        message.append("\n  ").append(problem);
      }
      throw new IllegalArgumentException(message.toString());
    }
  }
}
