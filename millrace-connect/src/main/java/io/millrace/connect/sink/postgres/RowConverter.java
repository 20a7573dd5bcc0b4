package io.millrace.connect.sink.postgres;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.millrace.pipeline.definition.PostgresOutput.Column;
import io.millrace.pipeline.definition.PostgresOutput.ColumnType;
import java.io.IOException;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a record's JSON value into the text form of each column's value (what COPY and a {@code
 * ?::type} parameter both accept), or says why it cannot: the checks PostgreSQL would fail on
 * anyway (a string for a bigint), done here so one bad record rarely costs a batch its fast path.
 *
 * <p>The value is read with Jackson's streaming parser, descending only into the objects on some
 * column's path and skipping everything else, so no tree is built per record; a tree is built only
 * for a value a column takes whole as JSON (jsonb, or an object for a text column) or one that is
 * both a column and the parent of other columns' paths.
 *
 * <p>Thread-safe: the path tree is immutable after construction.
 */
final class RowConverter {

  /** A row's column texts (null for SQL NULL), or the reason the record cannot become a row. */
  record Row(String[] values, String rejection) {}

  /** One step of the columns' paths: the column ending here (or -1) and the steps below it. */
  private static final class PathNode {
    final Map<String, PathNode> children = new HashMap<>();
    int column = -1;
  }

  /** Thrown inside a conversion when a value does not fit its column; carries the reason. */
  private static final class Mismatch extends Exception {
    private static final long serialVersionUID = 1L;

    Mismatch(String reason) {
      super(reason, null, false, false);
    }
  }

  private final ObjectMapper mapper;
  private final List<Column> columns;
  private final PathNode root = new PathNode();

  RowConverter(ObjectMapper mapper, List<Column> columns) {
    this.mapper = mapper;
    this.columns = List.copyOf(columns);
    for (int i = 0; i < columns.size(); i++) {
      PathNode node = root;
      for (String segment : columns.get(i).path().segments()) {
        node = node.children.computeIfAbsent(segment, k -> new PathNode());
      }
      node.column = i;
    }
  }

