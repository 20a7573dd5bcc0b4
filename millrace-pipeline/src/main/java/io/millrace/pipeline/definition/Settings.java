package io.millrace.pipeline.definition;

import io.millrace.common.DidYouMean;
import io.millrace.pipeline.definition.YamlNode.Mapping;
import io.millrace.pipeline.definition.YamlNode.Scalar;
import io.millrace.pipeline.definition.YamlNode.ScalarKind;
import io.millrace.pipeline.definition.YamlNode.Sequence;
import java.util.ArrayList;
import java.util.List;

/**
 * Typed, checked access to the keys of one YAML mapping. Unknown keys are reported on construction
 * with a "did you mean" hint; every getter reports a wrong type or a missing required key at the
 * right position and returns null (or a default), so reading goes on and every problem is found in
 * one pass. Not thread-safe.
 */
final class Settings {

  /** Longest string setting (other than expressions, which have their own limit). */
  static final int MAX_STRING_LENGTH = 64 * 1024;

  private final Mapping mapping;
  private final String what;
  private final Problems problems;

  private Settings(Mapping mapping, String what, List<String> known, Problems problems) {
    this.mapping = mapping;
    this.what = what;
    this.problems = problems;
    mapping
        .keyPositions()
        .forEach(
            (key, at) -> {
              if (!known.contains(key)) {
                problems.add(
                    at, "unknown setting '" + key + "' in " + what, DidYouMean.hint(key, known));
              }
            });
  }

  /** Settings over {@code node}, or null (reported) when it is not a mapping. */
  static Settings of(YamlNode node, String what, List<String> known, Problems problems) {
    if (node instanceof Mapping mapping) {
      return new Settings(mapping, what, known, problems);
    }
    problems.add(
        node.position(),
        what + " must be a mapping, not " + node.kindName(),
        "settings: " + String.join(", ", known));
    return null;
  }

  SourcePosition position() {
    return mapping.position();
  }

  boolean has(String key) {
    return mapping.entries().containsKey(key);
  }

  YamlNode node(String key) {
    return mapping.entries().get(key);
  }

  /** The key's position, or the mapping's when absent. */
  SourcePosition positionOf(String key) {
    SourcePosition at = mapping.keyPositions().get(key);
    return at == null ? mapping.position() : at;
  }

  YamlNode required(String key) {
    YamlNode node = node(key);
    if (node == null || (node instanceof Scalar s && s.kind() == ScalarKind.NULL)) {
      problems.add(
          node == null ? mapping.position() : node.position(), what + " needs '" + key + "'");
      return null;
    }
    return node;
  }

  String requiredString(String key) {
    YamlNode node = required(key);
    return node == null ? null : string(node, key);
  }

  String optionalString(String key, String fallback) {
    YamlNode node = node(key);
    if (node == null || (node instanceof Scalar s && s.kind() == ScalarKind.NULL)) {
      return fallback;
    }
    String text = string(node, key);
    return text == null ? fallback : text;
  }

  /** Any scalar's text (numbers and booleans are fine as strings); null for maps and lists. */
  String string(YamlNode node, String key) {
    if (node instanceof Scalar scalar && scalar.kind() != ScalarKind.NULL) {
      if (scalar.text().length() > MAX_STRING_LENGTH) {
        problems.add(
            node.position(), "'" + key + "' is longer than " + MAX_STRING_LENGTH + " characters");
        return null;
      }
      return scalar.text();
    }
    problems.add(
        node.position(), "'" + key + "' in " + what + " must be a string, not " + node.kindName());
    return null;
  }

  Expression requiredExpression(String key) {
    YamlNode node = required(key);
    return node == null ? null : expression(node, key);
  }

  Expression expression(YamlNode node, String key) {
    String text = string(node, key);
    if (text == null) {
      return null;
    }
    if (text.length() > Expression.MAX_LENGTH) {
      problems.add(
          node.position(), "expression longer than " + Expression.MAX_LENGTH + " characters");
      return null;
    }
    return new Expression(text, node.position());
  }

  long optionalLong(String key, long fallback, long min, long max) {
    YamlNode node = node(key);
    if (node == null) {
      return fallback;
    }
    if (node instanceof Scalar scalar && scalar.kind() == ScalarKind.INTEGER) {
      try {
        long value = Long.parseLong(scalar.text());
        if (value >= min && value <= max) {
          return value;
        }
      } catch (NumberFormatException e) {
        // reported below
      }
    }
    problems.add(node.position(), "'" + key + "' must be an integer from " + min + " to " + max);
    return fallback;
  }

  boolean optionalBoolean(String key, boolean fallback) {
    YamlNode node = node(key);
    if (node == null) {
      return fallback;
    }
    if (node instanceof Scalar scalar && scalar.kind() == ScalarKind.BOOLEAN) {
      return Boolean.parseBoolean(scalar.text());
    }
    problems.add(node.position(), "'" + key + "' must be true or false");
    return fallback;
  }

  /** The items of a list setting (a single scalar counts as a list of one); empty when absent. */
  List<YamlNode> list(String key, int maxItems) {
    YamlNode node = node(key);
    if (node == null) {
      return List.of();
    }
    List<YamlNode> items = node instanceof Sequence sequence ? sequence.items() : List.of(node);
    if (node instanceof Mapping) {
      problems.add(node.position(), "'" + key + "' in " + what + " must be a list, not a mapping");
      return List.of();
    }
    if (items.size() > maxItems) {
      problems.add(
          node.position(),
          "'" + key + "' has " + items.size() + " items; the limit is " + maxItems);
      return items.subList(0, maxItems);
    }
    return items;
  }

  List<String> stringList(String key, int maxItems) {
    List<String> strings = new ArrayList<>();
    for (YamlNode item : list(key, maxItems)) {
      String text = string(item, key);
      if (text != null) {
        strings.add(text);
      }
    }
    return strings;
  }

  FieldPath fieldPath(YamlNode node, String key) {
    String text = string(node, key);
    if (text == null) {
      return null;
    }
    FieldPath path = FieldPath.parseOrNull(text);
    if (path == null) {
      problems.add(
          node.position(),
          "'" + text + "' is not a field path",
          "write field names joined by dots, at most "
              + FieldPath.MAX_SEGMENTS
              + ", e.g. user.card");
    }
    return path;
  }

  FieldPath requiredFieldPath(String key) {
    YamlNode node = required(key);
    return node == null ? null : fieldPath(node, key);
  }

  FieldPath optionalFieldPath(String key) {
    YamlNode node = node(key);
    return node == null ? null : fieldPath(node, key);
  }

  /** A required single character, such as a CSV delimiter or a mask character. */
  char character(String key, char fallback) {
    String text = optionalString(key, null);
    if (text == null) {
      return fallback;
    }
    if (text.length() != 1) {
      problems.add(positionOf(key), "'" + key + "' must be exactly one character");
      return fallback;
    }
    return text.charAt(0);
  }
}
