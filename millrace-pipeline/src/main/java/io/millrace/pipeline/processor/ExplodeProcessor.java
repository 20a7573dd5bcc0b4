package io.millrace.pipeline.processor;

import io.millrace.pipeline.PipelineRecord;
import io.millrace.pipeline.Values;
import io.millrace.pipeline.definition.FieldPath;
import io.millrace.pipeline.definition.ProcessorSpec.Explode;
import io.millrace.pipeline.expression.RecordVariables;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Turns a record whose field holds a list into one record per element, the element replacing the
 * list in that field; an empty list gives no record. All results keep the source offset (the
 * runtime commits the offset once all of them are written). At most {@link Explode#MAX_ELEMENTS}
 * elements. Thread-safe.
 */
public final class ExplodeProcessor implements Processor {

  private final FieldPath field;

  public ExplodeProcessor(FieldPath field) {
    this.field = field;
  }

  @Override
  public ProcessResult apply(PipelineRecord record, RecordVariables variables) {
    Map<String, Object> value = record.valueMap();
    if (value == null || !(field.get(value) instanceof List<?> list)) {
      return ProcessResult.failed(record, kind(), "field " + field + " is not a list");
    }
    if (list.size() > Explode.MAX_ELEMENTS) {
      return ProcessResult.failed(
          record,
          kind(),
          "field "
              + field
              + " has "
              + list.size()
              + " elements; the limit is "
              + Explode.MAX_ELEMENTS);
    }
    List<PipelineRecord> records = new ArrayList<>(list.size());
    for (Object element : list) {
      records.add(record.withValue(Values.with(value, field, element)));
    }
    return new ProcessResult.Records(records);
  }

  @Override
  public String kind() {
    return "explode";
  }
}
