package io.millrace.pipeline;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import io.millrace.pipeline.definition.FieldPath;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The value model of {@link PipelineRecord}: plain Java maps, lists, strings, {@code Long}, {@code
 * Double}, {@code Boolean} and null — exactly the types CEL accepts without conversion (CEL wants
 * {@code Long}, never {@code Integer}). Decodes JSON with Jackson's streaming parser straight into
 * that model (no {@code JsonNode} tree), and copies maps along a path when a processor changes a
 * field. Stateless and thread-safe.
 */
public final class Values {

  /** JSON nested deeper than this is refused as bad data. */
  public static final int MAX_JSON_DEPTH = 64;

  private static final JsonFactory JSON =
      JsonFactory.builder()
          .streamReadConstraints(
              StreamReadConstraints.builder()
                  .maxNestingDepth(MAX_JSON_DEPTH)
                  .maxStringLength(16 * 1024 * 1024)
                  .build())
          .build();

  private Values() {}

  /** Bad input data: the record goes to the dead letters with this message. */
  public static final class BadDataException extends Exception {
    private static final long serialVersionUID = 1L;

    public BadDataException(String message) {
      super(message);
    }
  }

  /** Decodes one JSON document; objects become maps, integers that fit a long become Long. */
  public static Object decodeJson(byte[] bytes) throws BadDataException {
    try (JsonParser parser = JSON.createParser(bytes)) {
      if (parser.nextToken() == null) {
        throw new BadDataException("empty JSON value");
      }
      Object value = readJson(parser);
      if (parser.nextToken() != null) {
        throw new BadDataException("more than one JSON value");
      }
      return value;
    } catch (IOException e) {
      throw new BadDataException("bad JSON: " + e.getMessage().lines().findFirst().orElse(""));
    }
  }

  /** Decodes JSON text (see {@link #decodeJson(byte[])}). */
  public static Object decodeJson(String text) throws BadDataException {
    return decodeJson(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  private static Object readJson(JsonParser parser) throws IOException {
    return switch (parser.currentToken()) {
      case START_OBJECT -> {
        Map<String, Object> map = new LinkedHashMap<>();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
          String name = parser.currentName();
          parser.nextToken();
          map.put(name, readJson(parser));
        }
        yield map;
      }
      case START_ARRAY -> {
        List<Object> list = new ArrayList<>();
        while (parser.nextToken() != JsonToken.END_ARRAY) {
          list.add(readJson(parser));
        }
        yield list;
      }
      case VALUE_STRING -> parser.getText();
      case VALUE_NUMBER_INT -> integer(parser);
      case VALUE_NUMBER_FLOAT -> parser.getDoubleValue();
      case VALUE_TRUE -> Boolean.TRUE;
      case VALUE_FALSE -> Boolean.FALSE;
      case VALUE_NULL -> null;
      default -> throw new IOException("unexpected " + parser.currentToken());
    };
  }

  /** A Long, or a Double beyond the range of long (never a ternary: it would widen Long). */
  private static Object integer(JsonParser parser) throws IOException {
    if (parser.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
      return parser.getDoubleValue();
    }
    return parser.getLongValue();
  }

  /**
   * Splits one CSV line into the named columns: fields separated by {@code delimiter}, optionally
   * in double quotes with {@code ""} for a quote. Missing trailing columns are absent; extra fields
   * are bad data.
   */
  public static Map<String, Object> decodeCsv(String line, List<String> columns, char delimiter)
      throws BadDataException {
    Map<String, Object> map = new LinkedHashMap<>();
    StringBuilder field = new StringBuilder();
    int column = 0;
    int i = 0;
    boolean quoted = false;
    while (i <= line.length()) {
      char c = i < line.length() ? line.charAt(i) : '\n';
      if (quoted) {
        if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
          field.append('"');
          i++;
        } else if (c == '"') {
          quoted = false;
        } else if (i == line.length()) {
          throw new BadDataException("unclosed quote in CSV line");
        } else {
          field.append(c);
        }
      } else if (c == '"' && field.isEmpty()) {
        quoted = true;
      } else if (c == delimiter || i == line.length()) {
        if (column >= columns.size()) {
          throw new BadDataException(
              "CSV line has more than the " + columns.size() + " declared columns");
        }
        map.put(columns.get(column++), field.toString());
        field.setLength(0);
      } else if (c != '\r' || i != line.length() - 1) {
        field.append(c);
      }
      i++;
    }
    return map;
  }

