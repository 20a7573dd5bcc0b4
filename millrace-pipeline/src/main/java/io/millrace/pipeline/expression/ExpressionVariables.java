package io.millrace.pipeline.expression;

import dev.cel.common.types.CelType;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import io.millrace.pipeline.definition.InputFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The variables every pipeline expression sees, with their CEL types:
 *
 * <ul>
 *   <li>{@code value}: the record's value, {@code map(string, dyn)} for json and csv input, {@code
 *       dyn} for text input (a string until a parse processor makes it a map);
 *   <li>{@code key}: {@code dyn}, a string or null;
 *   <li>{@code headers}: {@code map(string, string)};
 *   <li>{@code timestamp}: {@code timestamp};
 *   <li>{@code topic}: {@code string}; {@code partition}, {@code offset}: {@code int}.
 * </ul>
 */
public final class ExpressionVariables {

  public static final String VALUE = "value";
  public static final String KEY = "key";
  public static final String HEADERS = "headers";
  public static final String TIMESTAMP = "timestamp";
  public static final String TOPIC = "topic";
  public static final String PARTITION = "partition";
  public static final String OFFSET = "offset";

  private ExpressionVariables() {}

  /** The declarations for an input format, in a stable order. */
  static Map<String, CelType> declarations(InputFormat format) {
    Map<String, CelType> variables = new LinkedHashMap<>();
    variables.put(
        VALUE,
        format == InputFormat.TEXT
            ? SimpleType.DYN
            : MapType.create(SimpleType.STRING, SimpleType.DYN));
    variables.put(KEY, SimpleType.DYN);
    variables.put(HEADERS, MapType.create(SimpleType.STRING, SimpleType.STRING));
    variables.put(TIMESTAMP, SimpleType.TIMESTAMP);
    variables.put(TOPIC, SimpleType.STRING);
    variables.put(PARTITION, SimpleType.INT);
    variables.put(OFFSET, SimpleType.INT);
    return variables;
  }
}
