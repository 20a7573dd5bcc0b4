package io.millrace.http;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The HTTP API's JSON: one configured mapper (thread-safe once built), reading request bodies into
 * trees and writing response values with snake_case names.
 */
public final class Json {

  /** Deeper request documents are refused (a limit on everything). */
  static final int MAX_NESTING_DEPTH = 64;

  private static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
          .disable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();

  static {
    MAPPER
        .getFactory()
        .setStreamReadConstraints(
            StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING_DEPTH).build());
  }

  private Json() {}

  /** Writes a response value. */
  public static byte[] write(Object value) {
    try {
      return MAPPER.writeValueAsBytes(value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The request's JSON body as a tree.
   *
   * @throws ApiException 415 unless the Content-Type is application/json, 400 for an empty or
   *     malformed body
   */
  public static JsonNode readBody(ApiRequest request) {
    if (request.contentType().isEmpty()
        || !request.contentType().get().equals("application/json")) {
      throw new ApiException(
          415,
          "unsupported_media_type",
          "the request body must be JSON (Content-Type: application/json), was "
              + request.contentType().orElse("no Content-Type"));
    }
    if (request.body().length == 0) {
      throw ApiException.badRequest("invalid_json", "the request body is empty");
    }
    try {
      return MAPPER.readTree(request.body());
    } catch (JacksonException e) {
      throw ApiException.badRequest("invalid_json", "malformed JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
