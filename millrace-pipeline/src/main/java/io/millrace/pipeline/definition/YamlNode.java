package io.millrace.pipeline.definition;

import java.util.List;
import java.util.Map;

/**
 * A YAML value that remembers where it was written, so that every later check can point at the
 * exact line and column. Immutable.
 */
public sealed interface YamlNode {

  SourcePosition position();

  /** What a user would call this kind of value in an error message. */
  String kindName();

  /** A mapping; {@code keyPositions} holds where each key was written. */
  record Mapping(
      Map<String, YamlNode> entries,
      Map<String, SourcePosition> keyPositions,
      SourcePosition position)
      implements YamlNode {
    public Mapping {
      entries = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(entries));
      keyPositions =
          java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(keyPositions));
    }

    @Override
    public String kindName() {
      return "a mapping";
    }
  }

  /** A sequence. */
  record Sequence(List<YamlNode> items, SourcePosition position) implements YamlNode {
    public Sequence {
      items = List.copyOf(items);
    }

    @Override
    public String kindName() {
      return "a list";
    }
  }

  /**
   * A scalar after {@code ${ENV}} substitution. {@code text} is the scalar as written (for strings:
   * after substitution); {@code kind} says how YAML typed it.
   */
  record Scalar(String text, ScalarKind kind, SourcePosition position) implements YamlNode {
    @Override
    public String kindName() {
      return switch (kind) {
        case STRING -> "a string";
        case INTEGER -> "an integer";
        case DECIMAL -> "a decimal number";
        case BOOLEAN -> "a boolean";
        case NULL -> "empty";
      };
    }
  }

  /** How YAML typed a scalar. */
  enum ScalarKind {
    STRING,
    INTEGER,
    DECIMAL,
    BOOLEAN,
    NULL
  }
}
