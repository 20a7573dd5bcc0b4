package io.millrace.pipeline.definition;

import java.util.List;

/**
 * How a CSV line becomes a record value: its column names in order and the delimiter. Values stay
 * strings (convert in expressions, e.g. {@code int(value.price)}).
 */
public record CsvOptions(List<String> columns, char delimiter) {

  public static final int MAX_COLUMNS = 1024;

  public CsvOptions {
    columns = List.copyOf(columns);
  }
}
