package io.millrace.server.config;

import io.millrace.common.DidYouMean;
import io.millrace.server.config.ConfigNode.Mapping;
import io.millrace.server.config.ConfigNode.Scalar;
import io.millrace.server.config.ConfigNode.ScalarKind;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads the typed settings of one mapping (a section such as {@code kafka:}) and records a {@link
 * ConfigProblem} for each wrong type, out-of-range value and unknown key, returning the default so
 * that reading continues and every problem is reported at once. Every setting a section has must be
 * read before {@link #finish()}, which is what makes the other keys unknown. Not thread-safe.
 */
final class SectionReader {

  private final String path;
  private final Mapping mapping;
  private final java.util.List<ConfigProblem> problems;
  private final Set<String> known = new LinkedHashSet<>();

  /**
   * @param path the section's dotted path ("" for the file's root)
   */
  SectionReader(String path, Mapping mapping, java.util.List<ConfigProblem> problems) {
    this.path = path;
    this.mapping = mapping;
    this.problems = problems;
  }

  /** The full dotted name of a key of this section. */
  String settingName(String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  /** The key's value, marking the key as one this section has. */
  Optional<ConfigNode> node(String key) {
    known.add(key);
    return Optional.ofNullable(mapping.entries().get(key));
  }

  /** Where the key's value is written, if it is. */
  Optional<ConfigLocation> locationOf(String key) {
    return Optional.ofNullable(mapping.entries().get(key)).map(ConfigNode::location);
  }

  /** The section's keys and values. */
  Map<String, ConfigNode> mapping() {
    return mapping.entries();
  }

  /** Where the section itself is written. */
  ConfigLocation location() {
    return mapping.location();
  }

  /** Where the key is written, or the section's location when it is not. */
  ConfigLocation keyLocation(String key) {
    return mapping.keyLocations().getOrDefault(key, mapping.location());
  }

  /** Reports a problem with a key's value. */
  void problem(String key, String rule) {
    ConfigLocation at =
        locationOf(key).orElse(mapping.keyLocations().getOrDefault(key, mapping.location()));
    problems.add(new ConfigProblem(at, settingName(key), rule));
  }

  /** Reports a problem with a key itself (rather than its value), pointing at the key. */
  void keyProblem(String key, String rule) {
    ConfigLocation at = mapping.keyLocations().getOrDefault(key, mapping.location());
    problems.add(new ConfigProblem(at, settingName(key), rule));
  }

  /** A nested section; an absent key reads as an empty one. */
  SectionReader section(String key) {
    Optional<ConfigNode> node = node(key);
    if (node.isPresent() && node.get() instanceof Mapping nested) {
      return new SectionReader(settingName(key), nested, problems);
    }
    node.filter(n -> !isNull(n))
        .ifPresent(
            n -> problem(key, "must be a mapping of settings, was " + ConfigNode.describe(n)));
    ConfigLocation at = node.map(ConfigNode::location).orElse(mapping.location());
    return new SectionReader(settingName(key), new Mapping(Map.of(), Map.of(), at), problems);
  }

  long longValue(String key, long defaultValue, long min, long max) {
    Optional<ConfigNode> node = node(key);
    if (node.isEmpty()) {
      return defaultValue;
    }
    Optional<String> text = integerText(node.get());
    if (text.isEmpty()) {
      problem(key, "must be an integer, was " + typeHint(node.get()));
      return defaultValue;
    }
    long value;
    try {
      value = Long.parseLong(text.get().replace("_", ""));
    } catch (NumberFormatException e) {
      problem(key, rangeRule(min, max) + ", was " + text.get());
      return defaultValue;
    }
    if (value < min || value > max) {
      problem(key, rangeRule(min, max) + ", was " + value);
      return defaultValue;
    }
    return value;
  }

  int intValue(String key, int defaultValue, int min, int max) {
    return (int) longValue(key, defaultValue, min, max);
  }

  boolean booleanValue(String key, boolean defaultValue) {
    Optional<ConfigNode> node = node(key);
    if (node.isEmpty()) {
      return defaultValue;
    }
    if (node.get() instanceof Scalar s
        && (s.kind() == ScalarKind.BOOLEAN || s.substituted())
        && (s.text().equals("true") || s.text().equals("false"))) {
      return Boolean.parseBoolean(s.text());
    }
    problem(key, "must be true or false, was " + typeHint(node.get()));
    return defaultValue;
  }

  /**
   * A non-empty string (numbers and booleans are taken as written, for host names like 10.0.0.1).
   */
  String stringValue(String key, String defaultValue) {
    Optional<ConfigNode> node = node(key);
    if (node.isEmpty()) {
      return defaultValue;
    }
    if (node.get() instanceof Scalar s && s.kind() != ScalarKind.NULL && !s.text().isBlank()) {
      return s.text();
    }
    problem(key, "must be a non-empty string, was " + ConfigNode.describe(node.get()));
    return defaultValue;
  }

  /**
   * A string that may be empty (a JSON pointer "" means the whole document), or {@code
   * defaultValue} when the key is absent. YAML's {@code ""} and an empty value read alike, as "".
   */
  String textValue(String key, String defaultValue) {
    Optional<ConfigNode> node = node(key);
    if (node.isEmpty()) {
      return defaultValue;
    }
    if (node.get() instanceof Scalar s) {
      return s.text();
    }
    problem(key, "must be a string, was " + ConfigNode.describe(node.get()));
    return defaultValue;
  }

  /** Reports every key no accessor asked for, with the closest known name as a hint. */
  void finish() {
    for (Map.Entry<String, ConfigLocation> entry : mapping.keyLocations().entrySet()) {
      String key = entry.getKey();
      if (known.contains(key)) {
        continue;
      }
      problems.add(new ConfigProblem(entry.getValue(), settingName(key), unknownRule(key)));
    }
  }

  private String unknownRule(String key) {
    String where = path.isEmpty() ? "" : " in " + path;
    return DidYouMean.closest(key, known)
        .map(match -> "unknown setting" + where + "; did you mean " + match + "?")
        .orElse("unknown setting" + where + " (known: " + String.join(", ", known) + ")");
  }

  private static Optional<String> integerText(ConfigNode node) {
    if (node instanceof Scalar s
        && (s.kind() == ScalarKind.INTEGER
            || (s.substituted() && s.text().strip().matches("-?[0-9_]+")))) {
      return Optional.of(s.text().strip());
    }
    return Optional.empty();
  }

  private static String typeHint(ConfigNode node) {
    String described = ConfigNode.describe(node);
    boolean quotedLiteral =
        node instanceof Scalar s
            && s.kind() == ScalarKind.STRING
            && !s.substituted()
            && s.text().matches("-?[0-9_]+|true|false");
    return quotedLiteral ? described + " (quoted; write it without quotes)" : described;
  }

  private static boolean isNull(ConfigNode node) {
    return node instanceof Scalar s && s.kind() == ScalarKind.NULL;
  }

  private static String rangeRule(long min, long max) {
    if (max == Long.MAX_VALUE || max == Integer.MAX_VALUE) {
      return "must be >= " + min;
    }
    return "must be between " + min + " and " + max;
  }
}
