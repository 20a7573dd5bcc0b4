package io.millrace.pipeline.processor;

import io.millrace.pipeline.PipelineRecord;
import io.millrace.pipeline.Values;
import io.millrace.pipeline.expression.CompiledExpression;
import io.millrace.pipeline.expression.RecordVariables;

/** Sets the record key to the expression's result as text (null clears the key). Thread-safe. */
public final class KeyProcessor implements Processor {

  private final CompiledExpression expression;

  public KeyProcessor(CompiledExpression expression) {
    this.expression = expression;
  }

  @Override
  public ProcessResult apply(PipelineRecord record, RecordVariables variables) {
    try {
      Object key = expression.evaluate(variables.reset(record));
      if (key instanceof java.util.Map<?, ?> || key instanceof java.util.List<?>) {
        return ProcessResult.failed(
            record,
            kind(),
            "key expression gave a "
                + (key instanceof java.util.Map<?, ?> ? "map" : "list")
                + ", not a scalar");
      }
      return ProcessResult.one(record.withKey(Values.text(key)));
    } catch (CompiledExpression.ExpressionFailure e) {
      return ProcessResult.failed(record, kind(), e.getMessage());
    }
  }

  @Override
  public String kind() {
    return "key";
  }
}
