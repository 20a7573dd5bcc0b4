package io.millrace.pipeline.definition;

import java.util.List;
import java.util.Map;

/**
 * A dotted path to a field of a record's value, such as {@code user.card}: each segment selects a
 * key of a nested map. Immutable; at most {@link #MAX_SEGMENTS} segments.
 */
public record FieldPath(List<String> segments) {

  public static final int MAX_SEGMENTS = 16;

  public FieldPath {
    segments = List.copyOf(segments);
    if (segments.isEmpty() || segments.size() > MAX_SEGMENTS) {
      throw new IllegalArgumentException("a field path has 1 to " + MAX_SEGMENTS + " segments");
    }
  }

  /** Parses {@code a.b.c}; null when the text is not a valid path. */
  public static FieldPath parseOrNull(String text) {
    if (text.isEmpty() || text.startsWith(".") || text.endsWith(".") || text.contains("..")) {
      return null;
    }
    List<String> segments = List.of(text.split("\\."));
    return segments.size() > MAX_SEGMENTS ? null : new FieldPath(segments);
  }

  public String last() {
    return segments.get(segments.size() - 1);
  }

  /** The value at this path in a nested map, or null when any step is missing or not a map. */
  public Object get(Map<String, Object> root) {
    Object current = root;
    for (String segment : segments) {
      if (!(current instanceof Map<?, ?> map)) {
        return null;
      }
      current = map.get(segment);
    }
    return current;
  }

  @Override
  public String toString() {
    return String.join(".", segments);
  }
}
