package io.millrace.server.config;

import java.util.List;
import java.util.Map;

/**
 * A parsed configuration file that remembers where each value was written, so that every error can
 * name {@code file:line:column}. Immutable.
 */
public sealed interface ConfigNode {

  ConfigLocation location();

  /** What a YAML scalar was written as, before any interpretation. */
  enum ScalarKind {
    /** Quoted or plain text. */
    STRING,
    /** An integer literal. */
    INTEGER,
    /** A floating-point literal. */
    DECIMAL,
    /** {@code true} or {@code false}. */
    BOOLEAN,
    /** An empty value or {@code null}. */
    NULL
  }

  /**
   * A single value.
   *
   * @param text the value as written, after {@code ${VAR}} substitution
   * @param substituted true if the text came (partly) from an environment variable; such text is
   *     then interpreted by the type the setting expects, as if it had been written plain
   */
  record Scalar(String text, ScalarKind kind, boolean substituted, ConfigLocation location)
      implements ConfigNode {}

  /**
   * A key-value mapping in file order.
   *
   * @param keyLocations where each key is written (errors about a key point at the key)
   */
  record Mapping(
      Map<String, ConfigNode> entries,
      Map<String, ConfigLocation> keyLocations,
      ConfigLocation location)
      implements ConfigNode {}

  /** A list of values. */
  record Sequence(List<ConfigNode> items, ConfigLocation location) implements ConfigNode {}

  /** A short description of the node's shape, for "must be X, was Y" messages. */
  static String describe(ConfigNode node) {
    return switch (node) {
      case Mapping m -> "a mapping";
      case Sequence s -> "a list";
      case Scalar s when s.kind() == ScalarKind.NULL -> "empty";
      case Scalar s when s.kind() == ScalarKind.STRING -> "\"" + s.text() + "\"";
      case Scalar s -> s.text();
    };
  }
}
