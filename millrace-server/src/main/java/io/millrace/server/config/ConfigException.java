package io.millrace.server.config;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The configuration is wrong: every problem found, one per line, each with its location, setting
 * and rule. Thrown before anything starts; the caller's mistake, never retriable.
 */
public final class ConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final transient List<ConfigProblem> problems;

  public ConfigException(List<ConfigProblem> problems) {
    super(problems.stream().map(ConfigProblem::message).collect(Collectors.joining("\n")));
    this.problems = List.copyOf(problems);
  }

  public List<ConfigProblem> problems() {
    return problems;
  }
}
