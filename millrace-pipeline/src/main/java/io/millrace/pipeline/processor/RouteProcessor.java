package io.millrace.pipeline.processor;

import io.millrace.pipeline.PipelineRecord;
import io.millrace.pipeline.expression.CompiledExpression;
import io.millrace.pipeline.expression.RecordVariables;
import java.util.List;

/**
 * Picks the output of the first case whose condition is true, else the default output (null:
 * dropped). Always the last processor. Thread-safe.
 */
public final class RouteProcessor implements Processor {

  /** A condition and the output it selects. */
  public record Case(CompiledExpression when, String output) {}

  private final List<Case> cases;
  private final String defaultOutput;

  public RouteProcessor(List<Case> cases, String defaultOutput) {
    this.cases = List.copyOf(cases);
    this.defaultOutput = defaultOutput;
  }

  @Override
  public ProcessResult apply(PipelineRecord record, RecordVariables variables) {
    variables.reset(record);
    for (Case c : cases) {
      try {
        if (c.when().test(variables)) {
          return new ProcessResult.Routed(record, c.output());
        }
      } catch (CompiledExpression.ExpressionFailure e) {
        return ProcessResult.failed(record, kind(), e.getMessage());
      }
    }
    return new ProcessResult.Routed(record, defaultOutput);
  }

  @Override
  public String kind() {
    return "route";
  }
}
