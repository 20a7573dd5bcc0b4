package io.millrace.pipeline;

import io.millrace.pipeline.definition.Problem;
import java.util.List;

/**
 * The outcome of validating one pipeline file.
 *
 * @param pipeline the compiled pipeline, or null when there are problems
 * @param problems every problem found, in file order
 * @param notes what was not checked and why (e.g. topics without a server)
 */
public record ValidationReport(
    String file, CompiledPipeline pipeline, List<Problem> problems, List<String> notes) {

  public ValidationReport {
    problems = List.copyOf(problems);
    notes = List.copyOf(notes);
  }

  public boolean isValid() {
    return problems.isEmpty();
  }
}
