package io.millrace.connect.sink.postgres;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.millrace.pipeline.definition.PostgresOutput;
import io.millrace.pipeline.definition.PostgresOutput.Column;
import java.io.IOException;
import java.time.Instant;
import java.util.List;

/**
 * Turns a record's JSON value into the text form of each column's value (what COPY and a {@code
 * ?::type} parameter both accept), or says why it cannot: the checks PostgreSQL would fail on
 * anyway (a string for a bigint), done here so one bad record rarely costs a batch its fast path.
 * Stateless apart from the reused mapper; thread-safe.
 */
final class RowConverter {

  /** A row's column texts (null for SQL NULL), or the reason the record cannot become a row. */
  record Row(String[] values, String rejection) {}

  private final ObjectMapper mapper;
  private final List<Column> columns;

  RowConverter(ObjectMapper mapper, List<Column> columns) {
    this.mapper = mapper;
    this.columns = List.copyOf(columns);
  }

  Row convert(byte[] value) {
    if (value == null) {
      return new Row(null, "the record has no value (a delete); the postgres sink does not delete");
    }
    JsonNode root;
    try {
      root = mapper.readTree(value);
    } catch (IOException e) {
      return new Row(null, "the value is not JSON: " + firstLine(e.getMessage()));
    }
    if (root == null || !root.isObject()) {
      return new Row(null, "the value is not a JSON object");
    }
    String[] values = new String[columns.size()];
    for (int i = 0; i < values.length; i++) {
      Column column = columns.get(i);
      JsonNode node = root;
      for (String segment : column.path().segments()) {
        node = node.get(segment);
        if (node == null) {
          break;
        }
      }
      if (node == null || node.isNull()) {
        continue;
      }
      String text = text(column.type(), node);
      if (text == null) {
        return new Row(
            null,
            "column "
                + column.name()
                + ": "
                + abbreviate(node.toString())
                + " is not a "
                + column.type().sqlName());
      }
      values[i] = text;
    }
    return new Row(values, null);
  }

  private String text(PostgresOutput.ColumnType type, JsonNode node) {
    return switch (type) {
      case TEXT -> node.isTextual() ? node.textValue() : node.toString();
      case BIGINT -> {
        if (node.isIntegralNumber() && node.canConvertToLong()) {
          yield Long.toString(node.longValue());
        }
        yield node.isTextual() && isLong(node.textValue()) ? node.textValue().strip() : null;
      }
      case DOUBLE_PRECISION -> {
        if (node.isNumber()) {
          yield Double.toString(node.doubleValue());
        }
        yield node.isTextual() && isDouble(node.textValue()) ? node.textValue().strip() : null;
      }
      case BOOLEAN -> node.isBoolean() ? Boolean.toString(node.booleanValue()) : null;
      case JSONB -> json(node);
      // Epoch milliseconds or a string PostgreSQL parses (ISO 8601); a bad string is found by
      // PostgreSQL and the record rejected on the row-by-row path.
      case TIMESTAMPTZ ->
          node.isIntegralNumber() && node.canConvertToLong()
              ? Instant.ofEpochMilli(node.longValue()).toString()
              : node.isTextual() ? node.textValue() : null;
    };
  }

  private String json(JsonNode node) {
    try {
      return mapper.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      return null;
    }
  }

  private static boolean isLong(String text) {
    try {
      Long.parseLong(text.strip());
      return true;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private static boolean isDouble(String text) {
    try {
      Double.parseDouble(text.strip());
      return true;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private static String abbreviate(String text) {
    return text.length() <= 80 ? text : text.substring(0, 77) + "...";
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "unreadable";
    }
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }
}