  /** A copy of {@code root} with {@code value} at {@code path}, creating maps along the way. */
  public static Map<String, Object> with(Map<String, Object> root, FieldPath path, Object value) {
    return with(root, path.segments(), 0, value, false);
  }

  /** A copy of {@code root} without the field at {@code path} ({@code root} when absent). */
  public static Map<String, Object> without(Map<String, Object> root, FieldPath path) {
    if (path.get(root) == null && !containsPath(root, path)) {
      return root;
    }
    return with(root, path.segments(), 0, null, true);
  }

  /** Whether the path leads to a present key (perhaps with a null value). */
  public static boolean containsPath(Map<String, Object> root, FieldPath path) {
    Object current = root;
    for (String segment : path.segments()) {
      if (!(current instanceof Map<?, ?> map) || !map.containsKey(segment)) {
        return false;
      }
      current = map.get(segment);
    }
    return true;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> with(
      Map<String, Object> map, List<String> segments, int index, Object value, boolean remove) {
    Map<String, Object> copy = new LinkedHashMap<>(map);
    String segment = segments.get(index);
    if (index == segments.size() - 1) {
      if (remove) {
        copy.remove(segment);
      } else {
        copy.put(segment, value);
      }
      return copy;
    }
    Object child = copy.get(segment);
    Map<String, Object> childMap =
        child instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    if (remove && !(child instanceof Map<?, ?>)) {
      return map;
    }
    copy.put(segment, with(childMap, segments, index + 1, value, remove));
    return copy;
  }

  /**
   * Several changes to one map value on one copy: each map on a changed path is copied at most once
   * per edit, however many fields change (a processor setting three fields used to copy the record
   * three times). The original is never changed. Not thread-safe: one edit per processor call.
   */
  public static final class Edit {

    private final Map<String, Object> original;
    private Map<String, Object> root;

    /** Nested maps this edit copied and may change; compared by identity, usually empty. */
    private List<Map<String, Object>> ownedChildren;

    public Edit(Map<String, Object> original) {
      this.original = original;
    }

    /** The value with every change made so far ({@code original} when there was none). */
    public Map<String, Object> result() {
      return root == null ? original : root;
    }

    /** Sets the field at {@code path}, creating missing maps (a non-map on the way is replaced). */
    public Edit set(FieldPath path, Object value) {
      List<String> segments = path.segments();
      Map<String, Object> map = ownedRoot();
      for (int i = 0; i < segments.size() - 1; i++) {
        map = ownedChild(map, segments.get(i));
      }
      map.put(segments.get(segments.size() - 1), value);
      return this;
    }

    /** Removes the field at {@code path}; nothing happens when it is absent. */
    public Edit remove(FieldPath path) {
      if (!containsPath(result(), path)) {
        return this;
      }
      List<String> segments = path.segments();
      Map<String, Object> map = ownedRoot();
      for (int i = 0; i < segments.size() - 1; i++) {
        map = ownedChild(map, segments.get(i));
      }
      map.remove(segments.get(segments.size() - 1));
      return this;
    }

    private Map<String, Object> ownedRoot() {
      if (root == null) {
        root = new LinkedHashMap<>(original);
      }
      return root;
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> ownedChild(Map<String, Object> parent, String segment) {
      Object child = parent.get(segment);
      if (child instanceof Map<?, ?> existing && isOwned(existing)) {
        return (Map<String, Object>) existing;
      }
      Map<String, Object> copy =
          child instanceof Map<?, ?> existing
              ? new LinkedHashMap<>((Map<String, Object>) existing)
              : new LinkedHashMap<>();
      parent.put(segment, copy);
      if (ownedChildren == null) {
        ownedChildren = new ArrayList<>(2);
      }
      ownedChildren.add(copy);
      return copy;
    }

    private boolean isOwned(Map<?, ?> map) {
      if (ownedChildren == null) {
        return false;
      }
      for (Map<String, Object> owned : ownedChildren) {
        if (owned == map) {
          return true;
        }
      }
      return false;
    }
  }

  /** The text of a scalar value as it would be printed: strings as is, others via toString. */
  public static String text(Object value) {
    return value == null ? null : value.toString();
  }
}
