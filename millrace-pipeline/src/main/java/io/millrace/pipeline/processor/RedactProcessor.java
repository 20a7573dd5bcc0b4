package io.millrace.pipeline.processor;

import io.millrace.pipeline.PipelineRecord;
import io.millrace.pipeline.Values;
import io.millrace.pipeline.definition.FieldPath;
import io.millrace.pipeline.definition.ProcessorSpec.RedactPattern;
import io.millrace.pipeline.expression.RecordVariables;
import java.util.List;
import java.util.Map;

/**
 * Replaces every match of each pattern, in order, in a text value or in the named string fields
 * (non-string fields are left alone). Thread-safe ({@link java.util.regex.Pattern} is).
 */
public final class RedactProcessor implements Processor {

  private final List<FieldPath> fields;
  private final List<RedactPattern> patterns;

  public RedactProcessor(List<FieldPath> fields, List<RedactPattern> patterns) {
    this.fields = List.copyOf(fields);
    this.patterns = List.copyOf(patterns);
  }

  @Override
  public ProcessResult apply(PipelineRecord record, RecordVariables variables) {
    if (fields.isEmpty()) {
      if (record.value() instanceof String text) {
        return ProcessResult.one(record.withValue(redact(text)));
      }
      return ProcessResult.failed(record, kind(), "redact without 'fields' needs a text value");
    }
    Map<String, Object> value = record.valueMap();
    if (value == null) {
      return ProcessResult.failed(record, kind(), "redact with 'fields' needs a map value");
    }
    Values.Edit edit = new Values.Edit(value);
    for (FieldPath field : fields) {
      if (field.get(edit.result()) instanceof String text) {
        String redacted = redact(text);
        if (!redacted.equals(text)) {
          edit.set(field, redacted);
        }
      }
    }
    value = edit.result();
    return ProcessResult.one(record.withValue(value));
  }

  String redact(String text) {
    String result = text;
    for (RedactPattern pattern : patterns) {
      result = pattern.regex().matcher(result).replaceAll(pattern.replacement());
    }
    return result;
  }

  @Override
  public String kind() {
    return "redact";
  }
}
