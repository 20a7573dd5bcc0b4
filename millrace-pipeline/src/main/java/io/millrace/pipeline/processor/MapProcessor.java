package io.millrace.pipeline.processor;

import io.millrace.pipeline.PipelineRecord;
import io.millrace.pipeline.Values;
import io.millrace.pipeline.definition.FieldPath;
import io.millrace.pipeline.definition.ProcessorSpec.Rename;
import io.millrace.pipeline.expression.CompiledExpression;
import io.millrace.pipeline.expression.RecordVariables;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Sets fields from expressions (all evaluated against the input record), then renames, then
 * removes. The value must be a map (json or csv input, or text after a parse). Thread-safe.
 */
public final class MapProcessor implements Processor {

  /** A field and the expression that computes it. */
  public record Assignment(FieldPath field, CompiledExpression value) {}

  private final List<Assignment> set;
  private final List<Rename> rename;
  private final List<FieldPath> remove;

  public MapProcessor(List<Assignment> set, List<Rename> rename, List<FieldPath> remove) {
    this.set = List.copyOf(set);
    this.rename = List.copyOf(rename);
    this.remove = List.copyOf(remove);
  }

  @Override
  public ProcessResult apply(PipelineRecord record, RecordVariables variables) {
    Map<String, Object> value = record.valueMap();
    if (value == null) {
      return ProcessResult.failed(
          record, kind(), "map needs a map value, the record's value is text (parse it first)");
    }
    List<Object> results = new ArrayList<>(set.size());
    variables.reset(record);
    for (Assignment assignment : set) {
      try {
        results.add(assignment.value().evaluate(variables));
      } catch (CompiledExpression.ExpressionFailure e) {
        return ProcessResult.failed(
            record, kind(), "set " + assignment.field() + ": " + e.getMessage());
      }
    }
    Values.Edit edit = new Values.Edit(value);
    for (int i = 0; i < set.size(); i++) {
      edit.set(set.get(i).field(), results.get(i));
    }
    for (Rename r : rename) {
      Map<String, Object> current = edit.result();
      if (Values.containsPath(current, r.from())) {
        Object moved = r.from().get(current);
        edit.remove(r.from()).set(r.to(), moved);
      }
    }
    for (FieldPath field : remove) {
      edit.remove(field);
    }
    value = edit.result();
    return ProcessResult.one(record.withValue(value));
  }

  @Override
  public String kind() {
    return "map";
  }
}
