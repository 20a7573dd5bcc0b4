package io.millrace.http;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/** Parses a raw query string into the first value of each parameter. */
final class QueryParameters {

  /** Longer query strings are refused (a limit on everything). */
  private static final int MAX_QUERY_CHARS = 8192;

  private QueryParameters() {}

  static Map<String, String> parse(String rawQuery) {
    Map<String, String> parameters = new HashMap<>();
    if (rawQuery == null || rawQuery.isEmpty()) {
      return parameters;
    }
    if (rawQuery.length() > MAX_QUERY_CHARS) {
      throw ApiException.badRequest(
          "invalid_request", "the query string is longer than " + MAX_QUERY_CHARS + " characters");
    }
    for (String pair : rawQuery.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int equals = pair.indexOf('=');
      String name = decode(equals < 0 ? pair : pair.substring(0, equals));
      String value = equals < 0 ? "" : decode(pair.substring(equals + 1));
      parameters.putIfAbsent(name, value);
    }
    return parameters;
  }

  private static String decode(String text) {
    try {
      return URLDecoder.decode(text, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest("invalid_request", "bad query string encoding: " + text);
    }
  }
}
