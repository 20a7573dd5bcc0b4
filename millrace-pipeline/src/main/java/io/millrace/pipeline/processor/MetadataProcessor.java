package io.millrace.pipeline.processor;

import io.millrace.pipeline.PipelineRecord;
import io.millrace.pipeline.Values;
import io.millrace.pipeline.definition.ProcessorSpec.MetadataField;
import io.millrace.pipeline.expression.RecordVariables;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Copies record metadata (timestamp in epoch ms, topic, partition, source offset, key, headers or
 * one header) into value fields. Thread-safe.
 */
public final class MetadataProcessor implements Processor {

  private final List<MetadataField> fields;

  public MetadataProcessor(List<MetadataField> fields) {
    this.fields = List.copyOf(fields);
  }

  @Override
  public ProcessResult apply(PipelineRecord record, RecordVariables variables) {
    Map<String, Object> value = record.valueMap();
    if (value == null) {
      return ProcessResult.failed(
          record,
          kind(),
          "metadata needs a map value, the record's value is text (parse it first)");
    }
    Values.Edit edit = new Values.Edit(value);
    for (MetadataField field : fields) {
      Object metadata =
          switch (field.source()) {
            case TIMESTAMP -> record.timestampMs();
            case TOPIC -> record.topic();
            case PARTITION -> (long) record.partition();
            case OFFSET -> record.offset();
            case KEY -> record.key();
            case HEADERS -> new LinkedHashMap<String, Object>(record.headers());
            case HEADER -> record.headers().get(field.headerName());
          };
      edit.set(field.target(), metadata);
    }
    value = edit.result();
    return ProcessResult.one(record.withValue(value));
  }

  @Override
  public String kind() {
    return "metadata";
  }
}
