package io.millrace.pipeline.definition;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.millrace.pipeline.definition.YamlNode.Mapping;
import io.millrace.pipeline.definition.YamlNode.Scalar;
import io.millrace.pipeline.definition.YamlNode.ScalarKind;
import io.millrace.pipeline.definition.YamlNode.Sequence;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Reads one YAML document into a {@link YamlNode} tree that keeps each value's line and column,
 * substituting {@code ${ENV}} in string values. Syntax errors, duplicate keys, too deep nesting and
 * unset variables become {@link Problems}. One instance reads one file; not thread-safe.
 */
public final class YamlReader {

  /** Deeper nesting is refused. */
  public static final int MAX_DEPTH = 32;

  /** Larger files are refused before parsing. */
  public static final int MAX_FILE_CHARS = 1024 * 1024;

  private static final YAMLFactory YAML = YAMLFactory.builder().build();

  private final String file;
  private final EnvironmentSubstitution substitution;
  private final Problems problems;

  public YamlReader(String file, EnvironmentSubstitution substitution, Problems problems) {
    this.file = file;
    this.substitution = substitution;
    this.problems = problems;
  }

  /** The document's root; null after a syntax error (already reported). */
  public YamlNode read(String text) {
    if (text.length() > MAX_FILE_CHARS) {
      problems.add(
          SourcePosition.startOf(file), "file larger than " + MAX_FILE_CHARS + " characters");
      return null;
    }
    try (JsonParser parser = YAML.createParser(text)) {
      if (parser.nextToken() == null) {
        problems.add(
            SourcePosition.startOf(file),
            "the file is empty",
            "a pipeline needs at least name, input, outputs");
        return null;
      }
      YamlNode root = readValue(parser, 0);
      if (parser.nextToken() != null) {
        problems.add(
            position(parser.currentTokenLocation()),
            "only one YAML document per file",
            "remove the second ---");
      }
      return root;
    } catch (JacksonException e) {
      JsonLocation at = e.getLocation();
      problems.add(
          at == null ? SourcePosition.startOf(file) : position(at),
          "YAML syntax error: " + explanation(e));
      return null;
    } catch (IOException e) {
      problems.add(SourcePosition.startOf(file), "cannot read: " + e.getMessage());
      return null;
    }
  }

  /** SnakeYAML's sentences without its indented source excerpts. */
  private static String explanation(JacksonException e) {
    String sentences =
        e.getOriginalMessage()
            .lines()
            .filter(line -> !line.isBlank() && !Character.isWhitespace(line.charAt(0)))
            .map(String::strip)
            .collect(Collectors.joining(", "));
    return sentences.isEmpty() ? e.getOriginalMessage().strip() : sentences;
  }

  private YamlNode readValue(JsonParser parser, int depth) throws IOException {
    SourcePosition at = position(parser.currentTokenLocation());
    if (depth > MAX_DEPTH) {
      problems.add(at, "nested deeper than " + MAX_DEPTH + " levels");
      parser.skipChildren();
      return new Scalar("", ScalarKind.NULL, at);
    }
    return switch (parser.currentToken()) {
      case START_OBJECT -> readMapping(parser, depth, at);
      case START_ARRAY -> readSequence(parser, depth, at);
      case VALUE_NUMBER_INT -> new Scalar(parser.getText(), ScalarKind.INTEGER, at);
      case VALUE_NUMBER_FLOAT -> new Scalar(parser.getText(), ScalarKind.DECIMAL, at);
      case VALUE_TRUE, VALUE_FALSE -> new Scalar(parser.getText(), ScalarKind.BOOLEAN, at);
      case VALUE_NULL -> new Scalar("", ScalarKind.NULL, at);
      default -> readString(parser.getText(), at);
    };
  }

  private Scalar readString(String text, SourcePosition at) {
    if (!EnvironmentSubstitution.hasReference(text)) {
      return new Scalar(text, ScalarKind.STRING, at);
    }
    try {
      return new Scalar(substitution.substitute(text), ScalarKind.STRING, at);
    } catch (EnvironmentSubstitution.SubstitutionException e) {
      problems.add(at, e.getMessage());
      return new Scalar(text, ScalarKind.STRING, at);
    }
  }

  private Mapping readMapping(JsonParser parser, int depth, SourcePosition at) throws IOException {
    Map<String, YamlNode> entries = new LinkedHashMap<>();
    Map<String, SourcePosition> keyPositions = new LinkedHashMap<>();
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String key = parser.currentName();
      SourcePosition keyAt = position(parser.currentTokenLocation());
      parser.nextToken();
      YamlNode value = readValue(parser, depth + 1);
      if (entries.containsKey(key)) {
        problems.add(
            keyAt,
            "'" + key + "' is set twice (first at line " + keyPositions.get(key).line() + ")");
        continue;
      }
      entries.put(key, value);
      keyPositions.put(key, keyAt);
    }
    return new Mapping(entries, keyPositions, at);
  }

  private Sequence readSequence(JsonParser parser, int depth, SourcePosition at)
      throws IOException {
    List<YamlNode> items = new ArrayList<>();
    while (parser.nextToken() != JsonToken.END_ARRAY) {
      items.add(readValue(parser, depth + 1));
    }
    return new Sequence(items, at);
  }

  private SourcePosition position(JsonLocation at) {
    return new SourcePosition(file, Math.max(1, at.getLineNr()), Math.max(1, at.getColumnNr()));
  }
}
