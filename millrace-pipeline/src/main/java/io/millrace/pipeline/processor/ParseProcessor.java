package io.millrace.pipeline.processor;

import io.millrace.pipeline.PipelineRecord;
import io.millrace.pipeline.Values;
import io.millrace.pipeline.definition.ProcessorSpec.Parse;
import io.millrace.pipeline.definition.ProcessorSpec.ParseFormat;
import io.millrace.pipeline.expression.RecordVariables;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;

/**
 * Parses a string (a field, or the whole text value) as JSON, CSV or a regular expression with
 * named groups, and puts the fields under a target field or merges them into the value's top level
 * (a text value becomes the parsed map). A string that does not parse, or a regex that does not
 * match, is bad data. Thread-safe.
 */
public final class ParseProcessor implements Processor {

  private final Parse spec;

  public ParseProcessor(Parse spec) {
    this.spec = spec;
  }

  @Override
  public ProcessResult apply(PipelineRecord record, RecordVariables variables) {
    Object source =
        spec.field() == null
            ? record.value()
            : (record.valueMap() == null ? null : spec.field().get(record.valueMap()));
    if (!(source instanceof String text)) {
      String where = spec.field() == null ? "the value" : "field " + spec.field();
      return ProcessResult.failed(record, kind(), where + " is not a string");
    }
    Object parsed;
    try {
      parsed = parse(text);
    } catch (Values.BadDataException e) {
      return ProcessResult.failed(record, kind(), e.getMessage());
    }
    Map<String, Object> base = record.valueMap();
    if (spec.target() != null) {
      return ProcessResult.one(
          record.withValue(Values.with(base == null ? Map.of() : base, spec.target(), parsed)));
    }
    if (!(parsed instanceof Map<?, ?>)) {
      return ProcessResult.failed(
          record,
          kind(),
          "parsed a "
              + parsed.getClass().getSimpleName()
              + ", not an object; set 'target' to keep it in a field");
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> fields = (Map<String, Object>) parsed;
    if (base == null) {
      return ProcessResult.one(record.withValue(fields));
    }
    Map<String, Object> merged = new LinkedHashMap<>(base);
    merged.putAll(fields);
    return ProcessResult.one(record.withValue(merged));
  }

  private Object parse(String text) throws Values.BadDataException {
    if (spec.format() == ParseFormat.JSON) {
      Object parsed = Values.decodeJson(text);
      if (parsed == null) {
        throw new Values.BadDataException("parsed JSON null");
      }
      return parsed;
    }
    if (spec.format() == ParseFormat.CSV) {
      return Values.decodeCsv(text, spec.columns(), spec.delimiter());
    }
    Matcher matcher = spec.regex().matcher(text);
    if (!matcher.find()) {
      throw new Values.BadDataException("text does not match /" + spec.regex().pattern() + "/");
    }
    Map<String, Object> fields = new LinkedHashMap<>();
    for (String group : spec.regex().namedGroups().keySet()) {
      String captured = matcher.group(group);
      if (captured != null) {
        fields.put(group, captured);
      }
    }
    return fields;
  }

  @Override
  public String kind() {
    return "parse";
  }
}
