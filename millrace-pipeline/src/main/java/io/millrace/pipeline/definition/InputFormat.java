package io.millrace.pipeline.definition;

/**
 * How the bytes of an input record's value are read. Avro and Protobuf are reserved names: the
 * reader refuses them with "not supported yet" rather than "unknown".
 */
public enum InputFormat {
  /** A JSON object per record; {@code value} is a map. */
  JSON,
  /** UTF-8 text; {@code value} is a string. */
  TEXT,
  /** One CSV line per record with declared columns; {@code value} is a map of strings. */
  CSV;

  public String yamlName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
