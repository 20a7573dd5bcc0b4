package io.millrace.http;

import java.util.Map;

/**
 * What a route handler answers: a status, an optional JSON body (any value Jackson writes; records
 * are written with snake_case names) and extra headers. Immutable.
 *
 * @param body the value to write as JSON, a {@link TextBody} written as is, or null for no body
 */
public record ApiResponse(int status, Object body, Map<String, String> headers) {

  public ApiResponse {
    headers = Map.copyOf(headers);
  }

  public static ApiResponse ok(Object body) {
    return new ApiResponse(200, body, Map.of());
  }

  public static ApiResponse created(Object body, String location) {
    return new ApiResponse(201, body, Map.of("Location", location));
  }

  public static ApiResponse noContent() {
    return new ApiResponse(204, null, Map.of());
  }

  public static ApiResponse json(int status, Object body) {
    return new ApiResponse(status, body, Map.of());
  }

  /** A body that is not JSON (Prometheus text on /metrics), written as is. */
  public record TextBody(String contentType, byte[] bytes) {}

  public static ApiResponse text(int status, String contentType, byte[] bytes) {
    return new ApiResponse(status, new TextBody(contentType, bytes), Map.of());
  }

  /** A body already written as JSON, sent as is. */
  public static ApiResponse rawJson(int status, byte[] json) {
    return text(status, "application/json", json);
  }

  /** The body of every error response. */
  public record ErrorBody(String error, String message) {}

  public static ApiResponse error(int status, String code, String message) {
    return new ApiResponse(status, new ErrorBody(code, message), Map.of());
  }
}
