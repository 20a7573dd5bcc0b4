package io.millrace.server.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.millrace.server.config.ConfigNode.Mapping;
import io.millrace.server.config.ConfigNode.Scalar;
import io.millrace.server.config.ConfigNode.ScalarKind;
import io.millrace.server.config.ConfigNode.Sequence;
import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads one YAML document into a {@link ConfigNode} tree that keeps every value's line and column,
 * substituting {@code ${VAR}} in string values. Syntax errors, duplicate keys and unset variables
 * become {@link ConfigProblem}s. One instance reads one file; not thread-safe.
 */
final class YamlTreeReader {

  /** Deeper nesting than this is refused (a limit on everything, including config files). */
  static final int MAX_DEPTH = 32;

  private static final YAMLFactory YAML = YAMLFactory.builder().build();

  private final String source;
  private final EnvironmentSubstitution substitution;
  private final List<ConfigProblem> problems;

  /**
   * @param source the file name to print in locations
   * @param problems where problems are added
   */
  YamlTreeReader(
      String source, EnvironmentSubstitution substitution, List<ConfigProblem> problems) {
    this.source = source;
    this.substitution = substitution;
    this.problems = problems;
  }

  /** The document's root, or an empty mapping for an empty file; null after a syntax error. */
  ConfigNode read(Reader text) {
    try (JsonParser parser = YAML.createParser(text)) {
      JsonToken first = parser.nextToken();
      if (first == null) {
        return new Mapping(Map.of(), Map.of(), new ConfigLocation(source, 1, 1));
      }
      ConfigNode root = readValue(parser, "", 0);
      if (parser.nextToken() != null) {
        problems.add(
            new ConfigProblem(
                location(parser.currentTokenLocation()),
                "",
                "only one YAML document is allowed (remove the second ---)"));
      }
      return root;
    } catch (JacksonException e) {
      JsonLocation at = e.getLocation();
      ConfigLocation where = at == null ? new ConfigLocation(source, 1, 1) : location(at);
      problems.add(new ConfigProblem(where, "", "YAML syntax error: " + explanation(e)));
      return null;
    } catch (IOException e) {
      problems.add(
          new ConfigProblem(
              new ConfigLocation(source, 1, 1), "", "cannot read: " + e.getMessage()));
      return null;
    }
  }

  /**
   * The parser's explanation without its source excerpts: SnakeYAML indents the excerpt and caret
   * lines, so the unindented lines are the sentences ("while parsing a flow sequence", "expected
   * ',' or ']', but got <stream end>").
   */
  private static String explanation(JacksonException e) {
    String sentences =
        e.getOriginalMessage()
            .lines()
            .filter(line -> !line.isBlank() && !Character.isWhitespace(line.charAt(0)))
            .map(String::strip)
            .collect(java.util.stream.Collectors.joining(", "));
    return sentences.isEmpty() ? e.getOriginalMessage().strip() : sentences;
  }

  private ConfigNode readValue(JsonParser parser, String path, int depth) throws IOException {
    ConfigLocation at = location(parser.currentTokenLocation());
    if (depth > MAX_DEPTH) {
      problems.add(new ConfigProblem(at, path, "nested deeper than " + MAX_DEPTH + " levels"));
      parser.skipChildren();
      return new Scalar("", ScalarKind.NULL, false, at);
    }
    JsonToken token = parser.currentToken();
    return switch (token) {
      case START_OBJECT -> readMapping(parser, path, depth, at);
      case START_ARRAY -> readSequence(parser, path, depth, at);
      case VALUE_NUMBER_INT -> new Scalar(parser.getText(), ScalarKind.INTEGER, false, at);
      case VALUE_NUMBER_FLOAT -> new Scalar(parser.getText(), ScalarKind.DECIMAL, false, at);
      case VALUE_TRUE, VALUE_FALSE -> new Scalar(parser.getText(), ScalarKind.BOOLEAN, false, at);
      case VALUE_NULL -> new Scalar("", ScalarKind.NULL, false, at);
      default -> readString(parser.getText(), path, at);
    };
  }

  private Scalar readString(String text, String path, ConfigLocation at) {
    if (text.isEmpty()) {
      // "key:" with nothing after it reads as an empty string; treat it as absent-but-written.
      return new Scalar("", ScalarKind.NULL, false, at);
    }
    if (!EnvironmentSubstitution.hasReference(text)) {
      return new Scalar(text, ScalarKind.STRING, false, at);
    }
    try {
      return new Scalar(substitution.substitute(text), ScalarKind.STRING, true, at);
    } catch (EnvironmentSubstitution.SubstitutionException e) {
      problems.add(new ConfigProblem(at, path, e.getMessage()));
      return new Scalar(text, ScalarKind.STRING, false, at);
    }
  }

  private Mapping readMapping(JsonParser parser, String path, int depth, ConfigLocation at)
      throws IOException {
    Map<String, ConfigNode> entries = new LinkedHashMap<>();
    Map<String, ConfigLocation> keyLocations = new LinkedHashMap<>();
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String key = parser.currentName();
      ConfigLocation keyAt = location(parser.currentTokenLocation());
      String childPath = path.isEmpty() ? key : path + "." + key;
      parser.nextToken();
      ConfigNode value = readValue(parser, childPath, depth + 1);
      if (entries.containsKey(key)) {
        problems.add(
            new ConfigProblem(
                keyAt,
                childPath,
                "set twice (first at line " + keyLocations.get(key).line() + ")"));
        continue;
      }
      entries.put(key, value);
      keyLocations.put(key, keyAt);
    }
    return new Mapping(entries, keyLocations, at);
  }

  private Sequence readSequence(JsonParser parser, String path, int depth, ConfigLocation at)
      throws IOException {
    List<ConfigNode> items = new ArrayList<>();
    int index = 0;
    while (parser.nextToken() != JsonToken.END_ARRAY) {
      items.add(readValue(parser, path + "[" + index++ + "]", depth + 1));
    }
    return new Sequence(items, at);
  }

  private ConfigLocation location(JsonLocation at) {
    return new ConfigLocation(source, Math.max(1, at.getLineNr()), Math.max(1, at.getColumnNr()));
  }
}
