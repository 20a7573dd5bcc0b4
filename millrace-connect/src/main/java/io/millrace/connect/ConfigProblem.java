package io.millrace.connect;

import java.util.List;

/**
 * One broken rule of a source's configuration: the setting, named by its record components (e.g.
 * {@code url} or {@code retry.maxAttempts}), and the rule it breaks. millrace.yaml spells settings
 * in snake_case ({@code retry.max_attempts}); {@link #snakeCaseSetting()} gives that spelling.
 */
public record ConfigProblem(String setting, String rule) {

  /**
   * The setting as millrace.yaml spells it: {@code retry.maxAttempts} → {@code retry.max_attempts}.
   */
  public String snakeCaseSetting() {
    StringBuilder snake = new StringBuilder(setting.length() + 8);
    for (int i = 0; i < setting.length(); i++) {
      char c = setting.charAt(i);
      if (Character.isUpperCase(c) && i > 0 && setting.charAt(i - 1) != '.') {
        snake.append('_').append(Character.toLowerCase(c));
      } else {
        snake.append(c);
      }
    }
    return snake.toString();
  }

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