  Row convert(byte[] value) {
    if (value == null) {
      return new Row(null, "the record has no value (a delete); the postgres sink does not delete");
    }
    String[] values = new String[columns.size()];
    try (JsonParser parser = mapper.createParser(value)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        return new Row(null, "the value is not a JSON object");
      }
      readObject(parser, root, values);
      if (parser.nextToken() != null) {
        return new Row(null, "the value is not JSON: content after the object");
      }
      return new Row(values, null);
    } catch (Mismatch e) {
      return new Row(null, e.getMessage());
    } catch (IOException e) {
      return new Row(null, "the value is not JSON: " + firstLine(e.getMessage()));
    }
  }

  /** Reads the fields of the object whose START_OBJECT was just read, up to its END_OBJECT. */
  private void readObject(JsonParser parser, PathNode node, String[] values)
      throws IOException, Mismatch {
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      PathNode child = node.children.get(parser.currentName());
      JsonToken token = parser.nextToken();
      if (child == null) {
        parser.skipChildren();
      } else if (child.children.isEmpty()) {
        values[child.column] = columnText(parser, token, child.column);
      } else if (child.column < 0) {
        if (token == JsonToken.START_OBJECT) {
          readObject(parser, child, values);
        } else {
          parser.skipChildren(); // not an object: the columns below it are absent (NULL)
        }
      } else {
        fromTree(parser.readValueAsTree(), child, values);
      }
    }
  }

  private String columnText(JsonParser parser, JsonToken token, int column)
      throws IOException, Mismatch {
    ColumnType type = columns.get(column).type();
    return switch (token) {
      case VALUE_NULL -> null;
      case START_OBJECT, START_ARRAY -> {
        JsonNode tree = parser.readValueAsTree();
        yield checked(treeText(type, tree), column, tree);
      }
      case VALUE_STRING ->
          switch (type) {
            case TEXT, TIMESTAMPTZ -> parser.getText();
            case BIGINT -> checked(longText(parser.getText()), parser, column);
            case DOUBLE_PRECISION -> checked(doubleText(parser.getText()), parser, column);
            case BOOLEAN -> checked(null, parser, column);
            case JSONB -> mapper.writeValueAsString(parser.getText());
          };
      case VALUE_NUMBER_INT ->
          switch (type) {
            case TEXT, DOUBLE_PRECISION, JSONB -> parser.getText();
            case BIGINT ->
                parser.getNumberType() == JsonParser.NumberType.BIG_INTEGER
                    ? checked(null, parser, column)
                    : parser.getText();
            case TIMESTAMPTZ ->
                parser.getNumberType() == JsonParser.NumberType.BIG_INTEGER
                    ? checked(null, parser, column)
                    : Instant.ofEpochMilli(parser.getLongValue()).toString();
            case BOOLEAN -> checked(null, parser, column);
          };
      case VALUE_NUMBER_FLOAT ->
          switch (type) {
            case TEXT, DOUBLE_PRECISION, JSONB -> parser.getText();
            case BIGINT, BOOLEAN, TIMESTAMPTZ -> checked(null, parser, column);
          };
      case VALUE_TRUE, VALUE_FALSE ->
          switch (type) {
            case TEXT, BOOLEAN, JSONB -> parser.getText();
            case BIGINT, DOUBLE_PRECISION, TIMESTAMPTZ -> checked(null, parser, column);
          };
      default -> throw new IOException("unexpected " + token);
    };
  }

  /** Columns at and below {@code node}, from a tree (the rare case that needs one). */
  private void fromTree(JsonNode tree, PathNode node, String[] values) throws Mismatch {
    if (tree == null || tree.isNull()) {
      return;
    }
    if (node.column >= 0) {
      values[node.column] =
          checked(treeText(columns.get(node.column).type(), tree), node.column, tree);
    }
    for (Map.Entry<String, PathNode> child : node.children.entrySet()) {
      fromTree(tree.get(child.getKey()), child.getValue(), values);
    }
  }

  private String treeText(ColumnType type, JsonNode node) {
    return switch (type) {
      case TEXT -> node.isTextual() ? node.textValue() : node.toString();
      case BIGINT -> {
        if (node.isIntegralNumber() && node.canConvertToLong()) {
          yield Long.toString(node.longValue());
        }
        yield node.isTextual() ? longText(node.textValue()) : null;
      }
      case DOUBLE_PRECISION -> {
        if (node.isNumber()) {
          yield node.asText();
        }
        yield node.isTextual() ? doubleText(node.textValue()) : null;
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

  private String checked(String text, JsonParser parser, int column) throws IOException, Mismatch {
    if (text == null) {
      String shown =
          parser.currentToken() == JsonToken.VALUE_STRING
              ? mapper.writeValueAsString(parser.getText())
              : parser.getText();
      throw mismatch(column, shown);
    }
    return text;
  }

  private String checked(String text, int column, JsonNode node) throws Mismatch {
    if (text == null) {
      throw mismatch(column, node.toString());
    }
    return text;
  }

  private Mismatch mismatch(int column, String shown) {
    Column c = columns.get(column);
    return new Mismatch(
        "column " + c.name() + ": " + abbreviate(shown) + " is not a " + c.type().sqlName());
  }

  private String json(JsonNode node) {
    try {
      return mapper.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      return null;
    }
  }

  /** The text, stripped, when it is a long; null otherwise. */
  private static String longText(String text) {
    try {
      Long.parseLong(text.strip());
      return text.strip();
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** The text, stripped, when it is a double; null otherwise. */
  private static String doubleText(String text) {
    try {
      Double.parseDouble(text.strip());
      return text.strip();
    } catch (NumberFormatException e) {
      return null;
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
