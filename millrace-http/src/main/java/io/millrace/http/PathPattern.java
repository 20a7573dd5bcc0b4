package io.millrace.http;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A route's path such as {@code /topics/{topic}}: literal segments and {@code {name}} segments that
 * match any one non-empty segment. Immutable and thread-safe.
 */
public final class PathPattern {

  private final String pattern;
  private final List<String> segments;

  public PathPattern(String pattern) {
    if (!pattern.startsWith("/")) {
      throw new IllegalArgumentException("a path pattern starts with /: " + pattern);
    }
    this.pattern = pattern;
    this.segments = split(pattern);
  }

  /** The path parameters if the raw (still URL-encoded) path matches. */
  public Optional<Map<String, String>> match(String rawPath) {
    List<String> parts = split(rawPath);
    if (parts.size() != segments.size()) {
      return Optional.empty();
    }
    Map<String, String> parameters = new HashMap<>();
    for (int i = 0; i < parts.size(); i++) {
      String segment = segments.get(i);
      String part = parts.get(i);
      if (segment.startsWith("{") && segment.endsWith("}")) {
        parameters.put(segment.substring(1, segment.length() - 1), decode(part));
      } else if (!segment.equals(part)) {
        return Optional.empty();
      }
    }
    return Optional.of(parameters);
  }

  @Override
  public String toString() {
    return pattern;
  }

  /** Non-empty segments, so that a trailing slash matches the same route. */
  private static List<String> split(String path) {
    return java.util.Arrays.stream(path.split("/")).filter(s -> !s.isEmpty()).toList();
  }

  /** Percent-decoding of a path segment ('+' is a plus in a path, not a space). */
  private static String decode(String segment) {
    try {
      return URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest("invalid_path", "malformed percent-encoding in the path");
    }
  }
}
