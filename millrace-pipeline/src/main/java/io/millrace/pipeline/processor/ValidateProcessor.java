package io.millrace.pipeline.processor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import io.millrace.pipeline.PipelineRecord;
import io.millrace.pipeline.expression.RecordVariables;
import java.util.List;

/**
 * Checks the value against a JSON Schema 2020-12 (networknt json-schema-validator); a record with
 * violations fails with one reason per violation ({@code $.price: must be a number}), at most
 * {@link #MAX_REASONS}. Converts the value to a Jackson tree for the library: correct, not fast.
 * Thread-safe (the compiled schema is).
 */
public final class ValidateProcessor implements Processor {

  static final int MAX_REASONS = 20;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Schema schema;

  public ValidateProcessor(Schema schema) {
    this.schema = schema;
  }

  @Override
  public ProcessResult apply(PipelineRecord record, RecordVariables variables) {
    JsonNode instance = JSON.valueToTree(record.value());
    List<Error> errors;
    try {
      errors = schema.validate(instance);
    } catch (com.networknt.schema.SchemaException e) {
      // A $ref deep in the schema that the factory's probe did not reach and cannot be loaded.
      return ProcessResult.failed(record, kind(), "schema error: " + e.getMessage());
    }
    if (errors.isEmpty()) {
      return ProcessResult.one(record);
    }
    List<String> reasons =
        errors.stream()
            .limit(MAX_REASONS)
            .map(e -> e.getInstanceLocation() + ": " + e.getMessage())
            .toList();
    return new ProcessResult.Failed(record, kind(), reasons);
  }

  @Override
  public String kind() {
    return "validate";
  }
}
