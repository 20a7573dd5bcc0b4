package io.millrace.pipeline.runtime;

import io.millrace.pipeline.definition.Problem;
import java.util.List;

/**
 * A pipeline was refused before anything started: the file has problems (each at its {@code
 * file:line:column}) or names topics that do not exist. Nothing of the refused deployment runs or
 * is stored; a pipeline of the same name already running goes on.
 */
public final class PipelineDeployException extends Exception {

  private static final long serialVersionUID = 1L;

  private final transient List<Problem> problems;
  private final String file;

  public PipelineDeployException(String file, List<Problem> problems) {
    super(summary(file, problems));
    this.file = file;
    this.problems = List.copyOf(problems);
  }

  public List<Problem> problems() {
    return problems;
  }

  public String file() {
    return file;
  }

  private static String summary(String file, List<Problem> problems) {
    StringBuilder text = new StringBuilder(file).append(" is not a valid pipeline:");
    for (Problem problem : problems) {
      text.append('\n').append(problem.format());
    }
    return text.toString();
  }
}
