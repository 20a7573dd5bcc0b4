package io.millrace.pipeline.processor;

import io.millrace.pipeline.PipelineRecord;
import io.millrace.pipeline.expression.CompiledExpression;
import io.millrace.pipeline.expression.RecordVariables;

/** Keeps the records for which the condition is true. Thread-safe. */
public final class FilterProcessor implements Processor {

  private final CompiledExpression condition;

  public FilterProcessor(CompiledExpression condition) {
    this.condition = condition;
  }

  @Override
  public ProcessResult apply(PipelineRecord record, RecordVariables variables) {
    try {
      return condition.test(variables.reset(record))
          ? ProcessResult.one(record)
          : ProcessResult.none();
    } catch (CompiledExpression.ExpressionFailure e) {
      return ProcessResult.failed(record, kind(), e.getMessage());
    }
  }

  @Override
  public String kind() {
    return "filter";
  }
}
